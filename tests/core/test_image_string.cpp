// The images engine's two parts: ImageStringDecoder (one JSON string that may carry an image) and JsonImageScanner
// (where in a document such strings are). Chunk invariance at every split, and agreement with the data URL
// processor (decode_data_url, WHATWG mode) on the unescaped text.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "imagegate/data_url.hpp"
#include "imagegate/image_string.hpp"
#include "imagegate/json_image_scanner.hpp"

using namespace imagegate;

namespace {

struct Decoded {
  ImageStringFailure failure = ImageStringFailure::none;
  bool not_image = false;
  std::vector<uint8_t> bytes;
  std::string media_type;
  size_t consumed = 0;          // when the string ended or turned out not to be an image
  size_t failure_position = 0;
  bool operator==(const Decoded& o) const {
    return failure == o.failure && not_image == o.not_image && bytes == o.bytes && media_type == o.media_type &&
           consumed == o.consumed && failure_position == o.failure_position;
  }
};

// Feeds `text` (a JSON string's content and its closing quote) in pieces cut at `cuts`.
Decoded decode(ImageField field, const std::string& text, std::vector<size_t> cuts = {}) {
  Decoded d;
  ImageStringDecoder dec;
  dec.start(field, ImageOut::append_to(&d.bytes), 0);
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t from = 0;
  cuts.push_back(text.size());
  for (size_t at : cuts) {
    while (from < at) {
      const size_t n = dec.feed(p + from, at - from, from);
      from += n;
      if (dec.ended() || dec.verdict() == ImageStringDecoder::Verdict::not_image ||
          dec.failure() == ImageStringFailure::invalid_json)
        goto done;
    }
  }
done:
  dec.out().close();
  d.failure = dec.failure();
  d.not_image = dec.verdict() == ImageStringDecoder::Verdict::not_image;
  d.media_type = dec.media_type();
  d.consumed = d.failure == ImageStringFailure::invalid_json ? 0 : from;
  d.failure_position = dec.failure_position();
  if (d.failure != ImageStringFailure::none || d.not_image) d.bytes.clear();
  return d;
}

}  // namespace

TEST_CASE("image strings: every split point gives what one piece gives", "[image_string]") {
  const std::vector<std::pair<ImageField, std::string>> cases = {
      {ImageField::url, "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==\""},
      {ImageField::url, "d\\u0061ta:image/png;base64,iVBOR\\u0077\\/0KGgo\\nAAAA%2BNSUhEUg\"tail"},
      {ImageField::url, "DATA:IMAGE/PNG;BASE64,%69%56%42%4F%52%77%3D%3D\""},
      {ImageField::url, "data:image/png;base64,iVBOR!w0\""},
      {ImageField::url, "data:image/png;base64,iVBORw0#frag\\u00e9\""},
      {ImageField::url, "data:,caf\\u00e9%20\\ud83d\\ude00 \\u0001\""},
      {ImageField::url, "https://example.com/a.png\""},
      {ImageField::url, "data:image/png;base64,iVBO\\x\""},   // an invalid escape
      {ImageField::url, "data:image/png;base64,iVBO\xc3\x28\""},  // invalid UTF-8
      {ImageField::base64, "iVBORw0K\\/\\r\\nGgo=\""},
      {ImageField::base64, "iVBORw0K%41\""},
  };
  for (const auto& [field, text] : cases) {
    INFO(text);
    const Decoded whole = decode(field, text);
    for (size_t cut = 1; cut < text.size(); ++cut) {
      INFO("cut at " << cut);
      CHECK(decode(field, text, {cut}) == whole);
    }
    for (size_t a = 1; a + 1 < text.size(); a += 3) CHECK(decode(field, text, {a, a + 1}) == whole);
  }
  // What the cases mean.
  CHECK(decode(ImageField::url, cases[1].second).bytes == decode(ImageField::url, "data:image/png;base64,iVBORw/0KGgoAAAA+NSUhEUg\"").bytes);
  CHECK(decode(ImageField::url, cases[2].second).media_type == "image/png");
  CHECK(decode(ImageField::url, cases[3].second).failure == ImageStringFailure::bad_base64);
  CHECK(decode(ImageField::url, cases[6].second).not_image);
  CHECK(decode(ImageField::url, cases[7].second).failure == ImageStringFailure::invalid_json);
  CHECK(decode(ImageField::url, cases[8].second).failure == ImageStringFailure::invalid_json);
  CHECK(decode(ImageField::base64, cases[10].second).failure == ImageStringFailure::bad_base64);  // no percent-decoding in b64_json
}

TEST_CASE("image strings: data URLs read exactly as the WHATWG processor reads the unescaped text", "[image_string]") {
  const std::vector<std::string> urls = {
      "data:image/png;base64,iVBORw0KGgo=",   "data:;base64,QUJD",           "data:base64,QUJD",
      "data:image/png; base64,QU JD",         "data:image/png;base64 ,QUJD", "  data:text/plain,a b  ",
      "data:image/png;base64,QUJD%",          "data:image/png;base64,QU%zzJD", "data:,100%zz%41",
      "data:image/png;base64,QUJ",            "data:image/png;base64,Q",     "data:image/png;base64,QUJD#x",
      "data:image/png;x=\"a;base64\",QUJD",   "data:image;base64,QUJD",      "data:image/png;base64",
      "data:/x;base64,QUJD",                  "data:image/png;base64,QU\x01JD", "data:image/png;base64,QUJD\x01",
      "data:text/plain;charset=utf-8,%E2%82%AC", "data:" + std::string(5000, 'a') + ";base64,QUJD",
  };
  for (const std::string& url : urls) {
    INFO(url);
    std::string json;  // the URL as JSON string content: controls as \u escapes
    for (unsigned char c : url) {
      if (c == '"' || c == '\\') {
        json += '\\';
        json += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        json += buf;
      } else {
        json += static_cast<char>(c);
      }
    }
    json += '"';
    std::vector<uint8_t> expected;
    const DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(url.data()), url.size(), expected, DataUrlMode::whatwg);
    const Decoded d = decode(ImageField::url, json);
    if (r.ok()) {
      REQUIRE(d.failure == ImageStringFailure::none);
      CHECK(d.bytes == expected);
      CHECK(d.media_type == r.url.media_type);
    } else {
      CHECK(d.failure != ImageStringFailure::none);
    }
  }
}

TEST_CASE("image scanner: images are found by their path, in the document's own structure", "[image_string]") {
  std::string doc =
      "{\"choices\":[{\"message\":{\"content\":\"data:image/png;base64,QUJD\",\"images\":[\"data:,x\","
      "{\"image_url\":\"data:,y\"},{\"url\":\"data:,z\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://e/x\"}},"
      "{\"image_url\":{\"url\":\"data:;base64,QUJD\"}}]}}],\"url\":\"data:,no\"}";
  JsonImageScanner s(ImageTarget::chat_message, JsonImageScanner::Output::in_place);
  s.feed_in_place(reinterpret_cast<uint8_t*>(doc.data()), doc.size());
  REQUIRE_FALSE(s.failed());
  REQUIRE(s.images().size() == 4);  // the content text, the remote URL and the root "url" are not images
  std::vector<std::string> got;
  for (const auto& img : s.images()) got.push_back(doc.substr(img.content, img.length));
  CHECK(got == std::vector<std::string>{"x", "y", "z", "ABC"});
  CHECK(s.images()[3].path.size() == 7);
  CHECK(s.images()[3].path[4].index == 4);
  CHECK(s.skeleton().find("https://e/x") != std::string::npos);
  CHECK(s.skeleton().find("data:image/png;base64,QUJD") != std::string::npos);
}
