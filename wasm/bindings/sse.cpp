// The exported SSE parser (createSseParser in wasm/js/sse.mjs): one core SseParser per JS parser, handed to JS as
// its heap address (the JS layer owns it: it frees it on reset() and when the JS parser is garbage-collected, so
// no embind class and no .delete() reach the user). Each feed returns the records that chunk completed, in order:
// {t: 0 event, data, event?, id?} | {t: 1 comment, text} | {t: 2 field, name, value, line}; every text is a
// Uint8Array of UTF-8 (the JS layer decodes it), copied out of the heap.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>

#include "imagegate/sse.hpp"
#include "to_val.hpp"

namespace {

using emscripten::val;
using namespace imagegate;

val bytes(const std::string& s) {
  return imagegate_bindings::copy_bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

struct Session final : SseHandler {
  SseParser parser;
  std::string data;
  val out = val::undefined();
  unsigned n = 0;

  void push(val record) { out.set(n++, record); }
  void on_data(const uint8_t* b, size_t len) override { data.append(reinterpret_cast<const char*>(b), len); }
  void on_event(const SseEventInfo& info) override {
    val r = val::object();
    r.set("t", 0);
    r.set("data", bytes(data));
    if (!info.event.empty()) r.set("event", bytes(info.event));
    if (info.id_in_event) r.set("id", bytes(info.id));
    push(r);
    data.clear();
  }
  void on_discard() override { data.clear(); }
  void on_comment(const uint8_t* b, size_t len) override {
    val r = val::object();
    r.set("t", 1);
    r.set("text", imagegate_bindings::copy_bytes(b, len));
    push(r);
  }
  void on_field(const std::string& name, const std::string& value, const std::string& line) override {
    val r = val::object();
    r.set("t", 2);
    r.set("name", bytes(name));
    r.set("value", bytes(value));
    r.set("line", bytes(line));
    push(r);
  }
  val take() {
    val r = out;
    out = val::undefined();
    n = 0;
    return r;
  }
};

size_t live = 0;

uintptr_t sse_parser_create() {
  ++live;
  return reinterpret_cast<uintptr_t>(new Session());
}
void sse_parser_destroy(uintptr_t p) {
  if (!p) return;
  delete reinterpret_cast<Session*>(p);
  --live;
}
val sse_parser_feed(uintptr_t p, uintptr_t in, uint32_t len) {
  Session* s = reinterpret_cast<Session*>(p);
  s->out = val::array();
  s->parser.feed(reinterpret_cast<const uint8_t*>(in), len, *s);
  return s->take();
}
// The end of the input: a last line without its line ending is processed (its retry, comment or error reported)
// but no event is dispatched, as reset({ consume: true }) does in eventsource-parser.
val sse_parser_finish(uintptr_t p) {
  Session* s = reinterpret_cast<Session*>(p);
  s->out = val::array();
  s->parser.finish(*s);
  return s->take();
}
double sse_parser_count() { return static_cast<double>(live); }

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_sse) {
  emscripten::function("_sseParserCreate", &sse_parser_create);
  emscripten::function("_sseParserDestroy", &sse_parser_destroy);
  emscripten::function("_sseParserFeed", &sse_parser_feed);
  emscripten::function("_sseParserFinish", &sse_parser_finish);
  emscripten::function("_sseParserCount", &sse_parser_count);
}
