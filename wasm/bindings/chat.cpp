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

// Decoded image bytes leave the wasm heap as the core decodes them (ImageByteSink): each image of a stream gets one
// JS buffer, filled piece by piece while the network is busy (so that allocating and filling a multi-MiB buffer is
// not paid between the last byte and the image), and handed out as a view when its image event comes. The length
// is not known before the event ends, so the buffer grows by doubling. (Resizable ArrayBuffers would grow in place,
// but node 20 kept the last one reachable after its stream was gone: contract-breaks test 1.)
struct Accumulator {
  val view = val::undefined();  // Uint8Array, JS-owned
  size_t capacity = 0;
  size_t copied = 0;
};

void append(Accumulator& a, const uint8_t* data, size_t len) {
  const size_t need = a.copied + len;
  if (need > a.capacity) {
    const size_t cap = std::max({need, a.capacity * 2, static_cast<size_t>(64 << 10)});
    val fresh = val::global("Uint8Array").new_(static_cast<double>(cap));
    if (a.copied) fresh.call<void>("set", a.view.call<val>("subarray", 0, static_cast<double>(a.copied)));
    a.view = fresh;
    a.capacity = cap;
  }
  a.view.call<void>("set", val(emscripten::typed_memory_view(len, data)), static_cast<double>(a.copied));
  a.copied = need;
}

// The finished image: a view of its bytes (the buffer's capacity may exceed them).
val take(Accumulator& a, size_t len) {
  if (a.capacity == 0) return val::global("Uint8Array").new_(0);
  return a.view.call<val>("subarray", 0, static_cast<double>(len));
}

struct JsSink final : ImageByteSink {
  std::vector<std::pair<uint64_t, Accumulator>> accs;  // the slots in flight (a few at a time)
  Accumulator& at(uint64_t slot) {
    for (auto& [s, a] : accs)
      if (s == slot) return a;
    accs.emplace_back(slot, Accumulator());
    return accs.back().second;
  }
  void image_bytes(uint64_t slot, const uint8_t* data, size_t len) override { append(at(slot), data, len); }
  // What has arrived of an image still being decoded: a view of its buffer (no copy), or null.
  val prefix(uint64_t slot) {
    for (auto& [s, a] : accs)
      if (s == slot && a.copied) return a.view.call<val>("subarray", 0, static_cast<double>(a.copied));
    return val::null();
  }
  val finish(uint64_t slot, size_t len) {
    for (size_t k = 0; k < accs.size(); ++k) {
      if (accs[k].first != slot) continue;
      val bytes = take(accs[k].second, len);
      accs.erase(accs.begin() + static_cast<std::ptrdiff_t>(k));
      return bytes;
    }
    return val::global("Uint8Array").new_(0);  // an empty image: no bytes ever came
  }
};

struct StreamState {
  ChatStream stream;
  JsSink sink;
  std::vector<std::pair<uint64_t, val>> images;  // the image objects handed out, by slot (for the completion)
};

HandleMap<std::unique_ptr<StreamState>>& streams() {
  static HandleMap<std::unique_ptr<StreamState>> map;
  return map;
}
uint32_t next_stream = 1;

val event_val(StreamState& st, ChatStreamEvent& e) {
  val o = val::object();
  switch (e.type) {
    case ChatStreamEvent::Type::text:
      o.set("type", std::string("text"));
      o.set("choice", e.choice);
      o.set("delta", e.text);
      break;
    case ChatStreamEvent::Type::image:
      o = image_val(e.image, e.url, e.url.empty() ? st.sink.finish(e.slot, e.image.length) : val::null());
      if (e.url.empty()) st.images.emplace_back(e.slot, o);
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

val events_val(StreamState& st, std::vector<ChatStreamEvent>& events) {
  val list = val::array();
  for (size_t i = 0; i < events.size(); ++i) list.set(i, event_val(st, events[i]));
  val o = val::object();
  o.set("events", list);
  o.set("pendingBytes", static_cast<double>(st.stream.pending_event_bytes()));
  o.set("pendingImage", st.stream.pending_event_has_image());
  ChatStream::PendingImage p;
  if (st.stream.pending_image(p)) {
    val preview = val::object();
    preview.set("choice", p.choice);
    preview.set("index", p.index);
    preview.set("bytes", st.sink.prefix(p.slot));
    o.set("preview", preview);
  }
  o.set("meta", to_val(st.stream.meta()));
  return o;
}

uint32_t chat_stream_create() {
  const uint32_t id = next_stream++;
  auto st = std::make_unique<StreamState>();
  st->stream.set_sink(&st->sink);
  streams()[id] = std::move(st);
  return id;
}

// Returns {events, pendingBytes, pendingImage, preview?: {choice, index, bytes}, meta}; an unknown handle gives null.
val chat_stream_feed(uint32_t id, uintptr_t ptr, uint32_t len) {
  std::vector<ChatStreamEvent> events;
  std::unique_ptr<StreamState>* st = streams().find(id);
  if (!st) return val::null();
  (*st)->stream.feed(reinterpret_cast<const uint8_t*>(ptr), len, events);
  return events_val(**st, events);
}

val chat_stream_finish(uint32_t id) {
  std::vector<ChatStreamEvent> events;
  std::unique_ptr<StreamState>* st = streams().find(id);
  if (!st) return val::null();
  (*st)->stream.finish(events);
  return events_val(**st, events);
}

// The stream so far as a chat completion, shaped by the same conversion as create()'s: {completion}.
val chat_stream_completion(uint32_t id) {
  std::unique_ptr<StreamState>* st = streams().find(id);
  if (!st) return val::null();
  StreamState& s = **st;
  return chat_completion_val(s.stream.completion(), [&](const ChatImage& img) {
    for (const auto& [slot, v] : s.images)
      if (slot == img.slot) return v;
    return val::null();
  });
}

void chat_stream_destroy(uint32_t id) { streams().erase(id); }

uint32_t chat_stream_count() { return static_cast<uint32_t>(streams().size()); }

val parse_chat(uintptr_t ptr, uint32_t len) { return chat_completion_val(reinterpret_cast<uint8_t*>(ptr), len); }

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_chat) {
  emscripten::function("_chatStreamCreate", &chat_stream_create);
  emscripten::function("_chatStreamFeed", &chat_stream_feed);
  emscripten::function("_chatStreamFinish", &chat_stream_finish);
  emscripten::function("_chatStreamCompletion", &chat_stream_completion);
  emscripten::function("_chatStreamDestroy", &chat_stream_destroy);
  emscripten::function("_chatStreamCount", &chat_stream_count);
  emscripten::function("_parseChatCompletion", &parse_chat);
}
