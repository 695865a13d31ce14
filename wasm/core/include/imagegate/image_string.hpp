#pragma once
// The one reader of JSON strings that carry an image, whatever the endpoint: /images/generations' b64_json and
// url, chat completions' message.images and the stream's delta.images. It takes the string's raw JSON text in
// pieces of any size (a piece may end inside an escape or a UTF-8 sequence) and, in one pass:
//  - validates the JSON text (escapes, control characters, UTF-8) exactly as nlohmann would;
//  - for a base64 string (b64_json): decodes the unescaped text as base64;
//  - for a URL string: decides from its first characters whether it is a data: URL (ASCII case-insensitive scheme,
//    leading C0/space and tab/newline ignored, as the URL parser does); if so, reads it with the WHATWG fetch
//    "data: URL processor": the MIME type portion up to the first ',', tab/newline removed, the fragment dropped,
//    trailing C0/space stripped, percent-decoding, then forgiving-base64 when the type ends in ";base64";
//  - writes the decoded bytes to an ImageOut: in place (behind the read position, in the same buffer) or appended
//    to a vector that its owner may drain between pieces (streamed images leave the wasm heap as they arrive).
// The bulk of a base64 payload goes through the SIMD kernel straight from the input; escapes and percent-escapes
// go byte by byte through the same state machine. Error positions are offsets in the caller's input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/text_scan.hpp"

namespace imagegate {

enum class ImageField : uint8_t { none, base64, url };

// Where decoded bytes go: in place (into buf[pos, limit), always behind the reader) or appended to a vector.
class ImageOut {
 public:
  static ImageOut in_place(uint8_t* buf, size_t pos, size_t limit) {
    ImageOut o;
    o.base_ = buf;
    o.pos_ = pos;
    o.limit_ = limit;
    return o;
  }
  static ImageOut append_to(std::vector<uint8_t>* vec) {
    ImageOut o;
    o.vec_ = vec;
    return o;
  }
  // At least `n` writable bytes (in place: whatever is left of the buffer, which the reader is ahead of).
  uint8_t* room(size_t n, size_t& capacity);
  void wrote(size_t n);
  // Vector mode: hands the held bytes to the owner and forgets them (their memory is reused).
  template <typename F> void drain(F&& f) {
    if (!vec_ || used_ == 0) return;
    f(vec_->data(), used_);
    used_ = 0;
  }
  void close() {  // vector mode: trims the vector to the bytes held
    if (vec_) vec_->resize(used_);
  }

 private:
  uint8_t* base_ = nullptr;
  size_t pos_ = 0, limit_ = 0;
  std::vector<uint8_t>* vec_ = nullptr;
  size_t used_ = 0;
};

enum class ImageStringFailure : uint8_t { none, invalid_json, bad_base64, bad_data_url };
const char* to_string(ImageStringFailure f);

class ImageStringDecoder {
 public:
  enum class Verdict : uint8_t { undecided, image, not_image };

  // Starts a string whose first content byte (just after the quote) is at input offset `content`.
  void start(ImageField field, ImageOut out, size_t content);
  // Feeds the string's raw text from input offset `at`. Returns the bytes consumed: all of them, or fewer when the
  // string ended (the closing quote consumed: ended()), when the URL turned out not to be a data: URL (verdict
  // not_image: the caller copies raw() and reads the rest of the string itself, at a character boundary), or on
  // invalid JSON (failure() == invalid_json: the document is rejected).
  size_t feed(const uint8_t* p, size_t n, size_t at);

  bool ended() const { return ended_; }
  Verdict verdict() const { return verdict_; }
  const std::string& raw() const { return raw_; }  // the raw text read while undecided
  ImageStringFailure failure() const { return failure_; }
  size_t failure_position() const { return failure_pos_; }
  Base64Error base64_error() const { return base64_error_; }
  DataUrlError data_url_error() const { return data_url_error_; }
  const std::string& media_type() const { return media_type_; }  // a data URL's MIME type essence
  bool is_data_url() const { return data_url_; }
  ImageOut& out() { return out_; }
  size_t decoded() const { return decoded_; }  // bytes written in total

 private:
  enum class Phase : uint8_t { header, payload, buffered, skip };
  struct Held { uint8_t byte; size_t pos; };
  bool deliver(const uint8_t* bytes, size_t n, const uint8_t* raw, size_t raw_len, size_t pos);
  void header_byte(uint8_t b);
  void decide_header();
  void payload_byte(uint8_t b, size_t pos);
  void percent_byte(uint8_t b, size_t pos);
  void emit(uint8_t b, size_t pos);
  void write(const uint8_t* b, size_t n);
  void base64_failed(const Base64Result& r);
  void data_url_failed(const DataUrlResult& r, size_t base);
  void json_failed(size_t pos);
  void end(size_t pos);
  void end_payload();
  void finish_data_url(size_t quote);

  ImageField field_ = ImageField::none;
  ImageOut out_;
  Phase phase_ = Phase::header;
  Verdict verdict_ = Verdict::undecided;
  bool ended_ = false;
  bool data_url_ = false;
  bool base64_ = false;
  size_t content_ = 0;
  // A token (escape or UTF-8 sequence) cut by the end of a piece.
  uint8_t stash_[12] = {};
  size_t stash_len_ = 0, stash_pos_ = 0;
  // URL header.
  std::string header_, raw_;
  size_t significant_ = 0;   // scheme characters matched so far ("data:")
  bool after_scheme_ = false;
  // Data URL payload.
  std::vector<Held> hold_;   // trailing C0/space candidates (stripped at the end of the URL)
  PercentDecoder pct_;
  Base64StreamDecoder dec_;
  size_t decoded_ = 0;
  ImageStringFailure failure_ = ImageStringFailure::none;
  size_t failure_pos_ = 0;
  Base64Error base64_error_ = Base64Error::none;
  DataUrlError data_url_error_ = DataUrlError::none;
  std::string media_type_;
};

// Whether a URL's text starts with the data: scheme as the URL parser reads it (leading C0 controls and spaces
// stripped, tab/newline removed, ASCII case-insensitive): the rule ImageStringDecoder applies as bytes arrive.
bool has_data_url_scheme(const uint8_t* p, size_t n);

// The base64 reading of b64_json (what Buffer.from / fromBase64 users expect: padding optional, ASCII whitespace
// skipped, standard alphabet) and of data URL payloads (data_url_base64_options(): forgiving-base64). One factory.
Base64Options image_base64_options(ImageField field);

}  // namespace imagegate
