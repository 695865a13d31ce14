#pragma once
// The one engine for JSON documents that carry images: /images/generations (and later /images/edits) responses,
// chat completions and each event of a chat stream. It takes the document in pieces of any size and tracks just
// enough structure (keys and array indices from the root) to know, when a string starts, whether it sits where the
// target puts images (`data[k].b64_json` / `data[k].url`; `choices[i].message.images[j]` and its `image_url` /
// `url` forms; the stream's `choices[i].delta.images[j]`). Those strings go through ImageStringDecoder (decoded to
// bytes, in place or into vectors); everything else is copied into a small skeleton, where each decoded string is
// "" (or its text, when a URL was not a data: URL), for nlohmann. Decoded images are found again by their path in
// the document, never by a marker string a server could forge.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagegate/image_string.hpp"

namespace imagegate {

enum class ImageTarget : uint8_t { images_response, chat_message, chat_delta };

// One step from the root: an object key, or an array index.
struct PathStep {
  bool is_index = false;
  size_t index = 0;
  std::string key;
  bool operator==(const PathStep& o) const { return is_index == o.is_index && (is_index ? index == o.index : key == o.key); }
};
using JsonPath = std::vector<PathStep>;

struct ScannedImage {
  JsonPath path;                 // where the string is
  ImageField field = ImageField::none;
  size_t content = 0;            // input offset of the string's first content byte
  size_t length = 0;             // bytes decoded in total (in place: at buffer[content, content + length))
  std::vector<uint8_t> bytes;    // vectors output: the bytes not drained yet
  std::string media_type;        // a data URL's MIME type essence
  bool data_url = false;
  bool complete = false;         // the closing quote was read
  ImageStringFailure failure = ImageStringFailure::none;
  size_t failure_position = 0;   // input offset
  Base64Error base64_error = Base64Error::none;
  DataUrlError data_url_error = DataUrlError::none;
};

class JsonImageScanner {
 public:
  enum class Output : uint8_t { in_place, vectors };
  JsonImageScanner(ImageTarget target, Output output);
  void reset();

  // in_place: the whole document in one call; image bytes are decoded into `data` itself, each at its string.
  void feed_in_place(uint8_t* data, size_t len);
  // vectors: any number of pieces.
  void feed(const uint8_t* data, size_t len);

  const std::string& skeleton() const { return skeleton_; }
  // The input offset of a skeleton offset (positions of nlohmann's errors, of values).
  size_t input_position(size_t skeleton_pos) const;
  std::vector<ScannedImage>& images() { return images_; }
  const std::vector<ScannedImage>& images() const { return images_; }
  // Where strings at an image's place were URLs other than data: URLs (they stay in the skeleton), in order.
  const std::vector<JsonPath>& url_paths() const { return url_paths_; }
  // The image scanned last at exactly `path` (nlohmann keeps the last of repeated keys too), or null.
  const ScannedImage* find(const JsonPath& path) const;
  // The first image whose string failed, in document order, or null.
  const ScannedImage* first_failure() const;

  bool failed() const { return failed_; }             // invalid JSON inside an image string: the document is rejected
  size_t failure_position() const { return failure_pos_; }
  bool decoding_image() const { return mode_ == Mode::image; }
  size_t bytes_fed() const { return offset_; }
  // images_response: where the root's "data" value and each data[k] start (for error positions).
  size_t data_position() const { return data_pos_; }
  const std::vector<size_t>& item_positions() const { return item_pos_; }

  // vectors: hands every image's newly decoded bytes to f(image_index, bytes, len) and forgets them.
  template <typename F> void drain(F&& f) {
    for (size_t k = drain_from_; k < images_.size(); ++k) {
      ScannedImage& img = images_[k];
      if (!img.complete) {
        if (mode_ == Mode::image && k + 1 == images_.size())
          decoder_.out().drain([&](const uint8_t* p, size_t n) { f(k, p, n); });
        continue;
      }
      if (!img.bytes.empty()) f(k, img.bytes.data(), img.bytes.size());
      std::vector<uint8_t>().swap(img.bytes);
      drain_from_ = k + 1;
    }
  }

 private:
  enum class Mode : uint8_t { structure, key, string, image };
  struct Frame {
    bool object = false;
    bool expect_key = false;
    std::string key;
    size_t index = 0;
  };
  void run(const uint8_t* data, size_t len, uint8_t* writable, size_t writable_len);
  void structural(uint8_t c, size_t pos);
  void value_starts(size_t pos);
  void start_string(uint8_t* writable, size_t writable_len, size_t pos);
  void end_image();
  void finish_key();
  ImageField field_here() const;

  ImageTarget target_;
  Output output_;
  Mode mode_ = Mode::structure;
  bool escape_ = false;
  bool value_pending_ = true;    // the next non-space byte starts a value
  std::vector<Frame> stack_;
  size_t overflow_ = 0;          // nesting past what is tracked (nlohmann rejects such documents anyway)
  std::string key_raw_;
  bool key_long_ = false;
  ImageStringDecoder decoder_;
  // A vector: only the last image is being written to (through decoder_'s ImageOut), and a new one starts only
  // after it ended, so growing the vector never moves bytes someone is writing.
  std::vector<ScannedImage> images_;
  std::vector<JsonPath> url_paths_;
  size_t drain_from_ = 0;
  std::string skeleton_;
  std::vector<std::pair<size_t, size_t>> map_{{0, 0}};  // (skeleton offset, input offset) after each splice
  size_t offset_ = 0;
  bool failed_ = false;
  size_t failure_pos_ = 0;
  size_t data_pos_ = static_cast<size_t>(-1);
  std::vector<size_t> item_pos_;
};

// The value at `path` in a document, or null.
const nlohmann::json* json_at(const nlohmann::json& doc, const JsonPath& path);

}  // namespace imagegate
