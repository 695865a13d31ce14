#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "imagegate/data_url.hpp"

using namespace imagegate;

namespace {
DataUrlResult parse(const std::string& s) { return parse_data_url(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
DataUrlResult decode(const std::string& s, std::string& payload) {
  std::vector<uint8_t> out;
  DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out);
  payload.assign(out.begin(), out.end());
  return r;
}
}  // namespace

TEST_CASE("a base64 image data URL: media type, encoding and where the payload is", "[data_url]") {
  const std::string s = "data:image/png;base64,iVBORw0KGgo=";
  const DataUrlResult r = parse(s);
  REQUIRE(r.ok());
  CHECK(r.url.media_type == "image/png");
  CHECK(r.url.base64);
  CHECK(r.url.payload_offset == 22);
  CHECK(r.url.payload_length == s.size() - 22);
  std::string payload;
  REQUIRE(decode(s, payload).ok());
  CHECK(payload == std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_CASE("RFC 2397 defaults, parameters, case and percent-encoding", "[data_url]") {
  std::string payload;
  DataUrlResult r = decode("data:,A%20brief%20note", payload);
  REQUIRE(r.ok());
  CHECK(r.url.media_type == "text/plain");
  REQUIRE(r.url.parameters.size() == 1);
  CHECK(r.url.parameters[0].first == "charset");
  CHECK(r.url.parameters[0].second == "US-ASCII");
  CHECK_FALSE(r.url.base64);
  CHECK(payload == "A brief note");

  r = decode("  DATA:Image/SVG+XML;Charset=UTF-8;BASE64,PHN2Zz4=", payload);
  REQUIRE(r.ok());
  CHECK(r.url.media_type == "image/svg+xml");
  CHECK(r.url.parameters.at(0).first == "charset");
  CHECK(r.url.parameters.at(0).second == "UTF-8");
  CHECK(r.url.base64);
  CHECK(payload == "<svg>");

  r = decode("data:;base64,QUJD", payload);
  REQUIRE(r.ok());
  CHECK(r.url.media_type == "text/plain");
  CHECK(payload == "ABC");

  r = decode("data:text/plain;name=\"a b\",x", payload);
  REQUIRE(r.ok());
  CHECK(r.url.parameters.at(0).second == "a b");

  r = decode("data:image/svg+xml;utf8;;,<svg/>", payload);  // parameters without '=' are skipped, as browsers do
  REQUIRE(r.ok());
  CHECK(r.url.media_type == "image/svg+xml");
  CHECK(r.url.parameters.empty());
  CHECK(payload == "<svg/>");

  r = decode("data:image/svg+xml,%3Csvg%3E%3C/svg%3E", payload);
  REQUIRE(r.ok());
  CHECK(payload == "<svg></svg>");
}

TEST_CASE("base64 payloads skip whitespace and may omit padding (forgiving-base64)", "[data_url]") {
  std::string payload;
  CHECK(decode("data:image/png;base64,QU\nJD RE\tV=", payload).ok());
  CHECK(payload == "ABCDE");
  CHECK(decode("data:image/png;base64,QUJDREU", payload).ok());
  CHECK(payload == "ABCDE");
  CHECK(decode("data:image/png;base64,QUJD%52EU", payload).ok());  // percent-encoded base64
  CHECK(payload == "ABCDE");
}

TEST_CASE("malformed data URLs give the kind and the position", "[data_url][errors]") {
  struct Case {
    std::string in;
    DataUrlError err;
    size_t pos;
  };
  const std::vector<Case> cases = {
      {"https://example.com/a.png", DataUrlError::not_a_data_url, 0},
      {"dat", DataUrlError::not_a_data_url, 0},
      {"", DataUrlError::not_a_data_url, 0},
      {"data:image/png;base64", DataUrlError::missing_comma, 21},
      {"data:image;base64,AAAA", DataUrlError::bad_media_type, 5},
      {"data:/png;base64,AAAA", DataUrlError::bad_media_type, 5},
      {"data:image/;base64,AAAA", DataUrlError::bad_media_type, 10},
      {"data:im(age/png,AAAA", DataUrlError::bad_media_type, 7},
      {"data:image/png;=x,AAAA", DataUrlError::bad_media_type, 15},
      {"data:,100%", DataUrlError::bad_percent, 9},
      {"data:,%zz", DataUrlError::bad_percent, 6},
      {"data:,%4", DataUrlError::bad_percent, 6},
      {"data:image/png;base64,QUJD@EU=", DataUrlError::bad_base64, 26},
      {"data:image/png;base64,Q", DataUrlError::bad_base64, 22},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    std::string payload = "untouched";
    const DataUrlResult r = decode(c.in, payload);
    CHECK(r.error == c.err);
    CHECK(r.position == c.pos);
    CHECK(payload.empty());
  }
  std::string payload;
  CHECK(decode("data:image/png;base64,QUJD@EU=", payload).base64_error == Base64Error::invalid_character);
  CHECK(std::string(to_string(DataUrlError::missing_comma)) == "missing_comma");
}

TEST_CASE("every prefix of a data URL parses or fails cleanly", "[data_url][errors]") {
  const std::string s = "data:image/png;charset=\"x\";base64,iVBORw0KGgo=";
  for (size_t n = 0; n <= s.size(); ++n) {
    std::vector<uint8_t> out;
    const DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(s.data()), n, out);
    CHECK(r.position <= n);
  }
}

// ---- WHATWG mode: the web-platform-tests fixtures --------------------------------------------------------------

#include <fstream>
#include <nlohmann/json.hpp>

namespace {
nlohmann::json read_fixture(const std::string& name) {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/data-urls/" + name, std::ios::binary);
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}
DataUrlResult whatwg(const std::string& s, std::vector<uint8_t>& out) {
  return decode_data_url(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out, DataUrlMode::whatwg);
}
// The two cases where the fetch standard changed after the fixture's wpt revision (see the fixtures' README).
const char* superseded(const std::string& input) {
  if (input == "data:; base64,WA") return "text/plain;charset=US-ASCII";
  if (input == "data:text/plain;a=\",\",X") return "text/plain;a=\"\"";
  return nullptr;
}
}  // namespace

TEST_CASE("whatwg: every wpt data-urls.json case", "[data_url][whatwg][fixtures]") {
  for (const auto& c : read_fixture("data-urls.json")) {
    const std::string input = c[0].get<std::string>();
    INFO(input);
    std::vector<uint8_t> out;
    const DataUrlResult r = whatwg(input, out);
    if (c[1].is_null()) {
      CHECK_FALSE(r.ok());
      continue;
    }
    REQUIRE(r.ok());
    std::string mime = c[1].get<std::string>();
    if (mime.empty()) mime = "text/plain;charset=US-ASCII";
    if (const char* now = superseded(input)) {
      mime = now;
      if (input == "data:; base64,WA") {
        CHECK(out == std::vector<uint8_t>{88});
        CHECK(serialize_media_type(r.url) == mime);
        continue;
      }
    }
    CHECK(serialize_media_type(r.url) == mime);
    CHECK(out == c[2].get<std::vector<uint8_t>>());
  }
}

TEST_CASE("whatwg: every wpt base64.json case, as data:;base64,<input>", "[data_url][whatwg][fixtures]") {
  for (const auto& c : read_fixture("base64.json")) {
    const std::string input = "data:;base64," + c[0].get<std::string>();
    INFO(input);
    std::vector<uint8_t> out;
    const DataUrlResult r = whatwg(input, out);
    if (c[1].is_null()) {
      CHECK(r.error == DataUrlError::bad_base64);
      continue;
    }
    REQUIRE(r.ok());
    CHECK(out == c[1].get<std::vector<uint8_t>>());
    CHECK(serialize_media_type(r.url) == "text/plain;charset=US-ASCII");
  }
}

TEST_CASE("whatwg: URL parsing before the processor", "[data_url][whatwg]") {
  std::vector<uint8_t> out;
  auto bytes = [&](const std::string& s) { return std::string(out.begin(), out.end()); };
  // leading/trailing C0 control or space stripped, tab/newline removed anywhere, the fragment dropped
  REQUIRE(whatwg(" \x01\tda\nta:image/png;ba\rse64,QU\tJD#frag", out).ok());
  CHECK(bytes("") == "ABC");
  REQUIRE(whatwg("data:,a b  \x1f", out).ok());
  CHECK(bytes("") == "a b");
  REQUIRE(whatwg("data:,a #b", out).ok());
  CHECK(bytes("") == "a ");
  // lenient percent-decoding keeps a malformed escape as it is
  REQUIRE(whatwg("data:,%4g%%41%", out).ok());
  CHECK(bytes("") == "%4g%A%");
  // not data: / no comma before the fragment
  CHECK(whatwg("http:,x", out).error == DataUrlError::not_a_data_url);
  CHECK(whatwg("dat:,x", out).error == DataUrlError::not_a_data_url);
  CHECK(whatwg(",x", out).error == DataUrlError::not_a_data_url);
  CHECK(whatwg("data:text/plain", out).error == DataUrlError::missing_comma);
  CHECK(whatwg("data:text/plain#,x", out).error == DataUrlError::missing_comma);
  // a base64 error is reported at its input byte, through tabs and percent escapes
  DataUrlResult r = whatwg("data:;base64,QU\tJD%2A", out);
  CHECK(r.error == DataUrlError::bad_base64);
  CHECK(r.position == 18);
  // hierarchical forms: dot segments, port and host checks
  REQUIRE(whatwg("data:/a,b/../c,d", out).ok());
  CHECK(bytes("") == "d");
  CHECK(whatwg("data://h:99999/,x", out).error == DataUrlError::not_a_data_url);
  CHECK(whatwg("data://h^/,x", out).error == DataUrlError::not_a_data_url);
  REQUIRE(whatwg("data://a,b:0080/x", out).ok());
  CHECK(bytes("") == "b:80/x");
}

TEST_CASE("whatwg mode leaves the strict reading as it was", "[data_url][whatwg]") {
  std::string payload;
  CHECK(decode("data:,%4g", payload).error == DataUrlError::bad_percent);
  CHECK(decode("data:text/plain;a=\",x", payload).error == DataUrlError::bad_media_type);
  std::vector<uint8_t> out;
  CHECK(whatwg("data:,%4g", out).ok());
}

namespace {
// UTF-8 → bytes, one per code point; false when a code point is above U+00FF (not a byte string).
bool isomorphic(const std::string& utf8, std::string& out) {
  out.clear();
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<uint8_t>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      const unsigned cp = ((c & 0x1F) << 6) | (static_cast<uint8_t>(utf8[i + 1]) & 0x3F);
      if (cp > 0xFF) return false;
      out.push_back(static_cast<char>(cp));
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("parse_mime_type: every wpt mime-types.json case over bytes", "[data_url][mime][fixtures]") {
  int run = 0, skipped = 0;
  for (const auto& c : read_fixture("mime-types.json")) {
    if (!c.is_object()) continue;  // section titles
    std::string input, output;
    if (!isomorphic(c["input"].get<std::string>(), input)) {
      ++skipped;  // code points above U+00FF: not a byte string (a data URL's MIME portion is ASCII anyway)
      continue;
    }
    INFO(c["input"].get<std::string>());
    DataUrl url;
    const bool ok = parse_mime_type(reinterpret_cast<const uint8_t*>(input.data()), input.size(), url);
    ++run;
    if (c["output"].is_null()) {
      CHECK_FALSE(ok);
      continue;
    }
    REQUIRE(ok);
    REQUIRE(isomorphic(c["output"].get<std::string>(), output));
    // This revision of the file serialized parameters as "; " (the standard now writes ";").
    for (size_t k; (k = output.find("; ")) != std::string::npos;) output.erase(k + 1, 1);
    CHECK(serialize_media_type(url) == output);
  }
  CHECK(run == 55);
  CHECK(skipped == 2);
}
