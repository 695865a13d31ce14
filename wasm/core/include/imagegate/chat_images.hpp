#pragma once
// Chat completions that carry images (API.md §2): data URLs inside JSON, possibly many MiB each.
//
// JsonImageExtractor takes JSON bytes in pieces of any size and, in one pass, copies everything into a
// small "skeleton" except the content of "url"/"image_url" strings that are base64 data: URLs: those are decoded on the fly
// (no second pass, no copy of the base64) and replaced in the skeleton by a placeholder string. The
// skeleton then goes through nlohmann. Used for SSE chunks (fed as the data arrives) and for
// non-streamed completions (fed whole).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagegate/api_error.hpp"
#include "imagegate/base64.hpp"
#include "imagegate/image_info.hpp"
#include "imagegate/sse.hpp"

namespace imagegate {

struct DecodedImage {
  std::vector<uint8_t> bytes;
  std::string media_type;  // from the data URL ("image/png")
  ImageInfo info;          // sniffed from the bytes (the media type is a claim; the sniffer is the truth)
};

struct ExtractError {
  bool failed = false;
  size_t position = 0;     // byte offset in the JSON text fed so far
  std::string message;
};

class JsonImageExtractor {
 public:
  void feed(const uint8_t* data, size_t len);
  void reset();
  const std::string& skeleton() const { return skeleton_; }
  std::vector<DecodedImage>& images() { return images_; }
  const std::vector<DecodedImage>& images() const { return images_; }
  size_t image_count() const { return images_.size(); }
  const ExtractError& error() const { return error_; }
  bool decoding_image() const { return mode_ == Mode::decode; }
  size_t bytes_fed() const { return offset_; }

  // The placeholder that replaces image `index` in the skeleton, and its inverse (-1 when `s` is not one).
  static std::string placeholder(size_t index);
  static long placeholder_index(const std::string& s);

 private:
  enum class Mode : uint8_t { outside, prefix, pass, decode };
  bool at_url_value() const;
  void start_decoding(size_t comma);
  void fail(size_t position, std::string message);
  void finish_image(size_t at);

  Mode mode_ = Mode::outside;
  bool escape_ = false;       // the previous byte inside a string was an unescaped backslash
  std::string skeleton_;
  std::string prefix_;        // first bytes of the current string, until we know whether it is a data URL
  Base64StreamDecoder decoder_;
  std::vector<DecodedImage> images_;
  ExtractError error_;
  size_t offset_ = 0;
};

// One typed event of a streamed chat completion.
struct ChatStreamEvent {
  enum class Type : uint8_t { text, image, usage, finish, done, error, invalid };
  Type type = Type::text;
  int choice = 0;
  std::string text;              // text: the delta; finish: the reason; invalid: the message
  int image_index = 0;           // image: the index of this image within its choice
  size_t extract_index = 0;      // image: its index among the images extracted from its SSE event
  uint64_t event_seq = 0;        // the SSE event this came from (0, 1, 2, ... in stream order)
  DecodedImage image;            // image: the decoded bytes (moved out)
  std::string url;               // image: a non-data URL, reported as is (never fetched)
  nlohmann::json usage;          // usage
  ApiErrorInfo error;            // error: a mid-stream error event
  size_t position = 0;           // invalid: byte offset in the stream
  std::string reason;            // invalid: invalid_json | bad_base64 | bad_data_url | no_done | truncated
};

// The streamed /chat/completions parser: SSE framing, incremental image decoding, chunk interpretation.
class ChatStream : private SseHandler {
 public:
  void feed(const uint8_t* data, size_t len, std::vector<ChatStreamEvent>& out);
  // End of the byte stream: reports a stream that stopped mid-event or without [DONE] as `invalid`.
  void finish(std::vector<ChatStreamEvent>& out);
  bool done() const { return done_; }
  bool failed() const { return failed_; }
  // Progress of the event being received: its data bytes so far, and whether it holds an image.
  size_t pending_event_bytes() const { return parser_.pending_data_bytes(); }
  bool pending_event_has_image() const { return extractor_.decoding_image() || extractor_.image_count() > 0; }
  // id, object, created, model and system_fingerprint from the first chunk that carried them (for
  // aggregating a stream into a completion).
  const nlohmann::json& meta() const { return meta_; }
  // The images decoded so far from the event being received (the last one may still be growing), and the
  // event_seq that event will carry: lets the bindings copy decoded bytes out while the stream arrives.
  const std::vector<DecodedImage>& pending_images() const { return extractor_.images(); }
  uint64_t pending_event_seq() const { return event_seq_; }

 private:
  void on_data(const uint8_t* bytes, size_t len) override;
  void on_event(const SseEventInfo& info) override;
  void on_discard() override { extractor_.reset(); }

  SseParser parser_;
  JsonImageExtractor extractor_;
  std::vector<ChatStreamEvent>* out_ = nullptr;
  std::vector<int> images_per_choice_;
  nlohmann::json meta_ = nlohmann::json::object();
  bool done_ = false;
  bool failed_ = false;
  uint64_t event_seq_ = 0;
  size_t extract_error_position_ = 0;  // where in the stream the extractor failed
};

// A non-streamed chat completion: the completion with each message.images[j] replaced by
// {"type":"image_url","image_url":{"url": <placeholder>}} and the decoded images in `images`.
struct ChatCompletionResult {
  enum class Kind : uint8_t { ok, api_error, invalid };
  Kind kind = Kind::ok;
  nlohmann::json completion;
  std::vector<DecodedImage> images;
  ApiErrorInfo error;       // api_error: an error body inside a 2xx
  std::string reason;       // invalid
  std::string message;
  size_t position = 0;
};
ChatCompletionResult parse_chat_completion(const uint8_t* data, size_t len);

}  // namespace imagegate
