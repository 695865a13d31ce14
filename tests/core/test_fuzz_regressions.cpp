// Regression tests for what the libFuzzer campaign (tests/fuzz/, issue 9) found. Each case is the minimised
// input (or a readable equivalent) with the behaviour it must have now.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "imagegate/chat_images.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/images_response.hpp"
#include "imagegate/json_util.hpp"
#include "images_paths.hpp"

using namespace imagegate;
using imagegate_test::Parsed;
using imagegate_test::parse;
using imagegate_test::reference;

TEST_CASE("fuzz: a NUL byte ends nothing: JSON with a NUL is invalid", "[fuzz][json]") {
  // nlohmann's lexer treats '\0' as the end of the input, so "{...}\0garbage" used to parse as "{...}".
  const std::string text("{\"a\":1}\0garbage", 15);
  nlohmann::json j;
  const JsonParseError e = parse_json(reinterpret_cast<const uint8_t*>(text.data()), text.size(), j);
  CHECK(e.failed);
  CHECK(e.position == 7);
  CHECK(j.is_null());
}

TEST_CASE("fuzz: images response with a NUL after the document is invalid JSON on both paths", "[fuzz][images]") {
  const std::string text("{\"data\":[{\"b64_json\":\"QUJD\"}]}\0{\"x\":", 36);
  const Parsed parsed = parse(text);
  const ImagesResponse& fast = parsed.r;
  const ReferenceImages ref = reference(text);
  CHECK(fast.error.kind == ResponseErrorKind::invalid_json);
  CHECK(ref.error.kind == ResponseErrorKind::invalid_json);
  CHECK(fast.error.position == 30);
  CHECK(fast.images.empty());
}

TEST_CASE("fuzz: the first crash input (a literal, a NUL, then broken JSON) agrees on both paths", "[fuzz][images]") {
  // crash-139a8dfae63fe13dbe33e2826d4ca0eaae572b5c: the reference saw `true` (unexpected_shape), the fast path
  // saw the invalid UTF-8 after the NUL (invalid_json).
  const std::string text("true\0{\"da4_json\":VQUJD\\u00e9REVG\"}].}\xb1", 38);
  const Parsed parsed = parse(text);
  const ImagesResponse& fast = parsed.r;
  const ReferenceImages ref = reference(text);
  CHECK(fast.error.kind == ResponseErrorKind::invalid_json);
  CHECK(ref.error.kind == ResponseErrorKind::invalid_json);
}

TEST_CASE("fuzz: a chat stream event with a NUL after its JSON is invalid", "[fuzz][chat]") {
  const std::string text("data: {\"choices\":[]}\0junk\n\ndata: [DONE]\n\n", 41);
  ChatStream cs;
  std::vector<ChatStreamEvent> out;
  cs.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), out);
  cs.finish(out);
  REQUIRE(!out.empty());
  CHECK(out.back().type == ChatStreamEvent::Type::invalid);
  CHECK(out.back().reason == "invalid_json");
}

TEST_CASE("parse_json messages never echo the response bytes", "[fuzz][json]") {
  // A proxy that reflects the Authorization header into a malformed body must not get the key into an error
  // message: nlohmann's "; last read: '...'" excerpt is dropped (and its "[json.exception...]" tag).
  const std::string secret = "sk-SECRET-0123456789";
  for (const std::string text : {"{\"echo\":\"Bearer " + secret + "\x01\"}", "{\"echo\": Bearer " + secret + "}",
                                 "[\"" + secret + "\", " + secret + "]", "{\"a\":\"" + secret}) {
    nlohmann::json j;
    const JsonParseError e = parse_json(reinterpret_cast<const uint8_t*>(text.data()), text.size(), j);
    REQUIRE(e.failed);
    CHECK(e.message.find("sk-SECRET") == std::string::npos);
    CHECK(e.message.find("last read") == std::string::npos);
    CHECK(e.message.find("[json.exception") == std::string::npos);
    CHECK(e.message.find("parse error at line 1") != std::string::npos);
  }
  nlohmann::json j;
  const std::string cut = "{\"a\":";
  const JsonParseError e = parse_json(reinterpret_cast<const uint8_t*>(cut.data()), cut.size(), j);
  CHECK(e.message.find("unexpected end of input") != std::string::npos);
  CHECK(e.message.find("expected '[', '{', or a literal") != std::string::npos);
}

TEST_CASE("fuzz: a data URL with an empty payload in data[].url (slow path)", "[fuzz][images]") {
  // crash-a34d53377a1d48bebc04294c4a4268be37641f9b (UBSan): the slow path copied the decoded payload back with
  // memcpy(buf + at, bytes.data(), 0), and an empty vector's data() is null: undefined behaviour.
  for (const std::string text : {std::string("{\"keated\":1,\"data\":[{\"url\":\"data:s/uAqs4,\"}]}"),
                                 std::string("{\"data\":[{\"url\":\"data:,\"},{\"url\":\"data:text/plain;charset=x,\"}]}")}) {
    const Parsed parsed = parse(text);
    const ImagesResponse& fast = parsed.r;
    const ReferenceImages ref = reference(text);
    REQUIRE(fast.error.ok());
    REQUIRE(ref.error.ok());
    REQUIRE(fast.images.size() == ref.images.size());
    for (const auto& img : fast.images) {
      CHECK(img.has_bytes);
      CHECK(img.length == 0);
    }
  }
}

// ---- findings fixed after the campaign (they were [!shouldfail] while open).

TEST_CASE("fixed: ChatStream positions of invalid events do not depend on how the bytes were chunked",
          "[fuzz][chat]") {
  // invalid_json / bad_data_url / truncated / no_done events report parser_.bytes_fed(), the bytes fed so far
  // INCLUDING the rest of the chunk being parsed, not the offset where the problem was seen. Found by the
  // fuzz_sse harness (which compares only bad_base64 positions for that reason).
  const std::string text = "data: {not json}\n\ndata: [DONE]\n\n";
  auto run = [&](size_t split) {
    ChatStream cs;
    std::vector<ChatStreamEvent> out;
    cs.feed(reinterpret_cast<const uint8_t*>(text.data()), split, out);
    cs.feed(reinterpret_cast<const uint8_t*>(text.data()) + split, text.size() - split, out);
    cs.finish(out);
    REQUIRE(!out.empty());
    REQUIRE(out.back().type == ChatStreamEvent::Type::invalid);
    return out.back().position;
  };
  for (size_t split = 0; split <= text.size(); ++split) CHECK(run(split) == 18);  // just past the blank line
}

TEST_CASE("fixed: a data URL parameter without '=' (\"data:image/svg+xml;utf8,...\") is skipped, not rejected",
          "[fuzz][data_url]") {
  // RFC 2397 wants attribute=value, but browsers (WHATWG MIME type parsing) skip a parameter without '=',
  // and data_url.cpp says it follows the WHATWG leniencies. Today: bad_media_type, so a streamed chat image
  // "data:image/svg+xml;utf8,<svg ...>" ends the stream with InvalidResponseError(bad_data_url) while
  // chat.completions.create() hands the same URL back undecoded.
  const std::string url = "data:image/svg+xml;utf8,<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  std::vector<uint8_t> payload;
  const DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(url.data()), url.size(), payload);
  CHECK(r.ok());
  CHECK(r.url.media_type == "image/svg+xml");
}

TEST_CASE("fuzz: a data URL header with invalid UTF-8 in a skipped parameter is invalid JSON on both paths",
          "[fuzz][images]") {
  // Found by fuzz_images_response once parameters without '=' were skipped: the fast path spliced a header whose
  // skipped parameter held a 0xFF byte, which nlohmann (the reference) rejects as invalid UTF-8.
  const std::string text = "{\"data\":[{\"url\":\"data:image/png;x\xffy;base64,QUJD\"}]}";
  const Parsed parsed = parse(text);
  const ImagesResponse& fast = parsed.r;
  const ReferenceImages ref = reference(text);
  CHECK(fast.error.kind == ResponseErrorKind::invalid_json);
  CHECK(ref.error.kind == ResponseErrorKind::invalid_json);
}

TEST_CASE("fuzz: percent escapes in a data URL are read after JSON unescaping, as the reference does", "[fuzz][images]") {
  // crash-4a723e31f90de4879455164cca2aa1c7f46ed809: in "QUJD%\u00413D" the JSON escape stands for 'A', so the
  // payload is "QUJD%A3D": %A3 is a byte outside the alphabet (bad_base64). The fast path looked at the raw
  // bytes, saw "%\" and reported a malformed percent escape (bad_data_url).
  struct Case { const char* url; ResponseErrorKind kind; const char* bytes; };
  const Case cases[] = {
      {R"(data:image/png;base64,QUJD%\u00413D)", ResponseErrorKind::bad_base64, nullptr},
      {R"(data:image/png;base64,QUJ%\u00344)", ResponseErrorKind::none, "ABC"},        // escaped hex digit
      {R"(data:image/png;base64,QUJ\u002544)", ResponseErrorKind::none, "ABC"},        // escaped '%'
      {R"(data:image/png;base64,QU%4A\u0025\u00344)", ResponseErrorKind::none, "ABC"},  // both, twice
      // A '%' that starts no escape is kept as it is (WHATWG percent-decode, as fetch() reads data URLs): it is then
      // a character outside the base64 alphabet.
      {R"(data:image/png;base64,QUJD%\u0041)", ResponseErrorKind::bad_base64, nullptr},  // '%' then one digit
      {R"(data:image/png;base64,QU!D%\u0047G)", ResponseErrorKind::bad_base64, nullptr}, // bad '%' after a bad char
      {R"(data:image/png;base64,QU!D%\u00341)", ResponseErrorKind::bad_base64, nullptr},   // good '%' after a bad char
  };
  for (const Case& c : cases) {
    const std::string text = std::string(R"({"data":[{"url":")") + c.url + R"("}]})";
    INFO(text);
    const Parsed parsed = parse(text);
    const ImagesResponse& fast = parsed.r;
    const ReferenceImages ref = reference(text);
    CHECK(ref.error.kind == c.kind);
    CHECK(fast.error.kind == c.kind);
    CHECK(fast.error.base64_error == ref.error.base64_error);
    if (c.bytes) {
      REQUIRE(fast.images.size() == 1);
      const std::vector<uint8_t> image = parsed.image(0);
      CHECK(std::string(image.begin(), image.end()) == c.bytes);
    }
  }
}

TEST_CASE("fuzz: a hierarchical data: URL's error position stays inside the input (WHATWG mode)", "[fuzz][data_url]") {
  // crash-319c8546f23b2fffe4ec206c8fcdc40ced737b39 (fuzz_data_url, fresh-clone CI run): "  Data:/" + non-ASCII and
  // C0 bytes. The hierarchical form is serialized (percent-encoded, so longer) before the processor reads it, and a
  // base64 error's position was an offset in that serialization, past the end of the input.
  const std::string in(
      "\x20\x20\x44\x61\x74\x61\x3a\x2f\xcc\x74\x65\x74\x78\x2a\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09"
      "\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x00\x00\x00\x00\x00\x20\x20\x44\x61\x74\x61\x3a\x74"
      "\x6d\x61\x73\x65\x36\x2f\x70\x6c\x61\x69\x6e\x3b\x63\x64\x61\x74\x61\x3a\x69\x6d\x61\x67\x65\x2f"
      "\x70\x6e\x67\x3b\x62\x61\x73\x65\x36\x34\x2c\x69\x56\x42\x4f\x52\x77\x20\x20\x20\x20\x20\x20\x20"
      "\x20\x20\x20\x20\x30\x4b\x47\x67\x6f\x41\x41\x41\x41\x4e\x53\x55\x68\x45\x55\x67\x41\x41\x41\x44"
      "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
      "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x41\x41\x41\x41\x41\x67\x43\x41\x59\x41\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x41\x41\x42\x55\x31",
      180);
  std::vector<uint8_t> payload;
  const DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(in.data()), in.size(), payload, DataUrlMode::whatwg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.position <= in.size());
  CHECK(payload.empty());
}
