#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/chat_images.hpp"

using namespace imagegate;
using Type = ChatStreamEvent::Type;

namespace {

std::vector<uint8_t> read_fixture_b64(const std::string& name) {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/base64/" + name, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> out;
  REQUIRE(decode_base64(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out).ok());
  return out;
}

std::string b64(const std::vector<uint8_t>& bytes) {
  std::string s(base64_encoded_size(bytes.size()), '\0');
  s.resize(encode_base64(bytes.data(), bytes.size(), s.data()));
  return s;
}

std::string chunk(const std::string& delta, const std::string& extra = "") {
  return "data: {\"id\":\"gen_1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"google/gemini\","
         "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]" + extra + "}\n\n";
}

std::string image_delta(const std::string& url) {
  return "{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}";
}

std::vector<ChatStreamEvent> run(const std::vector<std::string>& chunks) {
  ChatStream s;
  std::vector<ChatStreamEvent> out;
  for (const auto& c : chunks) s.feed(reinterpret_cast<const uint8_t*>(c.data()), c.size(), out);
  s.finish(out);
  return out;
}
std::vector<ChatStreamEvent> run(const std::string& s) { return run(std::vector<std::string>{s}); }

// A comparable summary of an event list.
std::vector<std::string> summary(const std::vector<ChatStreamEvent>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) {
    std::string s = std::to_string(static_cast<int>(e.type)) + ":" + std::to_string(e.choice) + ":" + e.text + ":" + e.url +
                    ":" + e.reason + ":" + std::to_string(e.image_index) + ":" + std::to_string(e.image.bytes.size());
    if (e.type == Type::image) s += ":" + b64(e.image.bytes);
    if (e.type == Type::usage) s += ":" + e.usage.dump();
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("chat stream: text, an image, finish, usage and [DONE]", "[chat]") {
  const auto png = read_fixture_b64("gradient-48x32.png.b64");
  const std::string stream = chunk("{\"role\":\"assistant\",\"content\":\"Here \"}") + chunk("{\"content\":\"it is\"}") +
                             ": keep-alive\n\n" + chunk(image_delta("data:image/png;base64," + b64(png))) +
                             "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                             "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\n\n"
                             "data: [DONE]\n\n";
  auto evs = run(stream);
  REQUIRE(evs.size() == 6);
  CHECK(evs[0].type == Type::text);
  CHECK(evs[0].text == "Here ");
  CHECK(evs[1].text == "it is");
  REQUIRE(evs[2].type == Type::image);
  CHECK(evs[2].image.bytes == png);
  CHECK(evs[2].image.media_type == "image/png");
  CHECK(evs[2].image.info.format == ImageFormat::png);
  CHECK(evs[2].image.info.width == 48);
  CHECK(evs[2].image.info.height == 32);
  CHECK(evs[2].image_index == 0);
  CHECK(evs[3].type == Type::finish);
  CHECK(evs[3].text == "stop");
  CHECK(evs[4].type == Type::usage);
  CHECK(evs[4].usage["total_tokens"] == 8);
  CHECK(evs[5].type == Type::done);

  SECTION("every two-chunk split and 1-byte chunks give the same events") {
    const auto whole = summary(evs);
    for (size_t cut = 0; cut <= stream.size(); ++cut)
      REQUIRE(summary(run({stream.substr(0, cut), stream.substr(cut)})) == whole);
    std::vector<std::string> bytes;
    for (char ch : stream) bytes.emplace_back(1, ch);
    CHECK(summary(run(bytes)) == whole);
  }
  SECTION("CRLF and CR line endings") {
    for (const char* eol : {"\r\n", "\r"}) {
      std::string s;
      for (char ch : stream) {
        if (ch == '\n') s += eol;
        else s += ch;
      }
      CHECK(summary(run(s)) == summary(evs));
    }
  }
}

TEST_CASE("chat stream: JSON escapes and line breaks inside the base64", "[chat]") {
  const auto png = read_fixture_b64("gradient-48x32.png.b64");
  std::string enc = b64(png), escaped;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '/') escaped += "\\/";
    else escaped += enc[i];
    if (i % 76 == 75) escaped += "\\n";
  }
  auto evs = run(chunk(image_delta("data:image/png;base64," + escaped)) + "data: [DONE]\n\n");
  REQUIRE(evs.size() == 2);
  REQUIRE(evs[0].type == Type::image);
  CHECK(evs[0].image.bytes == png);
}

TEST_CASE("chat stream: several images, choices and non-data URLs", "[chat]") {
  const std::vector<uint8_t> a = {1, 2, 3, 4, 5}, b = {9, 8, 7};
  const std::string s =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," +
      b64(a) + "\"}},{\"image_url\":\"data:image/jpeg;base64," + b64(b) + "\"}]}},{\"index\":1,\"delta\":{\"images\":["
      "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://cdn.example/x.png\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"images\":[\"data:image/gif,GIF89a%01%00\"]}}]}\n\ndata: [DONE]\n\n";
  auto evs = run(s);
  REQUIRE(evs.size() == 5);
  CHECK(evs[0].image.bytes == a);
  CHECK(evs[0].image_index == 0);
  CHECK(evs[1].image.bytes == b);
  CHECK(evs[1].image.media_type == "image/jpeg");
  CHECK(evs[1].image_index == 1);
  CHECK(evs[2].choice == 1);
  CHECK(evs[2].url == "https://cdn.example/x.png");
  CHECK(evs[2].image.bytes.empty());
  CHECK(evs[3].image_index == 2);  // a percent-encoded data URL goes through the slow path
  CHECK(evs[3].image.bytes == std::vector<uint8_t>{'G', 'I', 'F', '8', '9', 'a', 1, 0});
  CHECK(evs[4].type == Type::done);
}

TEST_CASE("chat stream: text that looks like a data URL stays text", "[chat]") {
  auto evs = run(chunk("{\"content\":\"data: hello, world\"}") + chunk("{\"content\":\"data:text/plain;base64,aGk=\"}") +
                 "data: [DONE]\n\n");
  REQUIRE(evs.size() == 3);
  CHECK(evs[0].text == "data: hello, world");
  CHECK(evs[1].text == "data:text/plain;base64,aGk=");  // only image places are decoded on the fly
}

TEST_CASE("chat: images are found by their place, never by a marker string the server could forge", "[chat]") {
  // The previous engine replaced decoded images by "imagegate:decoded-image:N" and looked that string up: a server
  // sending it as a URL received another image's bytes.
  const std::string forged = "imagegate:decoded-image:0";
  auto evs = run(chunk("{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/gif;base64,R0lGODlh\"}},"
                       "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + forged + "\"}}]}") + "data: [DONE]\n\n");
  REQUIRE(evs.size() == 3);
  CHECK(evs[0].image.bytes == std::vector<uint8_t>{'G', 'I', 'F', '8', '9', 'a'});
  CHECK(evs[1].url == forged);
  CHECK(evs[1].image.bytes.empty());
  std::string body = "{\"choices\":[{\"message\":{\"images\":[{\"image_url\":{\"url\":\"" + forged +
                     "\"}},{\"image_url\":{\"url\":\"data:image/gif;base64,R0lGODlh\"}}]}}]}";
  auto r = parse_chat_completion(reinterpret_cast<uint8_t*>(body.data()), body.size());
  REQUIRE(r.kind == ChatCompletionResult::Kind::ok);
  REQUIRE(r.images.size() == 2);
  CHECK(r.images[0].url == forged);
  CHECK_FALSE(r.images[0].has_bytes);
  CHECK(r.images[1].has_bytes);
  CHECK(r.images[1].index == 1);
  CHECK(body.compare(r.images[1].offset, r.images[1].image.length, "GIF89a") == 0);
}

TEST_CASE("chat stream: errors and cut streams", "[chat]") {
  auto err = run(chunk("{\"content\":\"a\"}") +
                 "data: {\"error\":{\"message\":\"Upstream failed\",\"type\":\"internal_server_error\"}}\n\n" +
                 chunk("{\"content\":\"ignored\"}") + "data: [DONE]\n\n");
  REQUIRE(err.size() == 2);
  CHECK(err[1].type == Type::error);
  CHECK(err[1].error.message == "Upstream failed");
  CHECK(err[1].error.type == "internal_server_error");

  auto named = run("event: error\ndata: {\"message\":\"boom\"}\n\n");
  REQUIRE(named.size() == 1);
  CHECK(named[0].type == Type::error);

  auto no_done = run(chunk("{\"content\":\"a\"}"));
  REQUIRE(no_done.size() == 2);
  CHECK(no_done[1].type == Type::invalid);
  CHECK(no_done[1].reason == "no_done");

  auto cut = run(chunk("{\"content\":\"a\"}") + "data: {\"choices\":[{\"delta\":{\"content\":\"b");
  REQUIRE(cut.size() == 2);
  CHECK(cut[1].reason == "truncated");

  auto done_no_blank = run(chunk("{\"content\":\"a\"}") + "data: [DONE]");
  REQUIRE(done_no_blank.size() == 2);
  CHECK(done_no_blank[1].type == Type::done);

  auto bad_json = run("data: {\"choices\":[}\n\n");
  REQUIRE(bad_json.size() == 1);
  CHECK(bad_json[0].reason == "invalid_json");

  const std::string bad_b64 = chunk(image_delta("data:image/png;base64,iVBO!w0KGgo="));
  auto bad = run(bad_b64 + "data: [DONE]\n\n");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].type == Type::invalid);
  CHECK(bad[0].reason == "bad_base64");
  CHECK(bad[0].position == bad_b64.find('!'));  // an offset in the stream, like every other invalid event

  // After other events and comments, and whatever the chunking: still the offset of the bad byte in the stream.
  const std::string before = chunk("{\"content\":\"a\"}") + ": a comment\n\n" + chunk("{\"content\":\"b\"}");
  const std::string whole = before + bad_b64 + "data: [DONE]\n\n";
  for (size_t split = 0; split <= whole.size(); ++split) {
    ChatStream s;
    std::vector<ChatStreamEvent> out;
    s.feed(reinterpret_cast<const uint8_t*>(whole.data()), split, out);
    s.feed(reinterpret_cast<const uint8_t*>(whole.data()) + split, whole.size() - split, out);
    s.finish(out);
    REQUIRE(!out.empty());
    CHECK(out.back().reason == "bad_base64");
    CHECK(out.back().position == whole.find('!'));
  }
}

TEST_CASE("chat stream: a 28 MiB image event decodes whole through 64 KiB chunks", "[chat]") {
  std::mt19937 rng(7);
  std::vector<uint8_t> big(21u << 20);
  for (auto& b : big) b = static_cast<uint8_t>(rng());
  const std::string stream = chunk(image_delta("data:image/png;base64," + b64(big))) + "data: [DONE]\n\n";
  CHECK(stream.size() > (28u << 20));
  ChatStream s;
  std::vector<ChatStreamEvent> out;
  size_t max_pending = 0;
  for (size_t i = 0; i < stream.size(); i += 65536) {
    s.feed(reinterpret_cast<const uint8_t*>(stream.data()) + i, std::min<size_t>(65536, stream.size() - i), out);
    if (s.pending_event_has_image()) max_pending = std::max(max_pending, s.pending_event_bytes());
  }
  s.finish(out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].image.bytes == big);
  CHECK(max_pending > (27u << 20));
  CHECK(out[1].type == Type::done);
}

TEST_CASE("non-streamed completion with images", "[chat]") {
  const std::vector<uint8_t> a = {0x89, 'P', 'N', 'G'}, b = {0xFF, 0xD8, 0xFF};
  const std::string body = "{\"id\":\"gen_1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Two "
                           "images\",\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + b64(a) +
                           "\"}},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64," + b64(b) +
                           "\"}}]},\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":3}}";
  std::string buf = body;
  auto r = parse_chat_completion(reinterpret_cast<uint8_t*>(buf.data()), buf.size());
  REQUIRE(r.kind == ChatCompletionResult::Kind::ok);
  REQUIRE(r.images.size() == 2);
  auto bytes_of = [&](const ChatImage& img) {
    return std::vector<uint8_t>(buf.begin() + static_cast<long>(img.offset), buf.begin() + static_cast<long>(img.offset + img.image.length));
  };
  CHECK(bytes_of(r.images[0]) == a);
  CHECK(bytes_of(r.images[1]) == b);
  CHECK(r.images[1].choice_position == 0);
  CHECK(r.images[1].index == 1);
  CHECK(r.images[1].image.media_type == "image/jpeg");
  const auto& msg = r.completion["choices"][0]["message"];
  CHECK(msg["content"] == "Two images");
  CHECK(msg["images"][1].is_null());  // the image's place, filled by the bindings
  CHECK(r.completion["usage"]["total_tokens"] == 3);

  auto parse = [](std::string s) { return parse_chat_completion(reinterpret_cast<uint8_t*>(s.data()), s.size()); };
  CHECK(parse("{\"error\":{\"message\":\"x\"}}").kind == ChatCompletionResult::Kind::api_error);
  CHECK(parse("{\"choices\":").reason == "invalid_json");
  CHECK(parse("{\"id\":1}").reason == "unexpected_shape");
  CHECK(parse("<html>").reason == "invalid_json");
  // Every truncation is an error, never a success and never a crash.
  for (size_t cut = 0; cut < body.size(); ++cut)
    CHECK(parse(body.substr(0, cut)).kind != ChatCompletionResult::Kind::ok);
}

TEST_CASE("chat stream: pending_image names the image being decoded, as its event will", "[chat]") {
  ChatStream s;
  std::vector<ChatStreamEvent> out;
  ChatStream::PendingImage p;
  const auto feed = [&](const std::string& text) { s.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), out); };
  const std::string a = "data:image/png;base64," + b64(std::vector<uint8_t>(3000, 7));
  // Choice 1 carries one image in the first event, then (in the second) a URL and a second data URL.
  feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}},{\"index\":1,\"delta\":{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":");
  CHECK_FALSE(s.pending_image(p));  // the string has not started yet
  feed("\"" + a.substr(0, 100));
  REQUIRE(s.pending_image(p));
  CHECK(p.slot == 0);
  CHECK(p.choice == 1);
  CHECK(p.index == 0);
  feed(a.substr(100) + "\"}}]}}]}\n\n");
  CHECK_FALSE(s.pending_image(p));  // the event ended
  feed("data: {\"choices\":[{\"index\":0,\"delta\":{}},{\"index\":1,\"delta\":{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + a.substr(0, 50));
  REQUIRE(s.pending_image(p));
  CHECK(p.choice == 1);
  CHECK(p.index == 2);  // after the first event's image and this event's URL
  CHECK(p.slot == 1);   // URLs take no slot: only decoded images do
  feed(a.substr(50) + "\"}}]}}]}\n\ndata: [DONE]\n\n");
  CHECK_FALSE(s.pending_image(p));
  std::vector<int> indices;
  for (const auto& e : out)
    if (e.type == ChatStreamEvent::Type::image) indices.push_back(e.image_index * 10 + e.choice);
  CHECK(indices == std::vector<int>{1, 11, 21});
}
