#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "images_paths.hpp"
#include "imagegate/images_response.hpp"

using namespace imagegate;
using imagegate_test::Parsed;
using imagegate_test::parse;
using imagegate_test::reference;

namespace {
using Bytes = std::vector<uint8_t>;

std::string b64(const Bytes& in) {
  std::string s(base64_encoded_size(in.size()), '\0');
  encode_base64(in.data(), in.size(), s.data());
  return s;
}
// A PNG-looking image: the real signature and IHDR, then random bytes.
Bytes fake_png(std::mt19937& rng, uint32_t w, uint32_t h, size_t extra) {
  Bytes b = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  for (size_t i = 0; i < extra; ++i) b.push_back(uint8_t(rng()));
  return b;
}
// The fast path and the reference must agree on the outcome, the images and the metadata.
void agree(const std::string& json) {
  const Parsed fast = parse(json);
  const ReferenceImages ref = reference(json);
  INFO(json.substr(0, 300));
  REQUIRE(to_string(fast.r.error.kind) == std::string(to_string(ref.error.kind)));
  CHECK(fast.r.error.image_index == ref.error.image_index);
  CHECK(fast.r.error.base64_error == ref.error.base64_error);
  CHECK(fast.r.error.position <= json.size());
  if (fast.r.error.ok()) {
    REQUIRE(fast.r.images.size() == ref.images.size());
    for (size_t i = 0; i < ref.images.size(); ++i) CHECK(fast.image(i) == ref.images[i]);
    CHECK(fast.r.metadata == ref.metadata);
  }
}
}  // namespace

TEST_CASE("n images decode in place with their metadata", "[images_response]") {
  std::mt19937 rng(1);
  for (int n = 1; n <= 4; ++n) {
    std::vector<Bytes> images;
    std::string json = "{\"created\": 1730000000, \"data\": [";
    for (int i = 0; i < n; ++i) {
      images.push_back(fake_png(rng, 64 + i, 48, 1000 + 997 * i));
      json += (i ? ", " : "") + std::string("{\"b64_json\": \"") + b64(images.back()) + "\", \"revised_prompt\": \"p" +
              std::to_string(i) + "\"}";
    }
    json += "], \"usage\": {\"input_tokens\": 1, \"output_tokens\": 2, \"total_tokens\": 3}, \"provider_metadata\": {\"bfl\": {\"images\": []}}}";
    const Parsed p = parse(json);
    REQUIRE(p.r.error.ok());
    REQUIRE(p.r.images.size() == size_t(n));
    for (int i = 0; i < n; ++i) {
      CHECK(p.image(i) == images[i]);
      CHECK(p.r.images[i].has_bytes);
      CHECK(p.r.images[i].info.format == ImageFormat::png);
      CHECK(p.r.images[i].info.width == uint32_t(64 + i));
      CHECK(p.r.images[i].info.height == 48);
      CHECK(p.r.images[i].revised_prompt == "p" + std::to_string(i));
    }
    CHECK(p.r.metadata["created"] == 1730000000);
    CHECK(p.r.metadata["usage"]["total_tokens"] == 3);
    CHECK(p.r.metadata.contains("provider_metadata"));
    CHECK_FALSE(p.r.metadata.contains("data"));
    agree(json);
  }
}

TEST_CASE("JSON escapes inside the base64 are honoured", "[images_response]") {
  std::mt19937 rng(2);
  const Bytes img = fake_png(rng, 8, 8, 3000);
  std::string s = b64(img);
  std::string escaped;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '/') escaped += "\\/";
    else if (s[i] == 'A') escaped += "\\u0041";
    else escaped += s[i];
    if (i % 76 == 75) escaped += "\\n";  // MIME-style line breaks
  }
  const std::string json = "{\"data\":[{\"b64_json\":\"" + escaped + "\"}]}";
  const Parsed p = parse(json);
  REQUIRE(p.r.error.ok());
  CHECK(p.image(0) == img);
  agree(json);
  // An escaped key is the same key.
  const std::string k = "{\"data\":[{\"b64\\u005fjson\":\"" + s + "\"}]}";
  CHECK(parse(k).image(0) == img);
  agree(k);
}

TEST_CASE("data URLs and remote URLs in data[].url", "[images_response]") {
  std::mt19937 rng(3);
  const Bytes img = fake_png(rng, 5, 6, 100);
  const std::string json = "{\"data\":[{\"url\":\"data:image/png;base64," + b64(img) +
                           "\"},{\"url\":\"https://example.com/a.png\"},{\"url\":\"data:image/png;base64,%41%41%41%41\"}]}";
  const Parsed p = parse(json);
  REQUIRE(p.r.error.ok());
  REQUIRE(p.r.images.size() == 3);
  CHECK(p.image(0) == img);
  CHECK(p.r.images[0].media_type == "image/png");
  CHECK(p.r.images[0].info.width == 5);
  CHECK_FALSE(p.r.images[1].has_bytes);
  CHECK(p.r.images[1].url == "https://example.com/a.png");
  CHECK(p.image(2) == Bytes{0, 0, 0});  // percent-encoded base64, read as fetch() reads it
  agree(json);
  // A malformed MIME type falls back to text/plain as the fetch spec says (the bytes are what fetch() returns);
  // a data URL without its ',' is malformed.
  const Parsed odd = parse("{\"data\":[{\"url\":\"data:image;base64,AAAA\"}]}");
  REQUIRE(odd.r.error.ok());
  CHECK(odd.r.images[0].media_type == "text/plain");
  CHECK(odd.image(0) == Bytes{0, 0, 0});
  const Parsed bad = parse("{\"data\":[{\"url\":\"data:image/png;base64\"}]}");
  CHECK(bad.r.error.kind == ResponseErrorKind::bad_data_url);
  CHECK(bad.r.error.image_index == 0);
}

TEST_CASE("bad base64 is reported with the image and the exact byte", "[images_response][errors]") {
  std::mt19937 rng(4);
  const std::string good = b64(fake_png(rng, 4, 4, 200));
  for (size_t at : {size_t(0), size_t(10), size_t(63), good.size() - 1}) {
    std::string s = good;
    s[at] = '@';
    const std::string prefix = "{\"data\":[{\"b64_json\":\"" + good + "\"},{\"b64_json\":\"";
    const std::string json = prefix + s + "\"}]}";
    const Parsed p = parse(json);
    CHECK(p.r.error.kind == ResponseErrorKind::bad_base64);
    CHECK(p.r.error.image_index == 1);
    CHECK(p.r.error.base64_error == Base64Error::invalid_character);
    CHECK(p.r.error.position == prefix.size() + at);
    CHECK(p.r.error.message.find("data[1].b64_json") != std::string::npos);
    CHECK(p.r.images.empty());
    agree(json);
  }
  const Parsed lone = parse("{\"data\":[{\"b64_json\":\"AAAAA\"}]}");
  CHECK(lone.r.error.kind == ResponseErrorKind::bad_base64);
  CHECK(lone.r.error.base64_error == Base64Error::partial_chunk);
  CHECK(lone.r.error.position == 26);
}

TEST_CASE("malformed and unexpected documents give typed errors", "[images_response][errors]") {
  struct Case {
    std::string json;
    ResponseErrorKind kind;
    int index;
  };
  const std::vector<Case> cases = {
      {"", ResponseErrorKind::invalid_json, -1},
      {"<!DOCTYPE html><html><body>Bad Gateway</body></html>", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AAAA\"}]", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AAAA", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AA\x01" "AA\"}]}", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AA\\qAA\"}]}", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AA\\uD800AA\"}]}", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AA\xC3\x28" "A\"}]}", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AA\xC3\xA9" "A\"}]}", ResponseErrorKind::bad_base64, 0},
      {"{\"data\":[{\"b64_json\":\"AA@A\x01\"}]}", ResponseErrorKind::invalid_json, -1},
      {"{\"data\":[{\"b64_json\":\"AAAA\"}]} trailing", ResponseErrorKind::invalid_json, -1},
      {"[]", ResponseErrorKind::unexpected_shape, -1},
      {"\"str\"", ResponseErrorKind::unexpected_shape, -1},
      {"{\"data\":5}", ResponseErrorKind::unexpected_shape, -1},
      {"{\"data\":{\"b64_json\":\"AAAA\"}}", ResponseErrorKind::unexpected_shape, -1},
      {"{\"data\":[1]}", ResponseErrorKind::unexpected_shape, 0},
      {"{\"data\":[{\"b64_json\":\"AAAA\"},{\"b64_json\":5}]}", ResponseErrorKind::unexpected_shape, 1},
      {"{\"data\":[{\"url\":[]}]}", ResponseErrorKind::unexpected_shape, 0},
      {"{\"data\":[]}", ResponseErrorKind::no_images, -1},
      {"{\"created\":1}", ResponseErrorKind::no_images, -1},
      {"{\"data\":[{}]}", ResponseErrorKind::no_images, 0},
      {"{\"data\":[{\"b64_json\":null,\"url\":null}]}", ResponseErrorKind::no_images, 0},
      {"{\"error\":{\"message\":\"Model not found\",\"type\":\"model_not_found\"}}", ResponseErrorKind::error_body, -1},
      {"{\"data\":[{\"url\":\"data:image/png;base64,AA@A\"}]}", ResponseErrorKind::bad_base64, 0},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    const Parsed p = parse(c.json);
    CHECK(p.r.error.kind == c.kind);
    CHECK(p.r.error.image_index == c.index);
    CHECK_FALSE(p.r.error.message.empty());
    CHECK(p.r.error.position <= c.json.size());
    agree(c.json);
  }
  const Parsed e = parse("{\"error\":{\"message\":\"Model not found\"}}");
  CHECK(e.r.error.message.find("Model not found") != std::string::npos);
  CHECK(e.r.metadata["error"]["message"] == "Model not found");
}

TEST_CASE("a truncated response is invalid JSON at every cut", "[images_response][errors]") {
  std::mt19937 rng(5);
  const std::string json = "{\"created\":1,\"data\":[{\"b64_json\":\"" + b64(fake_png(rng, 2, 2, 90)) +
                           "\",\"revised_prompt\":\"a \\\"fox\\\"\"}],\"usage\":null}";
  for (size_t n = 0; n < json.size(); ++n) {
    const Parsed p = parse(json.substr(0, n));
    INFO("cut " << n);
    CHECK(p.r.error.kind == ResponseErrorKind::invalid_json);
    CHECK(p.r.error.position <= n);
    agree(json.substr(0, n));
  }
  CHECK(parse(json).r.error.ok());
}

TEST_CASE("random corruption: the fast path agrees with the nlohmann reference", "[images_response][differential]") {
  std::mt19937 rng(6);
  const char alphabet[] = "{}[]\":,\\ \nAZaz09+/=@u\x80\xC3\xFF\x01";
  for (int k = 0; k < 3000; ++k) {
    std::string json = "{\"created\":7,\"data\":[{\"b64_json\":\"" + b64(fake_png(rng, 3, 3, rng() % 60)) +
                       "\"},{\"url\":\"data:image/png;base64," + b64(fake_png(rng, 1, 1, rng() % 30)) + "\"}],\"x\":[1]}";
    const int edits = 1 + rng() % 3;
    for (int j = 0; j < edits; ++j) {
      const size_t at = rng() % json.size();
      switch (rng() % 3) {
        case 0: json[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: json.erase(at, 1); break;
        default: json.insert(json.begin() + at, alphabet[rng() % (sizeof alphabet - 1)]);
      }
    }
    agree(json);
  }
}

TEST_CASE("generated responses: field order, whitespace, escapes and unicode elsewhere, extra and null fields",
          "[images_response][differential]") {
  std::mt19937 rng(8);
  const std::vector<std::string> decoys = {
      "\"note\": \"the key \\\"b64_json\\\": \\\"AAAA\\\" is only text here\"",
      "\"revised_prompt\": \"caf\\u00e9 \xE2\x98\x95 \\ud83d\\ude00 \\/ \\\\\"",
      "\"extra\": null", "\"nested\": {\"b64_json\": \"not an image\", \"data\": [{\"b64_json\": \"@@@\"}]}",
      "\"url\": null", "\"list\": [1, 2.5e3, true, false, null, \"b64_json\"]"};
  for (int k = 0; k < 300; ++k) {
    const int n = 1 + rng() % 3;
    std::vector<Bytes> images;
    auto ws = [&]() { return std::string(rng() % 3, " \n\t\r"[rng() % 4]); };
    std::string data = "[";
    for (int i = 0; i < n; ++i) {
      images.push_back(fake_png(rng, 1 + rng() % 9, 1 + rng() % 9, rng() % 300));
      std::vector<std::string> fields = {"\"b64_json\":" + ws() + "\"" + b64(images.back()) + "\""};
      for (int j = 0; j < 2; ++j) fields.push_back(decoys[rng() % decoys.size()]);
      std::shuffle(fields.begin(), fields.end(), rng);
      std::string item = "{" + ws();
      for (size_t f = 0; f < fields.size(); ++f) item += (f ? "," + ws() : "") + fields[f];
      data += (i ? "," + ws() : "") + item + ws() + "}";
    }
    data += "]";
    std::vector<std::string> top = {"\"data\":" + ws() + data, "\"created\": 17", "\"usage\": null",
                                    "\"provider_metadata\": {\"x\": {\"images\": [{\"b64_json\": \"QUJD\"}]}}",
                                    decoys[rng() % decoys.size()]};
    std::shuffle(top.begin(), top.end(), rng);
    std::string json = ws() + "{" + ws();
    for (size_t f = 0; f < top.size(); ++f) json += (f ? "," + ws() : "") + top[f];
    json += ws() + "}" + ws();
    const Parsed p = parse(json);
    INFO(json.substr(0, 400));
    REQUIRE(p.r.error.ok());
    REQUIRE(p.r.images.size() == size_t(n));
    for (int i = 0; i < n; ++i) CHECK(p.image(i) == images[i]);
    CHECK(p.r.metadata["created"] == 17);
    agree(json);
  }
}
