#pragma once
// Chat completions that carry images (API.md §2): data URLs inside JSON, possibly many MiB each. Both the streamed
// and the non-streamed completion go through JsonImageScanner (the images engine), and both end in the same
// ChatCompletionResult, so create() and a stream's finalCompletion() are assembled in one place.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagegate/api_error.hpp"
#include "imagegate/base64.hpp"
#include "imagegate/image_info.hpp"
#include "imagegate/json_image_scanner.hpp"
#include "imagegate/sse.hpp"

namespace imagegate {

struct DecodedImage {
  std::vector<uint8_t> bytes;  // the decoded bytes, unless they were handed to an ImageByteSink as they arrived
  size_t length = 0;           // bytes decoded in total
  std::string media_type;      // from the data URL ("image/png")
  ImageInfo info;              // sniffed from the bytes (the media type is a claim; the sniffer is the truth)
};

// Where a stream's decoded image bytes go as they are decoded (the bindings: straight into a JS buffer). `slot`
// numbers the images of a stream 0, 1, 2... in the order their strings start.
class ImageByteSink {
 public:
  virtual ~ImageByteSink() = default;
  virtual void image_bytes(uint64_t slot, const uint8_t* data, size_t len) = 0;
};

// One image of a completion, found by its place: choices[choice_position].message.images[index].
struct ChatImage {
  size_t choice_position = 0;  // the position in the completion's `choices` array
  size_t index = 0;            // the position in that message's `images`
  bool has_bytes = false;
  DecodedImage image;
  size_t offset = 0;           // parse_chat_completion: the bytes are at buffer[offset, offset + image.length)
  uint64_t slot = 0;           // a stream: the slot its bytes went to
  std::string url;             // not a data: URL: reported as is, never fetched
};

// A chat completion: the document with each resolved message.images[j] set to null, and the images beside it.
struct ChatCompletionResult {
  enum class Kind : uint8_t { ok, api_error, invalid };
  Kind kind = Kind::ok;
  nlohmann::json completion;
  std::vector<ChatImage> images;
  ApiErrorInfo error;       // api_error: an error body inside a 2xx
  std::string reason;       // invalid: invalid_json | bad_base64 | bad_data_url | unexpected_shape
  std::string message;
  size_t position = 0;
};

// One typed event of a streamed chat completion.
struct ChatStreamEvent {
  enum class Type : uint8_t { text, image, usage, finish, done, error, invalid };
  Type type = Type::text;
  int choice = 0;
  std::string text;              // text: the delta; finish: the reason; invalid: the message
  int image_index = 0;           // image: the index of this image within its choice
  uint64_t slot = 0;             // image: the slot its bytes went to (ImageByteSink)
  DecodedImage image;            // image: the decoded bytes (moved out; only the length without a sink)
  std::string url;               // image: a non-data URL, reported as is (never fetched)
  nlohmann::json usage;          // usage
  ApiErrorInfo error;            // error: a mid-stream error event
  size_t position = 0;           // invalid: byte offset in the stream
  std::string reason;            // invalid: invalid_json | bad_base64 | bad_data_url | no_done | truncated
};

// The streamed /chat/completions parser: SSE framing, the images engine on each event's data, chunk
// interpretation, and the aggregate completion.
class ChatStream : private SseHandler {
 public:
  ChatStream() : scanner_(ImageTarget::chat_delta, JsonImageScanner::Output::vectors) {}
  // With a sink, decoded bytes leave as they are decoded: the stream keeps only what sniffing needs (kSniffPrefix).
  void set_sink(ImageByteSink* sink) { sink_ = sink; }
  void feed(const uint8_t* data, size_t len, std::vector<ChatStreamEvent>& out);
  // End of the byte stream: reports a stream that stopped mid-event or without [DONE] as `invalid`.
  void finish(std::vector<ChatStreamEvent>& out);
  bool done() const { return done_; }
  bool failed() const { return failed_; }
  // Progress of the event being received: its data bytes so far, and whether it holds an image.
  size_t pending_event_bytes() const { return parser_.pending_data_bytes(); }
  bool pending_event_has_image() const { return scanner_.decoding_image() || !scanner_.images().empty(); }
  // The image whose string is being decoded right now (for progressive previews): its slot (the ImageByteSink's),
  // and the choice and index its image event will carry. The event reads each choice's `index` field, which is not
  // parsed before the event ends; this takes the choice's position in `choices`, which is the same in the streams
  // gateways send (one entry per choice, in order). False when no image string is open.
  struct PendingImage {
    uint64_t slot = 0;
    int choice = 0;
    int index = 0;
  };
  bool pending_image(PendingImage& out) const;
  // id, object, created, model and system_fingerprint from the first chunk that carried them.
  const nlohmann::json& meta() const { return meta_; }
  // The stream so far as one chat completion (what create() returns): text joined, images by slot, finish reasons.
  ChatCompletionResult completion() const;

  static constexpr size_t kSniffPrefix = 256 << 10;

 private:
  struct Choice {
    std::string content;
    std::vector<ChatImage> images;
    nlohmann::json finish_reason;
  };
  void on_data(const uint8_t* bytes, size_t len) override;
  void on_event(const SseEventInfo& info) override;
  void on_discard() override { next_event(); }
  void drain();
  void next_event();
  size_t stream_position(size_t data_offset) const;
  void fail(std::string reason, std::string message, size_t position);

  SseParser parser_;
  JsonImageScanner scanner_;
  ImageByteSink* sink_ = nullptr;
  std::vector<std::vector<uint8_t>> prefixes_;  // per image of the event: its first kSniffPrefix bytes (with a sink)
  std::vector<std::pair<size_t, size_t>> data_map_;  // (event data offset, stream offset) where each piece starts
  uint64_t slot_base_ = 0;
  std::vector<ChatStreamEvent>* out_ = nullptr;
  std::vector<int> images_per_choice_;
  std::vector<std::pair<int, Choice>> choices_;  // by choice index, in order of appearance (a handful)
  Choice& choice(int index);
  nlohmann::json usage_;
  nlohmann::json meta_ = nlohmann::json::object();
  bool done_ = false;
  bool failed_ = false;
};

// A non-streamed chat completion, parsed IN PLACE: each image's bytes are decoded into its own string's bytes.
ChatCompletionResult parse_chat_completion(uint8_t* data, size_t len);

}  // namespace imagegate
