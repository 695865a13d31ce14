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
