#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
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

// ------------------------------------------------------------------------------------- orientation and display

namespace {
Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}
// A TIFF block with IFD0 = the given entries (tag, type, count, value as a 16-bit SHORT in the value field).
struct Entry { uint16_t tag, type; uint32_t count; uint16_t value; };
Bytes tiff(bool le, std::initializer_list<Entry> entries) {
  Bytes b;
  auto u16 = [&](uint32_t v) { le ? le16(b, v) : be16(b, v); };
  auto u32 = [&](uint32_t v) { le ? le32(b, v) : be32(b, v); };
  str(b, le ? "II" : "MM");
  u16(42);
  u32(8);
  u16(uint32_t(entries.size()));
  for (const Entry& e : entries) {
    u16(e.tag);
    u16(e.type);
    u32(e.count);
    u16(e.value);  // SHORT values are left-justified in the 4-byte value field
    u16(0);
  }
  u32(0);
  return b;
}
Bytes app1_exif(const Bytes& t) {
  Bytes b = {0xFF, 0xE1};
  be16(b, uint32_t(2 + 6 + t.size()));
  b.insert(b.end(), {'E', 'x', 'i', 'f', 0, 0});
  b.insert(b.end(), t.begin(), t.end());
  return b;
}
// jpeg(w, h) with `seg` inserted right after SOI.
Bytes jpeg_with(const Bytes& seg, uint32_t w = 40, uint32_t h = 30) {
  Bytes b = jpeg(w, h);
  b.insert(b.begin() + 2, seg.begin(), seg.end());
  return b;
}
Bytes png_chunk(const char* type, const Bytes& data) {
  Bytes b;
  be32(b, uint32_t(data.size()));
  str(b, type);
  b.insert(b.end(), data.begin(), data.end());
  be32(b, 0);  // CRC (not checked)
  return b;
}
Bytes full_box(const char* type, uint8_t version, const Bytes& body) {
  Bytes b = {version, 0, 0, 0};
  b.insert(b.end(), body.begin(), body.end());
  return box(type, b);
}
// An AVIF whose primary item is `primary`, with ipco = `props` and ipma: item id -> property indexes.
Bytes avif_items(uint16_t primary, const std::vector<Bytes>& props,
                 const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& assoc) {
  Bytes ftyp_body;
  str(ftyp_body, "avif");
  be32(ftyp_body, 0);
  str(ftyp_body, "mif1");
  Bytes pitm;
  be16(pitm, primary);
  Bytes ipco_body;
  for (const Bytes& p : props) ipco_body.insert(ipco_body.end(), p.begin(), p.end());
  Bytes ipma;
  be32(ipma, uint32_t(assoc.size()));
  for (const auto& [item, idx] : assoc) {
    be16(ipma, item);
    ipma.push_back(uint8_t(idx.size()));
    for (uint8_t i : idx) ipma.push_back(i);
  }
  const Bytes iprp = box("iprp", cat({box("ipco", ipco_body), full_box("ipma", 0, ipma)}));
  const Bytes meta = full_box("meta", 0, cat({box("hdlr", Bytes(25, 0)), full_box("pitm", 0, pitm), iprp}));
  return cat({box("ftyp", ftyp_body), meta, box("mdat", Bytes(16, 0))});
}
Bytes ispe(uint32_t w, uint32_t h) {
  Bytes b;
  be32(b, w);
  be32(b, h);
  return full_box("ispe", 0, b);
}
Bytes clap(std::initializer_list<int32_t> v) {
  Bytes b;
  for (int32_t x : v) be32(b, uint32_t(x));
  return box("clap", b);
}
void check_display(const ImageInfo& i, uint8_t orientation, uint32_t dw, uint32_t dh) {
  CHECK(int(i.orientation) == int(orientation));
  CHECK(i.display_width == dw);
  CHECK(i.display_height == dh);
}
}  // namespace

TEST_CASE("the display fixtures report what Chromium shows (tests/fixtures/images/display.json)", "[sniff][fixtures]") {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/images/display.json");
  REQUIRE(f);
  const nlohmann::json doc = nlohmann::json::parse(f);
  REQUIRE(doc["files"].size() >= 34);
  for (const auto& [name, e] : doc["files"].items()) {
    INFO(name);
    const Bytes bytes = read_file(std::string(IMAGEGATE_FIXTURES) + "/images/display/" + name);
    REQUIRE(!bytes.empty());
    const ImageInfo i = sniff(bytes);
    CHECK(std::string(to_string(i.format)) == e["format"].get<std::string>());
    CHECK(i.width == e["width"].get<uint32_t>());
    CHECK(i.height == e["height"].get<uint32_t>());
    check_display(i, e["orientation"].get<uint8_t>(), e["displayWidth"].get<uint32_t>(), e["displayHeight"].get<uint32_t>());
    // Every truncation is safe and never invents a size; orientation stays within 1..8.
    for (size_t n = 0; n < bytes.size(); ++n) {
      const Bytes cut(bytes.begin(), bytes.begin() + n);
      const ImageInfo c = sniff(cut);
      CHECK((c.width == 0 || c.width == i.width));
      CHECK((c.orientation >= 1 && c.orientation <= 8));
      if (!c.width || !c.height) CHECK((c.display_width == 0 && c.display_height == 0));
    }
  }
}

TEST_CASE("images without orientation data: display size = stored size, orientation 1", "[sniff]") {
  check_display(sniff(png(640, 480)), 1, 640, 480);
  check_display(sniff(jpeg(1024, 768)), 1, 1024, 768);
  check_display(sniff(avif(1920, 1080)), 1, 1920, 1080);
  Bytes vp8x = {0x10, 0, 0, 0};
  le24(vp8x, 4000 - 1);
  le24(vp8x, 3000 - 1);
  check_display(sniff(riff("VP8X", vp8x)), 1, 4000, 3000);
  check_display(sniff(png(640, 480)), 1, 640, 480);
  check_display(sniff(Bytes{}), 1, 0, 0);
  check_display(sniff(png(0, 480)), 1, 0, 0);  // a zero stored side displays nothing
  for (const auto& f : {"fox-64x48.jpg", "fox-64x48.png", "fox-64x48.webp"})
    check_display(sniff(read_file(std::string(IMAGEGATE_FIXTURES) + "/images/" + f)), 1, 64, 48);
}

TEST_CASE("JPEG EXIF orientation: both byte orders, SHORT count 1, values 1..8, first EXIF APP1 only", "[sniff]") {
  for (bool le : {false, true}) {
    for (uint16_t o = 1; o <= 8; ++o) {
      INFO("le " << le << " orientation " << o);
      const ImageInfo i = sniff(jpeg_with(app1_exif(tiff(le, {{0x010F, 2, 1, 0}, {0x0112, 3, 1, o}}))));
      CHECK(i.width == 40);  // stored size unchanged
      CHECK(i.height == 30);
      check_display(i, uint8_t(o), o >= 5 ? 30 : 40, o >= 5 ? 40 : 30);
    }
  }
  check_display(sniff(jpeg_with(app1_exif(tiff(false, {{0x0112, 3, 1, 9}})))), 1, 40, 30);   // out of range
  check_display(sniff(jpeg_with(app1_exif(tiff(false, {{0x0112, 3, 1, 0}})))), 1, 40, 30);
  check_display(sniff(jpeg_with(app1_exif(tiff(false, {{0x0112, 4, 1, 6}})))), 1, 40, 30);   // LONG, not SHORT
  check_display(sniff(jpeg_with(app1_exif(tiff(false, {{0x0112, 3, 2, 6}})))), 1, 40, 30);   // count 2
  // A later orientation entry after a malformed one still counts (the first well-typed entry wins).
  check_display(sniff(jpeg_with(app1_exif(tiff(true, {{0x0112, 4, 1, 3}, {0x0112, 3, 1, 6}})))), 6, 30, 40);
  // Not EXIF: a bad TIFF magic, an XMP APP1, a TIFF block whose IFD offset points past the segment.
  Bytes bad = tiff(false, {{0x0112, 3, 1, 6}});
  bad[3] = 43;
  check_display(sniff(jpeg_with(app1_exif(bad))), 1, 40, 30);
  Bytes far = tiff(false, {{0x0112, 3, 1, 6}});
  far[7] = 200;
  check_display(sniff(jpeg_with(app1_exif(far))), 1, 40, 30);
  Bytes xmp = {0xFF, 0xE1};
  be16(xmp, 2 + 29);
  str(xmp, "http://ns.adobe.com/xap/1.0/");
  xmp.push_back(0);
  check_display(sniff(jpeg_with(cat({xmp, app1_exif(tiff(false, {{0x0112, 3, 1, 6}}))}))), 6, 30, 40);
  // Two EXIF segments: the first decides, even without an orientation (as Chromium; fixture
  // jpeg-two-exif-second-6.jpg shows it in the browser).
  check_display(sniff(jpeg_with(cat({app1_exif(tiff(false, {{0x010F, 2, 1, 0}})),
                                     app1_exif(tiff(false, {{0x0112, 3, 1, 6}}))}))), 1, 40, 30);
  // EXIF after the SOF still counts (libjpeg reads every marker before SOS); after SOS it does not.
  Bytes after_sof = jpeg(40, 30);
  const Bytes exif6 = app1_exif(tiff(false, {{0x0112, 3, 1, 6}}));
  after_sof.insert(after_sof.end() - 2, exif6.begin(), exif6.end());  // before the final EOI
  check_display(sniff(after_sof), 6, 30, 40);
  Bytes after_sos = jpeg(40, 30);
  after_sos.insert(after_sos.end() - 2, {0xFF, 0xDA, 0, 2});
  after_sos.insert(after_sos.end() - 2, exif6.begin(), exif6.end());
  check_display(sniff(after_sos), 1, 40, 30);
  // An EXIF segment cut short by the end of the buffer is not read; the size still is when it came first.
  Bytes cut = jpeg(40, 30);
  cut.insert(cut.end(), exif6.begin(), exif6.end() - 3);
  check_display(sniff(cut), 1, 40, 30);
}

TEST_CASE("JPEG: garbage between segments is skipped to the next marker, as libjpeg does", "[sniff][errors]") {
  // Regression: this used to report 0x0 (the walk gave up at the first byte that was not 0xFF).
  const Bytes exif6 = app1_exif(tiff(false, {{0x0112, 3, 1, 6}}));
  Bytes b = jpeg_with(cat({exif6, Bytes{0x00, 0x12, 'j', 'u', 'n', 'k'}}));
  check_display(sniff(b), 6, 30, 40);
  CHECK(sniff(b).width == 40);
  // Garbage containing 0xFF 0x00 (a stuffed zero, not a marker) and fill bytes before the marker, after APP0.
  b = jpeg(40, 30);
  const Bytes junk = {0x41, 0xFF, 0x00, 0x42, 0xFF, 0xFF};
  b.insert(b.begin() + 20, junk.begin(), junk.end());  // APP0 (JFIF) is bytes 2..19
  CHECK(sniff(b).width == 40);
  CHECK(sniff(b).height == 30);
  // Right after SOI it is no JPEG at all: browsers (and this sniffer) want FF D8 FF.
  CHECK(sniff(jpeg_with(Bytes{0x00, 0x00, 0x00})).format == ImageFormat::unknown);
  const Bytes only_garbage = {0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(sniff(only_garbage).format == ImageFormat::jpeg);
  CHECK(sniff(only_garbage).width == 0);
  CHECK(sniff(only_garbage).display_width == 0);
}

TEST_CASE("PNG eXIf orientation: before IDAT only, first chunk only, whole only", "[sniff]") {
  const Bytes base = png(50, 20);
  const Bytes idat = png_chunk("IDAT", Bytes(10, 0));
  const Bytes exif6 = png_chunk("eXIf", tiff(false, {{0x0112, 3, 1, 6}}));
  const Bytes exif3 = png_chunk("eXIf", tiff(true, {{0x0112, 3, 1, 3}}));
  const Bytes text = png_chunk("tEXt", {'a', 0, 'b'});
  check_display(sniff(cat({base, text, exif6, idat})), 6, 20, 50);
  check_display(sniff(cat({base, exif3, idat})), 3, 50, 20);
  check_display(sniff(cat({base, idat, exif6})), 1, 50, 20);        // after IDAT: not read at header time
  check_display(sniff(cat({base, exif3, exif6, idat})), 3, 50, 20);  // the first eXIf
  const Bytes whole = cat({base, exif6});
  check_display(sniff(Bytes(whole.begin(), whole.end() - 5)), 1, 50, 20);  // eXIf data cut short
  check_display(sniff(cat({base, png_chunk("eXIf", Bytes{}), idat})), 1, 50, 20);  // empty eXIf
  Bytes huge = base;  // a chunk length beyond the buffer ends the walk
  be32(huge, 0xFFFFFFF0u);
  str(huge, "tEXt");
  check_display(sniff(huge), 1, 50, 20);
}

TEST_CASE("WebP EXIF is not applied (Chromium does not), GIF has none", "[sniff]") {
  Bytes vp8x = {0x08, 0, 0, 0};  // EXIF flag
  le24(vp8x, 50 - 1);
  le24(vp8x, 20 - 1);
  Bytes file = riff("VP8X", vp8x);
  const Bytes t = tiff(false, {{0x0112, 3, 1, 6}});
  str(file, "EXIF");
  le32(file, uint32_t(t.size()));
  file.insert(file.end(), t.begin(), t.end());
  check_display(sniff(file), 1, 50, 20);
}

TEST_CASE("AVIF: the primary item's irot/imir as EXIF orientation, clap at the origin as the display size", "[sniff]") {
  const Bytes irot1 = box("irot", {1}), irot2 = box("irot", {2}), irot3 = box("irot", {3});
  const Bytes imir0 = box("imir", {0}), imir1 = box("imir", {1});
  struct Case { std::vector<Bytes> transforms; uint8_t orientation; };
  const std::vector<Case> cases = {
      {{}, 1},           {{irot1}, 8},        {{irot2}, 3},        {{irot3}, 6},        {{imir0}, 4},
      {{imir1}, 2},      {{irot1, imir0}, 5}, {{irot2, imir0}, 2}, {{irot3, imir0}, 7}, {{irot1, imir1}, 7},
      {{irot2, imir1}, 4}, {{irot3, imir1}, 5}, {{box("irot", {0})}, 1}, {{box("irot", {0xFD})}, 8}};  // angle = low 2 bits
  for (const Case& c : cases) {
    std::vector<Bytes> props = {ispe(64, 48)};
    std::vector<uint8_t> idx = {1};
    for (const Bytes& t : c.transforms) {
      props.push_back(t);
      idx.push_back(uint8_t(props.size()));
    }
    const ImageInfo i = sniff(avif_items(1, props, {{1, idx}}));
    INFO("expected orientation " << int(c.orientation));
    CHECK(i.width == 64);
    CHECK(i.height == 48);
    check_display(i, c.orientation, c.orientation >= 5 ? 48 : 64, c.orientation >= 5 ? 64 : 48);
  }
  // Only the primary item counts: item 2 (say a thumbnail) has its own ispe and an irot.
  const ImageInfo i = sniff(avif_items(1, {ispe(32, 24), irot1, ispe(640, 480)}, {{2, {1, 2}}, {1, {3}}}));
  CHECK(i.width == 640);
  check_display(i, 1, 640, 480);
  // The 0x80 "essential" bit of an association is not part of the index.
  check_display(sniff(avif_items(1, {ispe(64, 48), irot1}, {{1, {0x81, 0x82}}})), 8, 48, 64);
  // No pitm/ipma to go by: the first ispe, as before, and no transforms.
  check_display(sniff(avif(1920, 1080)), 1, 1920, 1080);

  // clap: libavif's rectangle, applied only when it starts at the origin.
  auto with_clap = [&](std::initializer_list<int32_t> v, const std::vector<Bytes>& more = {}) {
    std::vector<Bytes> props = {ispe(32, 20), clap(v)};
    std::vector<uint8_t> idx = {1, 2};
    for (const Bytes& t : more) {
      props.push_back(t);
      idx.push_back(uint8_t(props.size()));
    }
    return sniff(avif_items(1, props, {{1, idx}}));
  };
  check_display(with_clap({20, 1, 12, 1, -6, 1, -4, 1}), 1, 20, 12);      // origin
  check_display(with_clap({40, 2, 24, 2, -12, 2, -8, 2}), 1, 20, 12);     // the same in halves
  check_display(with_clap({20, 1, 12, 1, -6, 1, -4, 1}, {irot1}), 8, 12, 20);  // crop, then rotate
  check_display(with_clap({32, 1, 20, 1, 0, 1, 0, 1}), 1, 32, 20);        // the whole image
  check_display(with_clap({20, 1, 12, 1, 0, 1, 0, 1}), 1, 32, 20);        // centred (x 6, y 4): not applied
  check_display(with_clap({20, 1, 12, 1, -4, 1, -4, 1}), 1, 32, 20);      // x 2: not applied
  check_display(with_clap({21, 2, 12, 1, -6, 1, -4, 1}), 1, 32, 20);      // width not an integer: invalid
  check_display(with_clap({40, 1, 12, 1, -6, 1, -4, 1}), 1, 32, 20);      // wider than the image
  check_display(with_clap({20, 0, 12, 1, -6, 1, -4, 1}), 1, 32, 20);      // zero denominator
  check_display(with_clap({0, 1, 12, 1, -16, 1, -4, 1}), 1, 32, 20);      // empty
  check_display(with_clap({-20, 1, 12, 1, -6, 1, -4, 1}), 1, 32, 20);     // negative width
  check_display(with_clap({20, 1, 12, 1, int32_t(0x80000000), -1, -4, 1}), 1, 32, 20);  // denominator > INT32_MAX
}

namespace {
// EXIF with IFD0 = orientation (optional), XResolution, YResolution, ResolutionUnit, an Exif IFD pointer; the Exif
// IFD = PixelXDimension, PixelYDimension (type SHORT or LONG). Big-endian.
Bytes density_exif(uint32_t xnum, uint32_t xden, uint32_t ynum, uint32_t yden, uint16_t unit, uint32_t px, uint32_t py,
                   uint16_t pixel_type = 3, uint16_t orientation = 0) {
  Bytes b;
  str(b, "MM");
  be16(b, 42);
  be32(b, 8);
  const uint32_t n0 = orientation ? 5 : 4;
  const uint32_t ifd0_end = 8 + 2 + 12 * n0 + 4;
  const uint32_t rat = ifd0_end, exif_ifd = rat + 16;
  be16(b, n0);
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value, bool shortv) {
    be16(b, tag);
    be16(b, type);
    be32(b, count);
    if (shortv) { be16(b, value); be16(b, 0); } else be32(b, value);
  };
  if (orientation) entry(0x0112, 3, 1, orientation, true);
  entry(0x011A, 5, 1, rat, false);
  entry(0x011B, 5, 1, rat + 8, false);
  entry(0x0128, 3, 1, unit, true);
  entry(0x8769, 4, 1, exif_ifd, false);
  be32(b, 0);
  be32(b, xnum); be32(b, xden); be32(b, ynum); be32(b, yden);
  be16(b, 2);
  entry(0xA002, pixel_type, 1, px, pixel_type == 3);
  entry(0xA003, pixel_type, 1, py, pixel_type == 3);
  be32(b, 0);
  return b;
}
}  // namespace

TEST_CASE("JPEG EXIF density-corrected size, as Chromium lays it out", "[sniff]") {
  auto j = [](const Bytes& t) { return sniff(jpeg_with(app1_exif(t), 32, 20)); };
  check_display(j(density_exif(144, 1, 144, 1, 2, 16, 10)), 1, 16, 10);
  check_display(j(density_exif(1440, 10, 288, 2, 2, 16, 10)), 1, 16, 10);          // any fraction
  check_display(j(density_exif(144, 1, 144, 1, 2, 16, 10, 4)), 1, 16, 10);        // LONG pixel dimensions
  check_display(j(density_exif(144, 1, 144, 1, 2, 16, 10, 3, 6)), 6, 10, 16);     // then rotated
  check_display(j(density_exif(144, 1, 72, 1, 2, 16, 20)), 1, 16, 20);            // per axis
  check_display(j(density_exif(100, 1, 100, 1, 2, 23, 14)), 1, 23, 14);           // 23.04 x 14.4 rounded
  check_display(j(density_exif(100, 1, 100, 1, 2, 23, 15)), 1, 32, 20);           // 14.4 is not 15
  check_display(j(density_exif(100, 1, 100, 1, 2, 24, 14)), 1, 32, 20);           // 23.04 is not 24
  check_display(j(density_exif(90, 1, 90, 1, 2, 26, 16)), 1, 26, 16);             // 25.6 rounds up
  check_display(j(density_exif(90, 1, 90, 1, 2, 25, 16)), 1, 32, 20);
  check_display(j(density_exif(36, 1, 36, 1, 2, 64, 40)), 1, 64, 40);             // below 72 dpi: larger
  check_display(j(density_exif(72, 1, 72, 1, 2, 32, 20)), 1, 32, 20);             // 72 dpi: the stored size
  check_display(j(density_exif(144, 1, 144, 1, 3, 16, 10)), 1, 32, 20);           // centimetres: not applied
  check_display(j(density_exif(144, 1, 144, 1, 1, 16, 10)), 1, 32, 20);           // no unit
  check_display(j(density_exif(0, 1, 144, 1, 2, 16, 10)), 1, 32, 20);             // zero resolution
  check_display(j(density_exif(144, 0, 144, 1, 2, 16, 10)), 1, 32, 20);           // zero denominator
  check_display(j(density_exif(3000, 1, 3000, 1, 2, 0, 0)), 1, 32, 20);           // zero pixel dimensions
  check_display(j(density_exif(0xFFFFFFFFu, 1, 0xFFFFFFFFu, 1, 2, 0, 0)), 1, 32, 20);
  check_display(j(density_exif(1, 0xFFFFFFFFu, 1, 0xFFFFFFFFu, 2, 1, 1)), 1, 32, 20);  // huge, no overflow
  // The stored size stays what SOF says.
  CHECK(j(density_exif(144, 1, 144, 1, 2, 16, 10)).width == 32);
  // PNG eXIf with the same EXIF: Chromium applies no density there.
  check_display(sniff(cat({png(32, 20), png_chunk("eXIf", density_exif(144, 1, 144, 1, 2, 16, 10)),
                           png_chunk("IDAT", Bytes(4, 0))})), 1, 32, 20);
}
