#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/image_info.hpp"

using namespace imagegate;

namespace {
using Bytes = std::vector<uint8_t>;
void be32(Bytes& b, uint32_t v) { for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s)); }
void be16(Bytes& b, uint32_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); }
void le16(Bytes& b, uint32_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); }
void le24(Bytes& b, uint32_t v) { le16(b, v & 0xFFFF); b.push_back(uint8_t(v >> 16)); }
void le32(Bytes& b, uint32_t v) { le16(b, v & 0xFFFF); le16(b, v >> 16); }
void str(Bytes& b, const char* s) { while (*s) b.push_back(uint8_t(*s++)); }

Bytes png(uint32_t w, uint32_t h) {
  Bytes b = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  be32(b, 13);
  str(b, "IHDR");
  be32(b, w);
  be32(b, h);
  b.insert(b.end(), {8, 6, 0, 0, 0, 0, 0, 0, 0});
  return b;
}
Bytes jpeg(uint32_t w, uint32_t h, uint8_t sof = 0xC0) {
  Bytes b = {0xFF, 0xD8, 0xFF, 0xE0};
  be16(b, 16);
  str(b, "JFIF");
  b.insert(b.end(), {0, 1, 1, 0, 0, 1, 0, 1, 0, 0});
  b.insert(b.end(), {0xFF, 0xC4});  // a DHT segment first: not a SOF even though it is in C0..CF
  be16(b, 5);
  b.insert(b.end(), {0, 1, 2});
  b.insert(b.end(), {0xFF, 0xFF, sof});  // with a fill byte
  be16(b, 17);
  b.push_back(8);
  be16(b, h);
  be16(b, w);
  b.insert(b.end(), {3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
  b.insert(b.end(), {0xFF, 0xD9});
  return b;
}
Bytes riff(const char* chunk, const Bytes& payload) {
  Bytes b;
  str(b, "RIFF");
  le32(b, uint32_t(4 + 8 + payload.size()));
  str(b, "WEBP");
  str(b, chunk);
  le32(b, uint32_t(payload.size()));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
Bytes box(const char* type, const Bytes& body) {
  Bytes b;
  be32(b, uint32_t(8 + body.size()));
  str(b, type);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}
Bytes avif(uint32_t w, uint32_t h, const char* brand = "avif") {
  Bytes ftyp_body;
  str(ftyp_body, brand);
  be32(ftyp_body, 0);
  str(ftyp_body, "mif1");
  str(ftyp_body, "miaf");
  Bytes ispe_body = {0, 0, 0, 0};
  be32(ispe_body, w);
  be32(ispe_body, h);
  const Bytes ipco = box("ipco", box("ispe", ispe_body));
  const Bytes meta = box("meta", cat({Bytes{0, 0, 0, 0}, box("hdlr", Bytes(25, 0)), box("iprp", ipco)}));
  return cat({box("ftyp", ftyp_body), meta, box("mdat", Bytes(16, 0))});
}
ImageInfo sniff(const Bytes& b) { return sniff_image(b.data(), b.size()); }
}  // namespace

TEST_CASE("PNG, JPEG, GIF, WebP and AVIF: format, MIME type and size", "[sniff]") {
  auto check = [](const Bytes& b, ImageFormat f, uint32_t w, uint32_t h) {
    const ImageInfo i = sniff(b);
    CHECK(i.format == f);
    CHECK(i.width == w);
    CHECK(i.height == h);
  };
  check(png(640, 480), ImageFormat::png, 640, 480);
  check(png(1, 70000), ImageFormat::png, 1, 70000);
  check(jpeg(1024, 768), ImageFormat::jpeg, 1024, 768);
  check(jpeg(33, 17, 0xC2), ImageFormat::jpeg, 33, 17);  // progressive
  Bytes gif;
  str(gif, "GIF89a");
  le16(gif, 300);
  le16(gif, 200);
  gif.insert(gif.end(), {0, 0, 0});
  check(gif, ImageFormat::gif, 300, 200);
  Bytes vp8 = {0x9D, 0x01, 0x2A};  // frame tag (3 bytes) precedes the start code
  vp8.insert(vp8.begin(), {0x10, 0x02, 0x00});
  le16(vp8, 800);
  le16(vp8, 600);
  vp8.insert(vp8.end(), 8, 0);
  check(riff("VP8 ", vp8), ImageFormat::webp, 800, 600);
  Bytes vp8l = {0x2F};
  le32(vp8l, (64 - 1) | ((48 - 1) << 14));
  vp8l.insert(vp8l.end(), 4, 0);
  check(riff("VP8L", vp8l), ImageFormat::webp, 64, 48);
  Bytes vp8x = {0x10, 0, 0, 0};
  le24(vp8x, 4000 - 1);
  le24(vp8x, 3000 - 1);
  check(riff("VP8X", vp8x), ImageFormat::webp, 4000, 3000);
  check(avif(1920, 1080), ImageFormat::avif, 1920, 1080);
  check(avif(10, 20, "avis"), ImageFormat::avif, 10, 20);
  CHECK(std::string(mime_type(ImageFormat::webp)) == "image/webp");
  CHECK(std::string(mime_type(ImageFormat::unknown)) == "application/octet-stream");
  CHECK(std::string(to_string(ImageFormat::avif)) == "avif");
}

TEST_CASE("unknown formats are unknown, never guessed", "[sniff]") {
  auto unknown = [](const Bytes& b) { CHECK(sniff(b).format == ImageFormat::unknown); };
  unknown({});
  Bytes text;
  str(text, "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
  unknown(text);
  Bytes html;
  str(html, "<!DOCTYPE html><html>");
  unknown(html);
  unknown(riff("WAVE", Bytes(20, 0)));             // RIFF but no known WebP chunk
  unknown(avif(10, 10, "heic"));                   // ISO BMFF but not AVIF
  unknown(Bytes{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A});  // 7 of the 8 signature bytes
  unknown(Bytes{0xFF, 0xD8});
  CHECK(sniff_image(nullptr, 10).format == ImageFormat::unknown);
}

TEST_CASE("every truncation of every header is safe and never invents a size", "[sniff][errors]") {
  const std::vector<std::pair<Bytes, ImageFormat>> files = {
      {png(640, 480), ImageFormat::png}, {jpeg(640, 480), ImageFormat::jpeg}, {avif(640, 480), ImageFormat::avif},
      {riff("VP8X", Bytes{0, 0, 0, 0, 0x7F, 0x02, 0, 0xDF, 0x01, 0}), ImageFormat::webp}};
  for (const auto& [file, format] : files) {
    for (size_t n = 0; n < file.size(); ++n) {
      // A copy of exactly n bytes, so ASan catches any read past the end.
      const Bytes cut(file.begin(), file.begin() + n);
      const ImageInfo i = sniff(cut);
      CHECK((i.format == format || i.format == ImageFormat::unknown));
      if (i.width) {
        CHECK(i.width == 640);
        CHECK(i.height == 480);
      }
    }
  }
  std::mt19937 rng(5);
  for (int k = 0; k < 20000; ++k) {  // random mutations of real headers
    Bytes b = files[k % files.size()].first;
    for (int j = 0; j < 3; ++j) b[rng() % b.size()] = uint8_t(rng());
    b.resize(rng() % (b.size() + 1));
    (void)sniff(b);
  }
}

TEST_CASE("the fixture images are sniffed as what they are", "[sniff][fixtures]") {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/base64/gradient-48x32.png.b64");
  REQUIRE(f);
  std::string b64((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> bytes;
  REQUIRE(decode_base64(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), bytes).ok());
  const ImageInfo i = sniff_image(bytes.data(), bytes.size());
  CHECK(i.format == ImageFormat::png);
  CHECK(i.width == 48);
  CHECK(i.height == 32);
}
