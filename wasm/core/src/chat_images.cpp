// Chat completions with images, streamed (ChatStream) and whole (parse_chat_completion), on the images engine.
#include "imagegate/chat_images.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "imagegate/json_util.hpp"

namespace imagegate {

namespace {

constexpr size_t kNpos = static_cast<size_t>(-1);

ChatStreamEvent invalid_event(std::string reason, std::string message, size_t position) {
  ChatStreamEvent e;
  e.type = ChatStreamEvent::Type::invalid;
  e.reason = std::move(reason);
  e.text = std::move(message);
  e.position = position;
  return e;
}

PathStep key_step(const char* k) {
  PathStep s;
  s.key = k;
  return s;
}
PathStep index_step(size_t i) {
  PathStep s;
  s.is_index = true;
  s.index = i;
  return s;
}

// Where the URL of an entry of `images` is, in the forms the gateway writes: {"type":"image_url","image_url":
// {"url":…}}, {"image_url":"…"}, {"url":"…"} or "…". Appends the steps to `path`; null when the entry has none.
const nlohmann::json* image_url_of(const nlohmann::json& entry, JsonPath& path) {
  if (entry.is_string()) return &entry;
  if (!entry.is_object()) return nullptr;
  auto it = entry.find("image_url");
  if (it == entry.end()) {
    auto u = entry.find("url");
    if (u == entry.end() || !u->is_string()) return nullptr;
    path.push_back(key_step("url"));
    return &*u;
  }
  path.push_back(key_step("image_url"));
  if (it->is_string()) return &*it;
  if (it->is_object()) {
    auto u = it->find("url");
    if (u != it->end() && u->is_string()) {
      path.push_back(key_step("url"));
      return &*u;
    }
  }
  return nullptr;
}

// Calls f(j, url, scanned) for each image entry of choices[ci].<holder>.images.
template <typename F>
void for_each_image(const nlohmann::json& holder_value, const char* holder, size_t ci, const JsonImageScanner& s, F&& f) {
  auto imgs = holder_value.find("images");
  if (imgs == holder_value.end() || !imgs->is_array()) return;
  for (size_t j = 0; j < imgs->size(); ++j) {
    JsonPath path{key_step("choices"), index_step(ci), key_step(holder), key_step("images"), index_step(j)};
    const nlohmann::json* url = image_url_of((*imgs)[j], path);
    if (!url) continue;
    f(j, url->get_ref<const std::string&>(), s.find(path));
  }
}

void describe_failure(const ScannedImage& img, std::string& reason, std::string& message) {
  if (img.failure == ImageStringFailure::bad_base64) {
    reason = "bad_base64";
    message = std::string("the image's base64 does not decode: ") + to_string(img.base64_error) + " at byte " +
              std::to_string(img.failure_position - std::min(img.failure_position, img.content)) + " of the " +
              (img.data_url ? "data URL" : "string");
  } else {
    reason = "bad_data_url";
    message = std::string("an image data URL is malformed: ") + to_string(img.data_url_error);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// ChatStream

void ChatStream::feed(const uint8_t* data, size_t len, std::vector<ChatStreamEvent>& out) {
  if (done_ || failed_) return;  // anything after [DONE] or an error is ignored
  out_ = &out;
  parser_.feed(data, len, *this);
  out_ = nullptr;
}

void ChatStream::on_data(const uint8_t* bytes, size_t len) {
  if (done_ || failed_ || scanner_.failed()) return;
  // The scanner counts positions in the event's data; the stream's are what callers see. These bytes end at
  // parser_.position() in the stream (a synthetic '\n' joining data lines maps to the end of the previous line).
  const size_t end = parser_.position();
  data_map_.emplace_back(scanner_.bytes_fed(), end >= len ? end - len : 0);
  scanner_.feed(bytes, len);
  drain();
}

void ChatStream::drain() {
  if (!sink_) return;
  scanner_.drain([&](size_t k, const uint8_t* p, size_t n) {
    if (prefixes_.size() <= k) prefixes_.resize(k + 1);
    std::vector<uint8_t>& pre = prefixes_[k];
    if (pre.size() < kSniffPrefix) pre.insert(pre.end(), p, p + std::min(n, kSniffPrefix - pre.size()));
    sink_->image_bytes(slot_base_ + k, p, n);
  });
}

bool ChatStream::pending_image(PendingImage& out) const {
  const auto& scanned = scanner_.images();
  if (!scanner_.decoding_image() || scanned.empty()) return false;
  // choices[i].delta.images[j]..., the only place the chat_delta target decodes
  const auto choice_of = [](const JsonPath& path) -> size_t {
    return path.size() >= 2 && path[1].is_index ? path[1].index : SIZE_MAX;
  };
  const size_t ci = choice_of(scanned.back().path);
  if (ci >= 1024) return false;
  // Its event counts every image of the choice before it: earlier events', and this event's data URLs and other URLs.
  int index = ci < images_per_choice_.size() ? images_per_choice_[ci] : 0;
  for (size_t k = 0; k + 1 < scanned.size(); ++k) index += choice_of(scanned[k].path) == ci;
  for (const JsonPath& path : scanner_.url_paths()) index += choice_of(path) == ci;
  out.slot = slot_base_ + scanned.size() - 1;
  out.choice = static_cast<int>(ci);
  out.index = index;
  return true;
}

size_t ChatStream::stream_position(size_t data_offset) const {
  auto it = std::upper_bound(data_map_.begin(), data_map_.end(), std::make_pair(data_offset, kNpos));
  if (it == data_map_.begin()) return parser_.position();
  --it;
  return it->second + (data_offset - it->first);
}

void ChatStream::next_event() {
  slot_base_ += scanner_.images().size();
  scanner_.reset();
  prefixes_.clear();
  data_map_.clear();
}

void ChatStream::fail(std::string reason, std::string message, size_t position) {
  out_->push_back(invalid_event(std::move(reason), std::move(message), position));
  failed_ = true;
  next_event();
}

void ChatStream::on_event(const SseEventInfo& info) {
  if (done_ || failed_) return;
  drain();
  auto& out = *out_;
  if (scanner_.failed()) {
    fail("invalid_json", "a stream event is not valid JSON (inside an image string)", stream_position(scanner_.failure_position()));
    return;
  }
  if (const ScannedImage* f = scanner_.first_failure()) {
    std::string reason, message;
    describe_failure(*f, reason, message);
    fail(std::move(reason), std::move(message), stream_position(f->failure_position));
    return;
  }
  const std::string& skeleton = scanner_.skeleton();
  if (skeleton == "[DONE]") {
    done_ = true;
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::done;
    out.push_back(std::move(e));
    next_event();
    return;
  }
  nlohmann::json j;
  JsonParseError err = parse_json(reinterpret_cast<const uint8_t*>(skeleton.data()), skeleton.size(), j);
  if (err.failed || !j.is_object()) {
    fail("invalid_json", err.failed ? "a stream event is not valid JSON: " + err.message : "a stream event is not a JSON object",
         parser_.position());
    return;
  }
  if (info.event == "error" || is_error_body(j)) {
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::error;
    e.error = api_error_from_json(0, j);
    out.push_back(std::move(e));
    failed_ = true;
    next_event();
    return;
  }
  for (const char* key : {"id", "object", "created", "model", "system_fingerprint"}) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null() && !meta_.contains(key)) meta_[key] = *it;
  }
  auto& scanned = scanner_.images();
  if (auto choices = j.find("choices"); choices != j.end() && choices->is_array()) {
    for (size_t ci = 0; ci < choices->size(); ++ci) {
      const auto& c = (*choices)[ci];
      if (!c.is_object()) continue;
      int idx = 0;
      if (auto it = c.find("index"); it != c.end() && it->is_number_integer()) {
        const int64_t v = it->get<int64_t>();
        idx = v >= 0 && v < 1024 ? static_cast<int>(v) : 0;
      }
      if (images_per_choice_.size() <= static_cast<size_t>(idx)) images_per_choice_.resize(idx + 1, 0);
      Choice& acc = choice(idx);
      auto delta = c.find("delta");
      if (delta != c.end() && delta->is_object()) {
        if (auto t = delta->find("content"); t != delta->end() && t->is_string() && !t->get_ref<const std::string&>().empty()) {
          ChatStreamEvent e;
          e.type = ChatStreamEvent::Type::text;
          e.choice = idx;
          e.text = t->get<std::string>();
          acc.content += e.text;
          out.push_back(std::move(e));
        }
        for_each_image(*delta, "delta", ci, scanner_, [&](size_t, const std::string& url, const ScannedImage* img) {
          if (!img && url.empty()) return;  // an empty URL is no image
          ChatStreamEvent e;
          e.type = ChatStreamEvent::Type::image;
          e.choice = idx;
          e.image_index = images_per_choice_[idx]++;
          ChatImage ref;
          ref.index = acc.images.size();
          if (img) {
            const size_t k = static_cast<size_t>(
                std::find_if(scanned.begin(), scanned.end(), [&](const ScannedImage& x) { return &x == img; }) - scanned.begin());
            e.slot = slot_base_ + k;
            e.image.length = img->length;
            e.image.media_type = img->media_type;
            if (sink_) {
              const std::vector<uint8_t>* pre = k < prefixes_.size() ? &prefixes_[k] : nullptr;
              e.image.info = pre ? sniff_image(pre->data(), pre->size()) : ImageInfo();
            } else {
              e.image.bytes = std::move(scanned[k].bytes);
              e.image.info = sniff_image(e.image.bytes.data(), e.image.bytes.size());
            }
            ref.has_bytes = true;
            ref.slot = e.slot;
            ref.image.length = e.image.length;
            ref.image.media_type = e.image.media_type;
            ref.image.info = e.image.info;
          } else {
            e.url = url;
            ref.url = url;
          }
          acc.images.push_back(std::move(ref));
          out.push_back(std::move(e));
        });
      }
      if (auto fr = c.find("finish_reason"); fr != c.end() && fr->is_string()) {
        ChatStreamEvent e;
        e.type = ChatStreamEvent::Type::finish;
        e.choice = idx;
        e.text = fr->get<std::string>();
        acc.finish_reason = e.text;
        out.push_back(std::move(e));
      }
    }
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    ChatStreamEvent e;
    e.type = ChatStreamEvent::Type::usage;
    e.usage = *u;
    usage_ = *u;
    out.push_back(std::move(e));
  }
  next_event();
}

void ChatStream::finish(std::vector<ChatStreamEvent>& out) {
  if (done_ || failed_) return;
  out_ = &out;
  // The parser discards an unfinished last event; peek at it first: a final "data: [DONE]" without its
  // blank line is tolerated (API.md §6.4 item 6), any other unfinished event means the stream was cut.
  struct Peek : SseHandler {
    ChatStream* self = nullptr;
    bool done_pending = false;
    void on_data(const uint8_t* b, size_t n) override { self->on_data(b, n); }
    void on_event(const SseEventInfo&) override {}
    void on_discard() override { done_pending = self->scanner_.skeleton() == "[DONE]"; }
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
  next_event();
  out_ = nullptr;
}

ChatStream::Choice& ChatStream::choice(int index) {
  for (auto& [i, c] : choices_)
    if (i == index) return c;
  choices_.emplace_back(index, Choice());
  return choices_.back().second;
}

ChatCompletionResult ChatStream::completion() const {
  ChatCompletionResult r;
  nlohmann::json doc(nlohmann::json::value_t::object);
  for (const auto& [key, value] : meta_.get_ref<const nlohmann::json::object_t&>()) doc[key] = value;
  doc["object"] = "chat.completion";
  nlohmann::json choices(nlohmann::json::value_t::array);
  size_t position = 0;
  std::vector<const std::pair<int, Choice>*> order;
  for (const auto& entry : choices_) order.push_back(&entry);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* entry : order) {
    const int idx = entry->first;
    const Choice& c = entry->second;
    nlohmann::json message(nlohmann::json::value_t::object);
    message["role"] = "assistant";
    message["content"] = c.content;
    nlohmann::json images(nlohmann::json::value_t::array);
    for (const ChatImage& img : c.images) {
      images.push_back(nullptr);
      ChatImage placed = img;
      placed.choice_position = position;
      r.images.push_back(std::move(placed));
    }
    message["images"] = std::move(images);
    nlohmann::json choice(nlohmann::json::value_t::object);
    choice["index"] = idx;
    choice["message"] = std::move(message);
    choice["finish_reason"] = c.finish_reason;
    choices.push_back(std::move(choice));
    ++position;
  }
  doc["choices"] = std::move(choices);
  doc["usage"] = usage_;
  r.completion = std::move(doc);
  return r;
}

// ---------------------------------------------------------------------------------------------------------

ChatCompletionResult parse_chat_completion(uint8_t* data, size_t len) {
  ChatCompletionResult r;
  auto invalid = [&](std::string reason, std::string message, size_t position) {
    r.kind = ChatCompletionResult::Kind::invalid;
    r.reason = std::move(reason);
    r.message = std::move(message);
    r.position = position;
    return std::move(r);
  };
  JsonImageScanner s(ImageTarget::chat_message, JsonImageScanner::Output::in_place);
  if (data && len) s.feed_in_place(data, len);
  if (s.failed() || s.decoding_image())
    return invalid("invalid_json", "the response is not valid JSON (inside an image string)", s.failed() ? s.failure_position() : len);
  if (const ScannedImage* f = s.first_failure()) {
    std::string reason, message;
    describe_failure(*f, reason, message);
    return invalid(std::move(reason), std::move(message), f->failure_position);
  }
  nlohmann::json j;
  const std::string& skeleton = s.skeleton();
  JsonParseError err = parse_json(reinterpret_cast<const uint8_t*>(skeleton.data()), skeleton.size(), j);
  if (err.failed || !j.is_object())
    return invalid("invalid_json", err.failed ? "the response is not valid JSON: " + err.message : "the response is not a JSON object",
                   err.failed ? std::min(s.input_position(err.position), len) : 0);
  if (is_error_body(j)) {
    r.kind = ChatCompletionResult::Kind::api_error;
    r.error = api_error_from_json(200, j);
    return r;
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) return invalid("unexpected_shape", "the response has no `choices` array", 0);
  for (size_t ci = 0; ci < choices->size(); ++ci) {
    auto& c = (*choices)[ci];
    if (!c.is_object()) continue;
    auto msg = c.find("message");
    if (msg == c.end() || !msg->is_object()) continue;
    std::vector<size_t> resolved;
    for_each_image(*msg, "message", ci, s, [&](size_t k, const std::string& url, const ScannedImage* img) {
      if (!img && url.empty()) return;
      ChatImage out;
      out.choice_position = ci;
      out.index = k;
      if (img) {
        out.has_bytes = true;
        out.offset = img->content;
        out.image.length = img->length;
        out.image.media_type = img->media_type;
        out.image.info = sniff_image(data + img->content, img->length);
      } else {
        out.url = url;
      }
      r.images.push_back(std::move(out));
      resolved.push_back(k);
    });
    for (size_t k : resolved) (*msg)["images"][k] = nullptr;
  }
  r.completion = std::move(j);
  return r;
}

}  // namespace imagegate
