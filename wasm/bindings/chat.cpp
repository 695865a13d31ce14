// Streamed chat completions: one core ChatStream per stream, behind an integer handle (no embind class
// reaches JS, so nobody has to call .delete()). JS feeds each network chunk as (ptr, len) and gets the
// typed events that chunk completed.
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <algorithm>
#include <vector>

#include "imagegate/chat_images.hpp"
#include "handle_map.hpp"
#include "response_vals.hpp"
#include "to_val.hpp"

namespace {

using emscripten::val;
using namespace imagegate;
using namespace imagegate_bindings;

HandleMap<std::unique_ptr<ChatStream>>& streams() {
  static HandleMap<std::unique_ptr<ChatStream>> map;
  return map;
}
uint32_t next_stream = 1;

// Decoded image bytes copied out to JS while the stream is still arriving, so that the image event at the end
// only has to copy the last chunk's bytes: allocating (page-faulting) and filling a multi-MiB JS buffer then
// happens while the network is busy, not between the last byte and the image. One accumulator per image of the
// event being received; the event's image is handed out as a view of it (capacity may exceed the length).
struct Accumulator {
  val buf = val::undefined();  // Uint8Array, JS-owned
  size_t capacity = 0;
  size_t copied = 0;
};
struct StreamOut {
  uint64_t seq = 0;                 // the event these accumulators belong to
  std::vector<Accumulator> accs;
};
HandleMap<StreamOut>& outs() {
  static HandleMap<StreamOut> map;
  return map;
}
constexpr size_t kAccMin = 256 << 10;  // below this, copy at the end as before

void copy_into(Accumulator& a, const uint8_t* data, size_t len) {
  if (len <= a.copied) return;
  if (len > a.capacity) {
    size_t cap = std::max({len, a.capacity * 2, kAccMin});
    val fresh = val::global("Uint8Array").new_(static_cast<double>(cap));
    if (a.copied) fresh.call<void>("set", a.buf.call<val>("subarray", 0, static_cast<double>(a.copied)));
    a.buf = fresh;
    a.capacity = cap;
  }
  a.buf.call<void>("set", val(emscripten::typed_memory_view(len - a.copied, data + a.copied)), static_cast<double>(a.copied));
  a.copied = len;
}

// After a feed: copy what the pending event's images have decoded so far.
void accumulate(uint32_t id, const ChatStream& s) {
  StreamOut& o = outs()[id];
  if (o.seq != s.pending_event_seq()) {
    o.seq = s.pending_event_seq();
    o.accs.clear();
  }
  if (!s.pending_event_has_image()) return;
  const auto& imgs = s.pending_images();
  if (o.accs.size() < imgs.size()) o.accs.resize(imgs.size());
  for (size_t k = 0; k < imgs.size(); ++k) {
    const auto& b = imgs[k].bytes;
    if (b.size() >= kAccMin || o.accs[k].copied) copy_into(o.accs[k], b.data(), b.size());
  }
}

// The bytes of a finished image: a view of its accumulator when there is one, else a fresh copy.
val image_bytes(uint32_t id, const ChatStreamEvent& e) {
  StreamOut* out = outs().find(id);
  const auto& b = e.image.bytes;
  if (out && out->seq == e.event_seq && e.extract_index < out->accs.size()) {
    Accumulator& a = out->accs[e.extract_index];
    if (a.copied) {
      copy_into(a, b.data(), b.size());
      val view = a.buf.call<val>("subarray", 0, static_cast<double>(b.size()));
      a = Accumulator();
      return view;
    }
  }
  return copy_bytes(b.data(), b.size());
}

val event_val(uint32_t id, ChatStreamEvent& e) {
  val o = val::object();
  switch (e.type) {
    case ChatStreamEvent::Type::text:
      o.set("type", std::string("text"));
      o.set("choice", e.choice);
      o.set("delta", e.text);
      break;
    case ChatStreamEvent::Type::image:
      o = image_val(e.image, e.url, e.url.empty() ? image_bytes(id, e) : val::null());
      o.set("type", std::string("image"));
      o.set("choice", e.choice);
      o.set("index", e.image_index);
      break;
    case ChatStreamEvent::Type::usage:
      o.set("type", std::string("usage"));
      o.set("usage", to_val(e.usage));
      break;
    case ChatStreamEvent::Type::finish:
      o.set("type", std::string("finish"));
      o.set("choice", e.choice);
      o.set("reason", e.text);
      break;
    case ChatStreamEvent::Type::done: o.set("type", std::string("done")); break;
    case ChatStreamEvent::Type::error:
      o.set("type", std::string("error"));
      o.set("error", api_error_val(e.error));
      break;
    case ChatStreamEvent::Type::invalid:
      o.set("type", std::string("invalid"));
      o.set("reason", e.reason);
      o.set("message", e.text);
      o.set("position", static_cast<double>(e.position));
      break;
  }
  return o;
}

val events_val(uint32_t id, ChatStream& s, std::vector<ChatStreamEvent>& events) {
  val list = val::array();
  for (size_t i = 0; i < events.size(); ++i) list.set(i, event_val(id, events[i]));
  accumulate(id, s);
  val o = val::object();
  o.set("events", list);
  o.set("pendingBytes", static_cast<double>(s.pending_event_bytes()));
  o.set("pendingImage", s.pending_event_has_image());
  o.set("meta", to_val(s.meta()));
  return o;
}

uint32_t chat_stream_create() {
  const uint32_t id = next_stream++;
  streams()[id] = std::make_unique<ChatStream>();
  return id;
}

// Returns {events, pendingBytes, pendingImage, meta}; an unknown handle gives no events.
val chat_stream_feed(uint32_t id, uintptr_t ptr, uint32_t len) {
  std::vector<ChatStreamEvent> events;
  std::unique_ptr<ChatStream>* stream = streams().find(id);
  if (!stream) return val::null();
  ChatStream& s = **stream;
  s.feed(reinterpret_cast<const uint8_t*>(ptr), len, events);
  return events_val(id, s, events);
}

val chat_stream_finish(uint32_t id) {
  std::vector<ChatStreamEvent> events;
  std::unique_ptr<ChatStream>* stream = streams().find(id);
  if (!stream) return val::null();
  ChatStream& s = **stream;
  s.finish(events);
  return events_val(id, s, events);
}

void chat_stream_destroy(uint32_t id) {
  streams().erase(id);
  outs().erase(id);
}

uint32_t chat_stream_count() { return static_cast<uint32_t>(streams().size()); }

val parse_chat(uintptr_t ptr, uint32_t len) { return chat_completion_val(reinterpret_cast<uint8_t*>(ptr), len); }

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_chat) {
  emscripten::function("_chatStreamCreate", &chat_stream_create);
  emscripten::function("_chatStreamFeed", &chat_stream_feed);
  emscripten::function("_chatStreamFinish", &chat_stream_finish);
  emscripten::function("_chatStreamDestroy", &chat_stream_destroy);
  emscripten::function("_chatStreamCount", &chat_stream_count);
  emscripten::function("_parseChatCompletion", &parse_chat);
}
