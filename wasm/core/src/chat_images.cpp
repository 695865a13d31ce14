#include "imagegate/chat_images.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "imagegate/data_url.hpp"
#include "imagegate/json_util.hpp"

namespace imagegate {

namespace {

constexpr size_t kPrefixMax = 512;  // a data URL's header ("data:image/png;base64,") is far shorter
constexpr char kDataScheme[] = "data:";
constexpr char kPlaceholderTag[] = "imagegate:decoded-image:";

// Index of the first '"' or '\\' in [p, p+n), or n.
size_t find_quote_or_backslash(const uint8_t* p, size_t n) {
  size_t i = 0;
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  constexpr uint64_t q = ones * '"', b = ones * '\\';
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t x = w ^ q, y = w ^ b;
    if (((x - ones) & ~x & highs) | ((y - ones) & ~y & highs)) break;
  }
  for (; i < n; ++i)
    if (p[i] == '"' || p[i] == '\\') return i;
  return n;
}

}  // namespace

std::string JsonImageExtractor::placeholder(size_t index) { return kPlaceholderTag + std::to_string(index); }

long JsonImageExtractor::placeholder_index(const std::string& s) {
  const size_t tag = sizeof kPlaceholderTag - 1;
  if (s.size() <= tag || s.size() > tag + 9 || s.compare(0, tag, kPlaceholderTag) != 0) return -1;
  long v = 0;
  for (size_t i = tag; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

void JsonImageExtractor::reset() {
  mode_ = Mode::outside;
  escape_ = false;
  skeleton_.clear();
  prefix_.clear();
  images_.clear();
  error_ = ExtractError();
  offset_ = 0;
  decoder_ = Base64StreamDecoder(data_url_base64_options());
}

bool JsonImageExtractor::at_url_value() const {
  size_t i = skeleton_.size();
  auto skip_ws = [&] {
    while (i > 0 && (skeleton_[i - 1] == ' ' || skeleton_[i - 1] == '\n' || skeleton_[i - 1] == '\r' || skeleton_[i - 1] == '\t')) --i;
  };
  skip_ws();
  if (i == 0 || skeleton_[i - 1] != ':') return false;
  --i;
  skip_ws();
  for (const char* key : {"\"url\"", "\"image_url\""}) {
    const size_t k = std::strlen(key);
    if (i >= k && skeleton_.compare(i - k, k, key) == 0) return true;
  }
  return false;
}

void JsonImageExtractor::fail(size_t position, std::string message) {
  if (error_.failed) return;
  error_.failed = true;
  error_.position = position;
  error_.message = std::move(message);
}

void JsonImageExtractor::start_decoding(size_t comma) {
  // prefix_ holds "data:...," (the comma included): is it a base64 data URL?
  DataUrlResult header = parse_data_url(reinterpret_cast<const uint8_t*>(prefix_.data()), comma + 1);
  if (!header.ok() || !header.url.base64) {
    skeleton_ += prefix_;
    prefix_.clear();
    mode_ = Mode::pass;
    return;
  }
  DecodedImage img;
  img.media_type = header.url.media_type;
  images_.push_back(std::move(img));
  skeleton_ += placeholder(images_.size() - 1);
  prefix_.clear();
  decoder_ = Base64StreamDecoder(data_url_base64_options());
  mode_ = Mode::decode;
}

void JsonImageExtractor::finish_image(size_t at) {
  DecodedImage& img = images_.back();
  Base64Result r = decoder_.finish(img.bytes);
  if (!r.ok()) {
    fail(at, std::string("the image's base64 does not decode: ") + to_string(r.error));
    return;
  }
  img.info = sniff_image(img.bytes.data(), img.bytes.size());
}

void JsonImageExtractor::feed(const uint8_t* data, size_t len) {
  size_t i = 0;
  while (i < len && !error_.failed) {
    switch (mode_) {
      case Mode::outside: {
        const void* q = std::memchr(data + i, '"', len - i);
        const size_t end = q ? static_cast<size_t>(static_cast<const uint8_t*>(q) - data) : len;
        skeleton_.append(reinterpret_cast<const char*>(data + i), end - i);
        i = end;
        if (q) {
          // Only the value of a "url" / "image_url" key may be an image to decode on the fly: a data URL
          // anywhere else (say, in text content) must come out exactly as it was sent.
          mode_ = at_url_value() ? Mode::prefix : Mode::pass;
          skeleton_ += '"';
          ++i;
          prefix_.clear();
        }
        break;
      }
      case Mode::prefix: {
        const uint8_t c = data[i];
        if (c == '"' || c == '\\' || prefix_.size() >= kPrefixMax) {
          // Not a data URL (or one with escapes in its header, left to the slow path): copy it as it is.
          skeleton_ += prefix_;
          prefix_.clear();
          mode_ = Mode::pass;
          break;  // pass mode handles c
        }
        prefix_ += static_cast<char>(c);
        ++i;
        const size_t k = prefix_.size();
        if (k < sizeof kDataScheme) {
          const char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
          if (lower != kDataScheme[k - 1]) {
            skeleton_ += prefix_;
            prefix_.clear();
            mode_ = Mode::pass;
          }
        } else if (c == ',') {
          start_decoding(k - 1);
        }
        break;
      }
      case Mode::pass: {
        if (escape_) {
          skeleton_ += static_cast<char>(data[i++]);
          escape_ = false;
          break;
        }
        const size_t run = find_quote_or_backslash(data + i, len - i);
        skeleton_.append(reinterpret_cast<const char*>(data + i), run);
        i += run;
        if (i < len) {
          skeleton_ += static_cast<char>(data[i]);
          if (data[i] == '"') mode_ = Mode::outside;
          else escape_ = true;
          ++i;
        }
        break;
      }
      case Mode::decode: {
        DecodedImage& img = images_.back();
        if (escape_) {
          // JSON escapes inside base64: "\/" is '/', and "\n", "\r", "\t" are MIME line breaks (skipped).
          escape_ = false;
          const uint8_t c = data[i];
          if (c == '/') {
            const uint8_t slash = '/';
            Base64Result r = decoder_.feed(&slash, 1, img.bytes);
            if (!r.ok()) fail(offset_ + i, std::string("the image's base64 does not decode: ") + to_string(r.error));
          } else if (c != 'n' && c != 'r' && c != 't') {
            fail(offset_ + i, "an unexpected JSON escape inside a base64 data URL");
          }
          ++i;
          break;
        }
        const size_t run = find_quote_or_backslash(data + i, len - i);
        if (run > 0) {
          const size_t before = decoder_.total_consumed();
          if (img.bytes.capacity() - img.bytes.size() < run)
            img.bytes.reserve(img.bytes.size() + std::max(img.bytes.size(), run));  // geometric growth
          Base64Result r = decoder_.feed(data + i, run, img.bytes);
          if (!r.ok()) {
            const size_t at = r.position >= before ? offset_ + i + (r.position - before) : offset_ + i;
            fail(at, std::string("the image's base64 does not decode: ") + to_string(r.error) + " at byte " +
                         std::to_string(r.position) + " of the payload");
            break;
          }
          i += run;
        }
        if (i < len) {
          if (data[i] == '"') {
            finish_image(offset_ + i);
            skeleton_ += '"';
            mode_ = Mode::outside;
          } else {
            escape_ = true;
          }
          ++i;
        }
        break;
      }
    }
  }
  offset_ += len;
}

// ---------------------------------------------------------------------------------------------------------
// ChatStream

namespace {

ChatStreamEvent invalid_event(std::string reason, std::string message, size_t position) {
  ChatStreamEvent e;
  e.type = ChatStreamEvent::Type::invalid;
  e.reason = std::move(reason);
  e.text = std::move(message);
  e.position = position;
  return e;
}

// The URL of an image object: {"type":"image_url","image_url":{"url":...}}, {"image_url":"..."} or "...".
const nlohmann::json* image_url_of(const nlohmann::json& img) {
  if (img.is_string()) return &img;
  if (!img.is_object()) return nullptr;
  auto it = img.find("image_url");
  if (it == img.end()) {
    auto u = img.find("url");
    return u != img.end() && u->is_string() ? &*u : nullptr;
  }
  if (it->is_string()) return &*it;
  if (it->is_object()) {
    auto u = it->find("url");
    if (u != it->end() && u->is_string()) return &*u;
  }
  return nullptr;
}

}  // namespace

void ChatStream::feed(const uint8_t* data, size_t len, std::vector<ChatStreamEvent>& out) {
  if (done_ || failed_) return;  // anything after [DONE] or an error is ignored
  out_ = &out;
  parser_.feed(data, len, *this);
  out_ = nullptr;
}

void ChatStream::on_data(const uint8_t* bytes, size_t len) {
  if (done_ || failed_ || extractor_.error().failed) return;
  // The extractor counts positions in the event's data; the stream's are what callers see. These bytes end at
  // parser_.position() in the stream (a synthetic '\n' joining data lines maps to the end of the previous line).
  const size_t data_before = extractor_.bytes_fed();
  extractor_.feed(bytes, len);
  if (extractor_.error().failed) {
    const size_t end = parser_.position();
    const size_t into = std::min(extractor_.error().position - std::min(extractor_.error().position, data_before), len);
    extract_error_position_ = end >= len ? end - len + into : end;
  }
}

void ChatStream::on_event(const SseEventInfo& info) {
  if (done_ || failed_) return;
  struct SeqBump {
    uint64_t& seq;
    ~SeqBump() { ++seq; }
  } bump{event_seq_};
  auto& out = *out_;
  if (extractor_.error().failed) {
    out.push_back(invalid_event("bad_base64", extractor_.error().message, extract_error_position_));
    failed_ = true;
    return;
  }
  const std::string& skeleton = extractor_.skeleton();
  if (skeleton == "[DONE]") {
    done_ = true;
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::done;
    out.push_back(std::move(e));
    extractor_.reset();
    return;
  }
  nlohmann::json j;
  JsonParseError err = parse_json(reinterpret_cast<const uint8_t*>(skeleton.data()), skeleton.size(), j);
  if (err.failed || !j.is_object()) {
    out.push_back(invalid_event("invalid_json",
                                err.failed ? "a stream event is not valid JSON: " + err.message
                                           : "a stream event is not a JSON object",
                                parser_.position()));
    failed_ = true;
    extractor_.reset();
    return;
  }
  if (info.event == "error" || is_error_body(j)) {
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::error;
    e.error = api_error_from_json(0, j);
    out.push_back(std::move(e));
    failed_ = true;
    extractor_.reset();
    return;
  }
  for (const char* key : {"id", "object", "created", "model", "system_fingerprint"}) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null() && !meta_.contains(key)) meta_[key] = *it;
  }
  auto& images = extractor_.images();
  std::vector<bool> used(images.size(), false);
  if (auto choices = j.find("choices"); choices != j.end() && choices->is_array()) {
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      int idx = 0;
      if (auto it = c.find("index"); it != c.end() && it->is_number_integer()) {
        const int64_t v = it->get<int64_t>();
        idx = v >= 0 && v < 1024 ? static_cast<int>(v) : 0;
      }
      if (images_per_choice_.size() <= static_cast<size_t>(idx)) images_per_choice_.resize(idx + 1, 0);
      auto delta = c.find("delta");
      if (delta != c.end() && delta->is_object()) {
        if (auto t = delta->find("content"); t != delta->end() && t->is_string() && !t->get_ref<const std::string&>().empty()) {
          ChatStreamEvent e;
          e.type = ChatStreamEvent::Type::text;
          e.choice = idx;
          e.text = t->get<std::string>();
          out.push_back(std::move(e));
        }
        if (auto imgs = delta->find("images"); imgs != delta->end() && imgs->is_array()) {
          for (const auto& img : *imgs) {
            const nlohmann::json* url = image_url_of(img);
            if (!url) continue;
            ChatStreamEvent e;
            e.type = ChatStreamEvent::Type::image;
            e.choice = idx;
            e.image_index = images_per_choice_[idx]++;
            const std::string& s = url->get_ref<const std::string&>();
            const long k = JsonImageExtractor::placeholder_index(s);
            if (k >= 0 && static_cast<size_t>(k) < images.size() && !used[k]) {
              used[k] = true;
              e.image = std::move(images[k]);
              e.extract_index = static_cast<size_t>(k);
              e.event_seq = event_seq_;
            } else if (s.rfind("data:", 0) == 0) {
              // A data URL the fast path left alone (not base64, or escapes in its header).
              DataUrlResult d = decode_data_url(reinterpret_cast<const uint8_t*>(s.data()), s.size(), e.image.bytes);
              if (!d.ok()) {
                out.push_back(invalid_event("bad_data_url", std::string("an image data URL is malformed: ") + to_string(d.error),
                                            parser_.position()));
                failed_ = true;
                extractor_.reset();
                return;
              }
              e.image.media_type = d.url.media_type;
              e.image.info = sniff_image(e.image.bytes.data(), e.image.bytes.size());
            } else {
              e.url = s;
            }
            out.push_back(std::move(e));
          }
        }
      }
      if (auto fr = c.find("finish_reason"); fr != c.end() && fr->is_string()) {
        ChatStreamEvent e;
        e.type = ChatStreamEvent::Type::finish;
        e.choice = idx;
        e.text = fr->get<std::string>();
        out.push_back(std::move(e));
      }
    }
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::usage;
    e.usage = *u;
    out.push_back(std::move(e));
  }
  extractor_.reset();
}

void ChatStream::finish(std::vector<ChatStreamEvent>& out) {
  if (done_ || failed_) return;
  // The parser discards an unfinished last event; peek at it first: a final "data: [DONE]" without its
  // blank line is tolerated (API.md §6.4 item 6), any other unfinished event means the stream was cut.
  struct Peek : SseHandler {
    ChatStream* self = nullptr;
    bool done_pending = false;
    void on_data(const uint8_t* b, size_t n) override { self->on_data(b, n); }
    void on_event(const SseEventInfo&) override {}
    void on_discard() override { done_pending = self->extractor_.skeleton() == "[DONE]"; }
  } peek;
  peek.self = this;
  const size_t fed = parser_.bytes_fed();
  const bool incomplete = parser_.finish(peek);
  if (incomplete && peek.done_pending) {
    done_ = true;
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::done;
    out.push_back(std::move(e));
  } else if (incomplete) {
    out.push_back(invalid_event("truncated", "the stream ended in the middle of an event", fed));
    failed_ = true;
  } else {
    out.push_back(invalid_event("no_done", "the stream ended without [DONE]", fed));
    failed_ = true;
  }
  extractor_.reset();
}

// ---------------------------------------------------------------------------------------------------------

ChatCompletionResult parse_chat_completion(const uint8_t* data, size_t len) {
  ChatCompletionResult r;
  JsonImageExtractor ex;
  ex.reset();
  ex.feed(data, len);
  if (ex.error().failed) {
    r.kind = ChatCompletionResult::Kind::invalid;
    r.reason = "bad_base64";
    r.message = ex.error().message;
    r.position = ex.error().position;
    return r;
  }
  nlohmann::json j;
  JsonParseError err = parse_json(reinterpret_cast<const uint8_t*>(ex.skeleton().data()), ex.skeleton().size(), j);
  if (err.failed || !j.is_object()) {
    r.kind = ChatCompletionResult::Kind::invalid;
    r.reason = "invalid_json";
    r.message = err.failed ? "the response is not valid JSON: " + err.message : "the response is not a JSON object";
    r.position = err.position;
    return r;
  }
  if (is_error_body(j)) {
    r.kind = ChatCompletionResult::Kind::api_error;
    r.error = api_error_from_json(200, j);
    return r;
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) {
    r.kind = ChatCompletionResult::Kind::invalid;
    r.reason = "unexpected_shape";
    r.message = "the response has no `choices` array";
    return r;
  }
  r.completion = std::move(j);
  r.images = std::move(ex.images());
  return r;
}

}  // namespace imagegate
