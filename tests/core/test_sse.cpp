#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "imagegate/sse.hpp"

using namespace imagegate;

namespace {

struct Ev {
  std::string event, id, data;
  bool operator==(const Ev& o) const { return event == o.event && id == o.id && data == o.data; }
};

struct Collector : SseHandler {
  std::vector<Ev> events;
  std::vector<uint32_t> retries;
  std::vector<std::string> comments;
  std::string data;
  int discards = 0;
  void on_data(const uint8_t* b, size_t n) override { data.append(reinterpret_cast<const char*>(b), n); }
  void on_event(const SseEventInfo& info) override {
    CHECK(info.data_bytes == data.size());
    events.push_back({info.event, info.id, data});
    data.clear();
  }
  void on_discard() override {
    ++discards;
    data.clear();
  }
  void on_retry(uint32_t ms) override { retries.push_back(ms); }
  void on_comment(const uint8_t* b, size_t n) override { comments.emplace_back(reinterpret_cast<const char*>(b), n); }
};

Collector parse_chunks(const std::vector<std::string>& chunks, bool* incomplete = nullptr) {
  Collector c;
  SseParser p;
  for (const auto& ch : chunks) p.feed(reinterpret_cast<const uint8_t*>(ch.data()), ch.size(), c);
  const bool inc = p.finish(c);
  if (incomplete) *incomplete = inc;
  return c;
}

Collector parse(const std::string& s, bool* incomplete = nullptr) { return parse_chunks({s}, incomplete); }

}  // namespace

TEST_CASE("sse: basic events, data joins and the space after the colon", "[sse]") {
  auto c = parse("data: hello\n\ndata:no-space\n\ndata:  two spaces\n\ndata: a\ndata: b\ndata\ndata:\n\n");
  REQUIRE(c.events.size() == 4);
  CHECK(c.events[0].data == "hello");
  CHECK(c.events[1].data == "no-space");
  CHECK(c.events[2].data == " two spaces");
  CHECK(c.events[3].data == "a\nb\n\n");
  CHECK(c.events[0].event.empty());
}

TEST_CASE("sse: LF, CR and CRLF line endings are equivalent", "[sse]") {
  for (const char* eol : {"\n", "\r", "\r\n"}) {
    std::string e(eol);
    auto c = parse("event: up" + e + "data: x" + e + "data: y" + e + e + ": c" + e + "data: z" + e + e);
    INFO("eol size " << e.size());
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[0] == Ev{"up", "", "x\ny"});
    CHECK(c.events[1] == Ev{"", "", "z"});
  }
  // Mixed in one stream.
  auto m = parse("data: a\r\ndata: b\rdata: c\n\r\n");
  REQUIRE(m.events.size() == 1);
  CHECK(m.events[0].data == "a\nb\nc");
}

TEST_CASE("sse: a CRLF split across chunks is one line ending", "[sse]") {
  auto c = parse_chunks({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].data == "a\nb");
  // CR at a chunk end followed by a new line's content.
  auto d = parse_chunks({"data: a\r", "\r", "data: b\r", "\r"});
  REQUIRE(d.events.size() == 2);
  CHECK(d.events[1].data == "b");
}

TEST_CASE("sse: BOM only at the start, even split", "[sse]") {
  auto c = parse("\xEF\xBB\xBF" "data: x\n\n");
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].data == "x");
  auto s = parse_chunks({"\xEF", "\xBB", "\xBF" "data: y\n\n"});
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].data == "y");
  // A BOM later is content: here it makes an unknown field name, so nothing is dispatched.
  auto later = parse("data: a\n\n\xEF\xBB\xBF" "data: b\n\n");
  REQUIRE(later.events.size() == 1);
  // A partial BOM followed by other bytes is content too (an unknown field).
  auto partial = parse("\xEF" "data: z\n\ndata: w\n\n");
  REQUIRE(partial.events.size() == 1);
  CHECK(partial.events[0].data == "w");
}

TEST_CASE("sse: comments, retry, id and unknown fields", "[sse]") {
  auto c = parse(std::string(": ping\n:\nretry: 1500\nretry: 12a\nid: 7\nfoo: bar\ndata: x\n\nid\ndata: y\n\nid: a") + '\0' +
                 "b\ndata: z\n\nevent: only-event\n\n");
  CHECK(c.comments == std::vector<std::string>{" ping", ""});
  CHECK(c.retries == std::vector<uint32_t>{1500});
  REQUIRE(c.events.size() == 3);
  CHECK(c.events[0] == Ev{"", "7", "x"});
  CHECK(c.events[1] == Ev{"", "", "y"});   // "id" without a value resets it to empty
  CHECK(c.events[2] == Ev{"", "", "z"});   // an id containing NUL is ignored (kept from before: "")
  CHECK(c.discards == 1);                  // the event-only block
}

TEST_CASE("sse: a last event without a blank line is reported, not dispatched", "[sse]") {
  bool incomplete = false;
  auto c = parse("data: a\n\ndata: [DONE]", &incomplete);
  CHECK(incomplete);
  REQUIRE(c.events.size() == 1);
  CHECK(c.discards == 1);
  auto d = parse("data: a\n\ndata: [DONE]\n", &incomplete);
  CHECK(incomplete);
  auto e = parse("data: a\n\n", &incomplete);
  CHECK_FALSE(incomplete);
  auto f = parse(": just a comment", &incomplete);
  CHECK_FALSE(incomplete);
  CHECK(f.comments == std::vector<std::string>{" just a comment"});
}

TEST_CASE("sse: every split point and 1-byte chunks give the one-shot result", "[sse]") {
  const std::vector<std::string> streams = {
      "data: {\"a\":1}\n\ndata: [DONE]\n\n",
      "\xEF\xBB\xBF" "event: e\r\nid: 1\r\ndata: x\r\ndata: y\r\n\r\n: c\r\nretry: 10\r\ndata: z\r\n\r\n",
      "data: a\rdata: b\r\r:k\rdata\r\r",
      "data:\xC3\xA9t\xC3\xA9\n\ndata: \xF0\x9F\x98\x80\n\n",
      "field-without-colon\ndata: q\n\n\n\ndata: last",
  };
  for (const auto& s : streams) {
    bool inc1 = false;
    const auto whole = parse(s, &inc1);
    for (size_t cut = 0; cut <= s.size(); ++cut) {
      bool inc2 = false;
      auto split = parse_chunks({s.substr(0, cut), s.substr(cut)}, &inc2);
      INFO("stream " << s.size() << " cut " << cut);
      CHECK(split.events == whole.events);
      CHECK(split.retries == whole.retries);
      CHECK(inc1 == inc2);
    }
    std::vector<std::string> bytes;
    for (char ch : s) bytes.emplace_back(1, ch);
    CHECK(parse_chunks(bytes).events == whole.events);
  }
}

TEST_CASE("sse: random chunkings of a random stream agree", "[sse]") {
  std::mt19937 rng(42);
  const char* pieces[] = {"data: ", "data:", "event: x", "id: 3", "retry: 5", ": c", "\n", "\r", "\r\n", "abc", "{\"k\":\"v\"}", " "};
  for (int round = 0; round < 300; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) s += pieces[rng() % (sizeof pieces / sizeof *pieces)];
    const auto whole = parse(s);
    std::vector<std::string> chunks;
    for (size_t i = 0; i < s.size();) {
      const size_t len = 1 + rng() % 7;
      chunks.push_back(s.substr(i, len));
      i += len;
    }
    CHECK(parse_chunks(chunks).events == whole.events);
  }
}

TEST_CASE("sse: a 28 MiB single event arrives whole through 64 KiB chunks", "[sse]") {
  std::string payload(28u << 20, 'A');
  for (size_t i = 0; i < payload.size(); i += 4099) payload[i] = static_cast<char>('a' + i % 26);
  const std::string stream = "data: " + payload + "\n\ndata: [DONE]\n\n";
  Collector c;
  SseParser p;
  for (size_t i = 0; i < stream.size(); i += 65536)
    p.feed(reinterpret_cast<const uint8_t*>(stream.data()) + i, std::min<size_t>(65536, stream.size() - i), c);
  CHECK_FALSE(p.finish(c));
  REQUIRE(c.events.size() == 2);
  CHECK(c.events[0].data == payload);
  CHECK(c.events[1].data == "[DONE]");
  CHECK(p.bytes_fed() == stream.size());
}

// ---- what the exported parser (createSseParser) needs: other fields whole, and the id of this event -----------

namespace {
struct FieldCollector : SseHandler {
  std::vector<std::string> fields;  // name|value|line
  std::vector<std::string> ids;     // per dispatched event: the id seen in it, or "-" when none
  std::vector<uint32_t> retries;
  void on_data(const uint8_t*, size_t) override {}
  void on_event(const SseEventInfo& info) override { ids.push_back(info.id_in_event ? info.id : "-"); }
  void on_retry(uint32_t ms) override { retries.push_back(ms); }
  void on_field(const std::string& n, const std::string& v, const std::string& l) override {
    fields.push_back(n + "|" + v + "|" + l);
    SseHandler::on_field(n, v, l);  // the default still turns digits into on_retry
  }
};
}  // namespace

TEST_CASE("sse: unknown fields and retry lines reach on_field whole, at any chunking", "[sse]") {
  const std::string s = "foo: bar\nWell, this is not it\nretry:12x\nretry: 50\nretry\nvery-long-field-name-over-16:x\n\n";
  for (size_t split = 0; split <= s.size(); ++split) {
    FieldCollector c;
    SseParser p;
    p.feed(reinterpret_cast<const uint8_t*>(s.data()), split, c);
    p.feed(reinterpret_cast<const uint8_t*>(s.data()) + split, s.size() - split, c);
    p.finish(c);
    INFO(split);
    CHECK(c.fields == std::vector<std::string>{"foo|bar|foo: bar", "Well, this is not it||Well, this is not it",
                                               "retry|12x|retry:12x", "retry|50|retry: 50", "retry||retry",
                                               "very-long-field-name-over-16|x|very-long-field-name-over-16:x"});
    CHECK(c.retries == std::vector<uint32_t>{50});
  }
}

TEST_CASE("sse: id_in_event says whether this event had its own id (the last id still persists)", "[sse]") {
  FieldCollector c;
  SseParser p;
  static const char raw[] = "id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\nid\ndata: d\n\nid: x\nid: bad\0id\ndata: e\n\n";
  const std::string t(raw, sizeof raw - 1);
  p.feed(reinterpret_cast<const uint8_t*>(t.data()), t.size(), c);
  CHECK(c.ids == std::vector<std::string>{"1", "-", "-", "", "x"});
}
