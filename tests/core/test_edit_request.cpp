// POST /images/edits bodies: JSON with data URLs written by the core, multipart with sniffed types, the mask check,
// and the base64 encoder's scalar reference (what the SIMD128 kernel is checked against in the wasm build).
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/request.hpp"

using namespace imagegate;
using nlohmann::json;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes read_fixture(const char* name) {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/images/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// A PNG signature and IHDR (what sniffing reads), then a few payload bytes.
Bytes png(uint32_t w, uint32_t h, uint8_t colour_type = 6) {
  Bytes b = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  for (uint8_t x : {uint8_t(8), colour_type, uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0), uint8_t(0)})
    b.push_back(x);
  return b;
}

EditImage bytes_of(const Bytes& b, std::string name = "") {
  EditImage e;
  e.bytes = b.data();
  e.len = b.size();
  e.filename = std::move(name);
  return e;
}
EditImage url_of(std::string u) {
  EditImage e;
  e.url = std::move(u);
  return e;
}

BuiltRequest edit(const std::string& params, const std::vector<EditImage>& images, const EditImage* mask = nullptr,
                  bool multipart = false) {
  return build_edit_request(reinterpret_cast<const uint8_t*>(params.data()), params.size(), images, mask, multipart,
                            "imagegate-test-boundary");
}

std::string b64(const Bytes& b) {
  std::string s;
  append_base64(s, b.data(), b.size());
  return s;
}

const std::string kParams = R"({"model":"openai/gpt-image-2","prompt":"make it blue","n":2,"quality":"high"})";

}  // namespace

TEST_CASE("edit JSON: every input becomes {image_url: data URL} with the sniffed type, fields pass through", "[edit]") {
  const Bytes fox = read_fixture("fox-64x48.png");
  const Bytes jpg = read_fixture("fox-64x48.jpg");
  REQUIRE(fox.size() > 100);
  const auto r = edit(kParams, {bytes_of(fox), bytes_of(jpg), url_of("https://example.com/a.png")});
  REQUIRE(r.ok());
  CHECK(r.content_type == "application/json");
  const json j = json::parse(r.body);
  CHECK(j["model"] == "openai/gpt-image-2");
  CHECK(j["n"] == 2);
  CHECK(j["quality"] == "high");
  REQUIRE(j["images"].size() == 3);
  CHECK(j["images"][0]["image_url"] == "data:image/png;base64," + b64(fox));
  CHECK(j["images"][1]["image_url"] == "data:image/jpeg;base64," + b64(jpg));
  CHECK(j["images"][2]["image_url"] == "https://example.com/a.png");
  CHECK_FALSE(j.contains("mask"));
}

TEST_CASE("edit JSON: a data URL of the wrong type is re-encoded with the sniffed type", "[edit]") {
  const Bytes fox = read_fixture("fox-64x48.png");
  const auto r = edit(kParams, {url_of("data:application/octet-stream;base64," + b64(fox))});
  REQUIRE(r.ok());
  CHECK(json::parse(r.body)["images"][0]["image_url"] == "data:image/png;base64," + b64(fox));
}

TEST_CASE("edit: the mask is a PNG of the first image's size, else a typed error on `mask`", "[edit]") {
  const Bytes fox = read_fixture("fox-64x48.png");
  const Bytes good = png(64, 48), small = png(32, 32);
  const EditImage mask = bytes_of(good);
  const auto r = edit(kParams, {bytes_of(fox)}, &mask);
  REQUIRE(r.ok());
  CHECK(json::parse(r.body)["mask"]["image_url"] == "data:image/png;base64," + b64(good));

  const EditImage wrong = bytes_of(small);
  const auto bad = edit(kParams, {bytes_of(fox)}, &wrong);
  CHECK(bad.param == "mask");
  CHECK(bad.error == "`mask` is 32x32 but the first image is 64x48: the mask must have the same size as the image it applies to");

  const Bytes jpg = read_fixture("fox-64x48.jpg");
  const EditImage jmask = bytes_of(jpg);
  const auto notpng = edit(kParams, {bytes_of(fox)}, &jmask);
  CHECK(notpng.param == "mask");
  CHECK(notpng.error.find("must be a PNG") != std::string::npos);

  // An https first image: its size is unknown, so the mask is sent unchecked.
  CHECK(edit(kParams, {url_of("https://example.com/a.png")}, &wrong).ok());
}

TEST_CASE("edit: bad inputs are typed errors naming the image", "[edit]") {
  const Bytes fox = read_fixture("fox-64x48.png");
  const Bytes junk = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(edit(kParams, {}).param == "images");
  std::vector<EditImage> seventeen(17, bytes_of(fox));
  CHECK(edit(kParams, seventeen).param == "images");
  CHECK(edit(kParams, std::vector<EditImage>(16, bytes_of(fox))).ok());
  auto r = edit(kParams, {bytes_of(fox), bytes_of(junk)});
  CHECK(r.param == "images[1]");
  CHECK(r.error == "`images[1]` is not an image imagegate recognises (PNG, JPEG, WebP, GIF or AVIF)");
  CHECK(edit(kParams, {url_of("http://example.com/a.png")}).param == "images[0]");
  CHECK(edit(kParams, {url_of("ftp://x")}).error.find("https: or data: URL") != std::string::npos);
  CHECK(edit(kParams, {url_of("https://exa mple.com/")}).param == "images[0]");
  CHECK(edit(kParams, {url_of("https://example.com/caf\xc3\xa9.png")}).error.find("non-ASCII") != std::string::npos);
  CHECK(edit(kParams, {url_of("data:image/png;base64,@@@@")}).param == "images[0]");
  CHECK(edit(R"({"prompt":"p"})", {bytes_of(fox)}).param == "model");
  CHECK(edit(R"({"model":"m"})", {bytes_of(fox)}).param == "prompt");
  CHECK(edit(R"({"model":"m","prompt":"p","n":11})", {bytes_of(fox)}).param == "n");
  CHECK(edit("[1]", {bytes_of(fox)}).error == "The request parameters must be a JSON object");
  // images/mask inside the parameters are dropped: only the separately passed inputs are sent.
  auto dropped = edit(R"({"model":"m","prompt":"p","images":["x"],"mask":"y"})", {bytes_of(fox)});
  REQUIRE(dropped.ok());
  CHECK(json::parse(dropped.body)["images"].size() == 1);
  CHECK_FALSE(json::parse(dropped.body).contains("mask"));
}

TEST_CASE("edit multipart: fields, image / image[] and mask parts with sniffed Content-Types", "[edit]") {
  const Bytes fox = read_fixture("fox-64x48.png");
  const Bytes webp = read_fixture("fox-64x48.webp");
  const Bytes m = png(64, 48);
  const EditImage mask = bytes_of(m);
  const auto one = edit(R"({"model":"openai/gpt-image-2","prompt":"p","n":1,"providerOptions":{"openai":{"quality":"low"}}})",
                        {bytes_of(fox, "fox \"1\".png")}, &mask, true);
  REQUIRE(one.ok());
  CHECK(one.content_type == "multipart/form-data; boundary=imagegate-test-boundary");
  const std::string& b = one.body;
  CHECK(b.find("--imagegate-test-boundary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nopenai/gpt-image-2\r\n") == 0);
  CHECK(b.find("name=\"n\"\r\n\r\n1\r\n") != std::string::npos);
  CHECK(b.find("name=\"providerOptions\"\r\n\r\n{\"openai\":{\"quality\":\"low\"}}\r\n") != std::string::npos);
  const std::string file_head = "name=\"image\"; filename=\"fox _1_.png\"\r\nContent-Type: image/png\r\n\r\n";
  const size_t at = b.find(file_head);
  REQUIRE(at != std::string::npos);
  CHECK(b.compare(at + file_head.size(), fox.size(), std::string(fox.begin(), fox.end())) == 0);
  CHECK(b.find("name=\"mask\"; filename=\"mask.png\"\r\nContent-Type: image/png\r\n\r\n") != std::string::npos);
  const std::string close = "--imagegate-test-boundary--\r\n";
  REQUIRE(b.size() >= close.size());
  CHECK(b.compare(b.size() - close.size(), close.size(), close) == 0);

  const auto two = edit(kParams, {bytes_of(fox), bytes_of(webp)}, nullptr, true);
  REQUIRE(two.ok());
  CHECK(two.body.find("name=\"image[]\"; filename=\"image-1.png\"\r\nContent-Type: image/png") != std::string::npos);
  CHECK(two.body.find("name=\"image[]\"; filename=\"image-2.webp\"\r\nContent-Type: image/webp") != std::string::npos);
  CHECK(two.body.find("name=\"image\";") == std::string::npos);

  const auto https = edit(kParams, {url_of("https://example.com/a.png")}, nullptr, true);
  CHECK(https.param == "images[0]");
  CHECK(https.error.find("multipart upload cannot carry") != std::string::npos);
  // A data: URL is uploaded as its bytes.
  const auto data = edit(kParams, {url_of("data:image/png;base64," + b64(fox))}, nullptr, true);
  REQUIRE(data.ok());
  CHECK(data.body.find(std::string(fox.begin(), fox.end())) != std::string::npos);
}

TEST_CASE("base64 encode: the dispatching encoder equals the scalar reference at every length", "[base64][edit]") {
  std::mt19937 rng(18);
  for (size_t n = 0; n < 300; ++n) {
    Bytes in(n);
    for (auto& x : in) x = static_cast<uint8_t>(rng());
    for (bool pad : {true, false}) {
      for (Base64Alphabet a : {Base64Alphabet::standard, Base64Alphabet::url}) {
        std::string fast(base64_encoded_size(n, pad), '\0'), ref(base64_encoded_size(n, pad), '\0');
        fast.resize(encode_base64(in.data(), n, fast.data(), a, pad));
        ref.resize(encode_base64_scalar(in.data(), n, ref.data(), a, pad));
        REQUIRE(fast == ref);
        REQUIRE(fast.size() == base64_encoded_size(n, pad));
      }
    }
  }
  std::string s = "x";
  append_base64(s, reinterpret_cast<const uint8_t*>("foob"), 4);
  CHECK(s == "xZm9vYg==");
}
