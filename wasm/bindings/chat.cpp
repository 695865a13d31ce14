// Streamed chat completions: one core ChatStream per stream, behind an integer handle (no embind class
// reaches JS, so nobody has to call .delete()). JS feeds each network chunk as (ptr, len) and gets the
// typed events that chunk completed.
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "imagegate/chat_images.hpp"
#include "response_vals.hpp"
#include "to_val.hpp"

namespace {

using emscripten::val;
using namespace imagegate;
using namespace imagegate_bindings;

std::unordered_map<uint32_t, std::unique_ptr<ChatStream>>& streams() {
  static std::unordered_map<uint32_t, std::unique_ptr<ChatStream>> map;
  return map;
}
uint32_t next_stream = 1;

val event_val(ChatStreamEvent& e) {
  val o = val::object();
  switch (e.type) {
    case ChatStreamEvent::Type::text:
      o.set("type", std::string("text"));
      o.set("choice", e.choice);
      o.set("delta", e.text);
      break;
    case ChatStreamEvent::Type::image:
      o = image_val(e.image, e.url);
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

val events_val(ChatStream& s, std::vector<ChatStreamEvent>& events) {
  val list = val::array();
  for (size_t i = 0; i < events.size(); ++i) list.set(i, event_val(events[i]));
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
  auto it = streams().find(id);
  if (it == streams().end()) return val::null();
  it->second->feed(reinterpret_cast<const uint8_t*>(ptr), len, events);
  return events_val(*it->second, events);
}

val chat_stream_finish(uint32_t id) {
  std::vector<ChatStreamEvent> events;
  auto it = streams().find(id);
  if (it == streams().end()) return val::null();
  it->second->finish(events);
  return events_val(*it->second, events);
}

void chat_stream_destroy(uint32_t id) { streams().erase(id); }

uint32_t chat_stream_count() { return static_cast<uint32_t>(streams().size()); }

val parse_chat(uintptr_t ptr, uint32_t len) { return chat_completion_val(reinterpret_cast<uint8_t*>(ptr), len); }

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_chat) {
  emscripten::function("chatStreamCreate", &chat_stream_create);
  emscripten::function("chatStreamFeed", &chat_stream_feed);
  emscripten::function("chatStreamFinish", &chat_stream_finish);
  emscripten::function("chatStreamDestroy", &chat_stream_destroy);
  emscripten::function("chatStreamCount", &chat_stream_count);
  emscripten::function("parseChatCompletion", &parse_chat);
}
