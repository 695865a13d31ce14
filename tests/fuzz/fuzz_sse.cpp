// The SSE parser and the chat stream on top of it must not care how the bytes are chunked: feeding the input
// in pieces (sizes derived from the input) yields exactly the callbacks / events of feeding it whole.
//
// Input layout: byte 0 = chunking seed, the rest = the byte stream.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "imagegate/chat_images.hpp"
#include "imagegate/sse.hpp"

using namespace imagegate;

namespace {

// Records the callbacks as a canonical log; data delivered by several on_data calls is joined, since the
// split of an event's data into calls legitimately depends on the chunking.
struct Recorder : SseHandler {
  std::string log;
  std::string data;
  size_t events = 0;
  void on_data(const uint8_t* b, size_t n) override { data.append(reinterpret_cast<const char*>(b), n); }
  void on_event(const SseEventInfo& info) override {
    FUZZ_CHECK(info.has_data);
    FUZZ_CHECK(info.data_bytes == data.size(), "data_bytes " + std::to_string(info.data_bytes) + " != " + std::to_string(data.size()));
    FUZZ_CHECK(info.event.size() <= SseParser::kMaxFieldValue && info.id.size() <= SseParser::kMaxFieldValue);
    log += "E[" + info.event + "|" + info.id + "|" + std::to_string(info.data_bytes) + "|" + data + "]";
    data.clear();
    ++events;
  }
  void on_discard() override {
    log += "X[" + data + "]";
    data.clear();
  }
  void on_retry(uint32_t ms) override { log += "R[" + std::to_string(ms) + "]"; }
  void on_comment(const uint8_t* b, size_t n) override {
    log += "C[" + std::string(reinterpret_cast<const char*>(b), n) + "]";
  }
};

std::string run_sse(const uint8_t* in, size_t len, fuzz::Chunker* ch) {
  SseParser p;
  Recorder r;
  size_t i = 0;
  while (i < len) {
    const size_t n = ch ? ch->size(len - i) : len;
    p.feed(in + i, n, r);
    i += n;
    FUZZ_CHECK(p.bytes_fed() == i);
  }
  const bool incomplete = p.finish(r);
  FUZZ_CHECK(r.data.empty(), "data left after finish");
  r.log += incomplete ? "|incomplete" : "|complete";
  // Once finished, the parser starts over: a second finish is a no-op.
  Recorder again;
  FUZZ_CHECK(!p.finish(again) && again.log.empty());
  return r.log;
}

std::string describe(const ChatStreamEvent& e, bool with_position) {
  std::string s;
  s += "t" + std::to_string(static_cast<int>(e.type)) + " c" + std::to_string(e.choice) + " text=" + e.text +
       " ii" + std::to_string(e.image_index) + " img=" + std::to_string(e.image.bytes.size()) + ":" +
       std::string(e.image.bytes.begin(), e.image.bytes.end()) + " mt=" + e.image.media_type + " fmt" +
       std::to_string(static_cast<int>(e.image.info.format)) + " " + std::to_string(e.image.info.width) + "x" +
       std::to_string(e.image.info.height) + " url=" + e.url + " usage=" + e.usage.dump() + " err=" +
       std::to_string(e.error.status) + "|" + e.error.error_class + "|" + e.error.message + "|" + e.error.type + "|" +
       e.error.code.dump() + "|" + e.error.param.dump() + "|" + e.error.generation_id + " reason=" + e.reason;
  if (with_position) s += " pos=" + std::to_string(e.position);
  return s;
}

struct ChatRun {
  std::vector<std::string> events;
  std::vector<size_t> positions;
  std::string meta;
  bool done = false, failed = false;
};

ChatRun run_chat(const uint8_t* in, size_t len, fuzz::Chunker* ch) {
  ChatStream cs;
  ChatRun run;
  std::vector<ChatStreamEvent> out;
  size_t i = 0;
  while (i < len) {
    const size_t n = ch ? ch->size(len - i) : len;
    cs.feed(in + i, n, out);
    i += n;
    (void)cs.pending_event_bytes();
    (void)cs.pending_event_has_image();
  }
  cs.finish(out);
  for (const auto& e : out) {
    // Positions of `invalid` events no longer depend on chunking (SseParser::position()): compare them all.
    const bool exact_position = e.type == ChatStreamEvent::Type::invalid;
    run.events.push_back(describe(e, exact_position));
    run.positions.push_back(e.position);
    if (e.type == ChatStreamEvent::Type::invalid) FUZZ_CHECK(e.position <= len, "invalid position beyond the stream");
  }
  run.meta = cs.meta().dump();
  run.done = cs.done();
  run.failed = cs.failed();
  // Exactly one terminal event (done, error or invalid), and it is the last one.
  FUZZ_CHECK(!out.empty());
  size_t terminal = 0;
  for (const auto& e : out)
    terminal += e.type == ChatStreamEvent::Type::done || e.type == ChatStreamEvent::Type::error ||
                e.type == ChatStreamEvent::Type::invalid;
  const auto last = out.back().type;
  FUZZ_CHECK(terminal == 1 && (last == ChatStreamEvent::Type::done || last == ChatStreamEvent::Type::error ||
                               last == ChatStreamEvent::Type::invalid));
  FUZZ_CHECK(run.done != run.failed);
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t seed = data[0];
  const uint8_t* in = data + 1;
  const size_t len = size - 1;

  const std::string whole = run_sse(in, len, nullptr);
  fuzz::Chunker ch(seed);
  const std::string pieces = run_sse(in, len, &ch);
  FUZZ_CHECK(whole == pieces, "whole:  " + whole + "\npieces: " + pieces);
  // One byte at a time: every CR/LF, BOM and field split at every position.
  if (len <= 512) {
    SseParser p;
    Recorder r;
    for (size_t i = 0; i < len; ++i) p.feed(in + i, 1, r);
    r.log += p.finish(r) ? "|incomplete" : "|complete";
    FUZZ_CHECK(whole == r.log, "whole:  " + whole + "\nbytes:  " + r.log);
  }

  const ChatRun cw = run_chat(in, len, nullptr);
  fuzz::Chunker ch2(seed ^ 0x5A);
  const ChatRun cp = run_chat(in, len, &ch2);
  FUZZ_CHECK(cw.events.size() == cp.events.size(),
             std::to_string(cw.events.size()) + " vs " + std::to_string(cp.events.size()) + "\n" +
                 (cw.events.empty() ? "" : cw.events.back()) + "\n" + (cp.events.empty() ? "" : cp.events.back()));
  for (size_t k = 0; k < cw.events.size(); ++k)
    FUZZ_CHECK(cw.events[k] == cp.events[k], "event " + std::to_string(k) + "\nwhole:  " + cw.events[k] + "\npieces: " + cp.events[k]);
  FUZZ_CHECK(cw.meta == cp.meta, cw.meta + "\n" + cp.meta);
  FUZZ_CHECK(cw.done == cp.done && cw.failed == cp.failed);
  return 0;
}
