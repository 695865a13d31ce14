// The SSE parser and the chat stream on top of it must not care how the bytes are chunked: feeding the input
// in pieces (sizes derived from the input) yields exactly the callbacks / events of feeding it whole. And the chat
// stream must mean what the events say: a semantic oracle reads each dispatched event's data with nlohmann (a DOM)
// and each image URL at its place with the data URL processor (decode_data_url, WHATWG), and the stream's image
// events must be exactly those images, in order, up to where the oracle says the stream must fail.
//
// Input layout: byte 0 = chunking seed, the rest = the byte stream.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "imagegate/api_error.hpp"
#include "imagegate/chat_images.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/image_string.hpp"
#include "imagegate/json_util.hpp"
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

// The oracle's reading of the stream: the dispatched events' (name, data), in order.
struct EventLog : SseHandler {
  std::vector<std::pair<std::string, std::string>> events;
  std::string data, discarded;
  void on_data(const uint8_t* b, size_t n) override { data.append(reinterpret_cast<const char*>(b), n); }
  void on_event(const SseEventInfo& info) override {
    events.emplace_back(info.event, data);
    data.clear();
  }
  void on_discard() override {
    discarded = data;
    data.clear();
  }
};

const nlohmann::json* oracle_image_url(const nlohmann::json& entry) {
  if (entry.is_string()) return &entry;
  if (!entry.is_object()) return nullptr;
  auto it = entry.find("image_url");
  if (it == entry.end()) {
    auto u = entry.find("url");
    return u != entry.end() && u->is_string() ? &*u : nullptr;
  }
  if (it->is_string()) return &*it;
  if (it->is_object()) {
    auto u = it->find("url");
    if (u != it->end() && u->is_string()) return &*u;
  }
  return nullptr;
}

enum class Expect { none, done, error, json_fails, image_fails };
struct Oracle {
  std::vector<std::string> images;  // "bytes:<bytes>" or "url:<url>", in stream order
  Expect terminal = Expect::none;
};

Oracle read_oracle(const uint8_t* in, size_t len) {
  SseParser p;
  EventLog log;
  p.feed(in, len, log);
  log.discarded.clear();
  const bool incomplete = p.finish(log);
  // A last "data: [DONE]" without its blank line counts (API.md §6.4 item 6).
  if (incomplete && log.discarded == "[DONE]") log.events.emplace_back("", "[DONE]");
  Oracle o;
  for (const auto& [name, data] : log.events) {
    if (data == "[DONE]") { o.terminal = Expect::done; return o; }
    nlohmann::json j;
    if (parse_json(reinterpret_cast<const uint8_t*>(data.data()), data.size(), j).failed || !j.is_object()) {
      o.terminal = Expect::json_fails;
      return o;
    }
    if (name == "error" || is_error_body(j)) { o.terminal = Expect::error; return o; }
    std::vector<std::string> here;  // an event with a bad image yields none of its images
    auto choices = j.find("choices");
    if (choices != j.end() && choices->is_array()) {
      for (const auto& c : *choices) {
        if (!c.is_object()) continue;
        auto delta = c.find("delta");
        if (delta == c.end() || !delta->is_object()) continue;
        auto imgs = delta->find("images");
        if (imgs == delta->end() || !imgs->is_array()) continue;
        for (const auto& entry : *imgs) {
          const nlohmann::json* url = oracle_image_url(entry);
          if (!url) continue;
          const std::string& u = url->get_ref<const std::string&>();
          if (has_data_url_scheme(reinterpret_cast<const uint8_t*>(u.data()), u.size())) {
            std::vector<uint8_t> bytes;
            if (!decode_data_url(reinterpret_cast<const uint8_t*>(u.data()), u.size(), bytes, DataUrlMode::whatwg).ok()) {
              o.terminal = Expect::image_fails;
              return o;
            }
            here.push_back("bytes:" + std::string(bytes.begin(), bytes.end()));
          } else if (!u.empty()) {
            here.push_back("url:" + u);
          }
        }
      }
    }
    o.images.insert(o.images.end(), here.begin(), here.end());
  }
  return o;
}

void check_oracle(const uint8_t* in, size_t len) {
  const Oracle o = read_oracle(in, len);
  ChatStream cs;
  std::vector<ChatStreamEvent> out;
  cs.feed(in, len, out);
  cs.finish(out);
  std::vector<std::string> got;
  for (const auto& e : out)
    if (e.type == ChatStreamEvent::Type::image)
      got.push_back(e.url.empty() ? "bytes:" + std::string(e.image.bytes.begin(), e.image.bytes.end()) : "url:" + e.url);
  const ChatStreamEvent& last = out.back();
  const std::string why = "oracle terminal " + std::to_string(static_cast<int>(o.terminal)) + ", stream ended with " +
                          describe(last, true) + "; images " + std::to_string(got.size()) + " vs " + std::to_string(o.images.size());
  // Never more images than the oracle, never different ones.
  FUZZ_CHECK(got.size() <= o.images.size(), why);
  for (size_t k = 0; k < got.size(); ++k) FUZZ_CHECK(got[k] == o.images[k], "image " + std::to_string(k) + ": " + why);
  using T = ChatStreamEvent::Type;
  switch (last.type) {
    case T::done:
      FUZZ_CHECK(o.terminal == Expect::done && got.size() == o.images.size(), why);
      break;
    case T::error:
      FUZZ_CHECK(o.terminal == Expect::error && got.size() == o.images.size(), why);
      break;
    default:
      if (last.reason == "invalid_json") FUZZ_CHECK(o.terminal == Expect::json_fails && got.size() == o.images.size(), why);
      else if (last.reason == "no_done" || last.reason == "truncated")
        FUZZ_CHECK(o.terminal == Expect::none && got.size() == o.images.size(), why);
      // bad_base64 / bad_data_url: the oracle's failing image, or a string at an image's place that the DOM then
      // drops (a repeated key): the stream is stricter there, never looser.
      else FUZZ_CHECK(last.reason == "bad_base64" || last.reason == "bad_data_url", why);
      break;
  }
  if (o.terminal == Expect::image_fails)
    FUZZ_CHECK(last.type == T::invalid && (last.reason == "bad_base64" || last.reason == "bad_data_url"), why);
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
  check_oracle(in, len);
  return 0;
}
