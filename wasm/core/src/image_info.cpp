// Image sniffing from magic bytes. Every read is bounds-checked against `len`; a recognised format whose
// size fields are missing (truncated file) reports width = height = 0 rather than guessing.
#include "imagegate/image_info.hpp"

namespace imagegate {
namespace {

uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8); }
uint32_t le24(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16); }
bool tag(const uint8_t* p, const char* t) { return p[0] == t[0] && p[1] == t[1] && p[2] == t[2] && p[3] == t[3]; }

ImageInfo png(const uint8_t* d, size_t len) {
  ImageInfo info{ImageFormat::png, 0, 0};
  // Signature (8), then the first chunk must be IHDR: length (4) "IHDR" (4) width (4) height (4).
  if (len >= 24 && tag(d + 12, "IHDR")) {
    info.width = be32(d + 16);
    info.height = be32(d + 20);
  }
  return info;
}

ImageInfo jpeg(const uint8_t* d, size_t len) {
  ImageInfo info{ImageFormat::jpeg, 0, 0};
  size_t i = 2;
  while (i < len) {
    if (d[i] != 0xFF) return info;  // not at a marker: corrupt, give up (size unknown)
    while (i < len && d[i] == 0xFF) ++i;  // fill bytes
    if (i >= len) return info;
    const uint8_t m = d[i++];
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // markers without a length
    if (m == 0xD9 || m == 0xDA) return info;                           // EOI or scan data before any SOF
    if (i + 2 > len) return info;
    const size_t seg = be16(d + i);
    if (seg < 2) return info;
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (i + 7 > len) return info;  // length (2) precision (1) height (2) width (2)
      info.height = be16(d + i + 3);
      info.width = be16(d + i + 5);
      return info;
    }
    i += seg;
  }
  return info;
}

ImageInfo webp(const uint8_t* d, size_t len) {
  ImageInfo info{ImageFormat::webp, 0, 0};
  if (len < 16) return info;
  if (tag(d + 12, "VP8 ")) {
    // Frame header at 20: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
    if (len >= 30 && d[23] == 0x9D && d[24] == 0x01 && d[25] == 0x2A) {
      info.width = le16(d + 26) & 0x3FFF;
      info.height = le16(d + 28) & 0x3FFF;
    }
  } else if (tag(d + 12, "VP8L")) {
    if (len >= 25 && d[20] == 0x2F) {  // signature, then 14 bits width - 1, 14 bits height - 1
      const uint32_t bits = uint32_t(d[21]) | (uint32_t(d[22]) << 8) | (uint32_t(d[23]) << 16) | (uint32_t(d[24]) << 24);
      info.width = (bits & 0x3FFF) + 1;
      info.height = ((bits >> 14) & 0x3FFF) + 1;
    }
  } else if (tag(d + 12, "VP8X")) {
    if (len >= 30) {  // flags (4) reserved... canvas width - 1 (24 bits) at 24, height - 1 at 27
      info.width = le24(d + 24) + 1;
      info.height = le24(d + 27) + 1;
    }
  } else {
    info.format = ImageFormat::unknown;  // RIFF/WEBP with no known first chunk: not an image we can vouch for
  }
  return info;
}

// ISO BMFF box walk for AVIF: ftyp (brand avif/avis) ... meta > iprp > ipco > ispe (width, height).
struct Box {
  size_t body = 0, end = 0;
  const uint8_t* type = nullptr;
};
bool next_box(const uint8_t* d, size_t& pos, size_t end, Box& box) {
  if (pos + 8 > end) return false;
  uint64_t size = be32(d + pos);
  box.type = d + pos + 4;
  size_t header = 8;
  if (size == 1) {  // 64-bit largesize
    if (pos + 16 > end) return false;
    size = (uint64_t(be32(d + pos + 8)) << 32) | be32(d + pos + 12);
    header = 16;
  } else if (size == 0) {
    size = end - pos;  // to the end of the enclosing box
  }
  if (size < header || size > end - pos) return false;
  box.body = pos + header;
  box.end = pos + static_cast<size_t>(size);
  pos = box.end;
  return true;
}
bool find_child(const uint8_t* d, size_t begin, size_t end, const char* type, Box& out) {
  size_t pos = begin;
  Box b;
  while (next_box(d, pos, end, b)) {
    if (tag(b.type, type)) {
      out = b;
      return true;
    }
  }
  return false;
}

ImageInfo avif(const uint8_t* d, size_t len) {
  size_t pos = 0;
  Box ftyp;
  if (!next_box(d, pos, len, ftyp) || !tag(ftyp.type, "ftyp") || ftyp.end - ftyp.body < 8) return {};
  bool brand = tag(d + ftyp.body, "avif") || tag(d + ftyp.body, "avis");
  for (size_t b = ftyp.body + 8; !brand && b + 4 <= ftyp.end; b += 4) brand = tag(d + b, "avif") || tag(d + b, "avis");
  if (!brand) return {};
  ImageInfo info{ImageFormat::avif, 0, 0};
  Box meta, iprp, ipco, ispe;
  if (!find_child(d, ftyp.end, len, "meta", meta) || meta.end - meta.body < 4) return info;
  if (!find_child(d, meta.body + 4, meta.end, "iprp", iprp)) return info;  // meta is a full box: skip version/flags
  if (!find_child(d, iprp.body, iprp.end, "ipco", ipco)) return info;
  if (!find_child(d, ipco.body, ipco.end, "ispe", ispe) || ispe.end - ispe.body < 12) return info;
  info.width = be32(d + ispe.body + 4);
  info.height = be32(d + ispe.body + 8);
  return info;
}

}  // namespace

ImageInfo sniff_image(const uint8_t* d, size_t len) {
  if (!d) return {};
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (len >= 8) {
    bool is_png = true;
    for (int i = 0; i < 8; ++i) is_png = is_png && d[i] == kPng[i];
    if (is_png) return png(d, len);
  }
  if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return jpeg(d, len);
  if (len >= 12 && tag(d, "RIFF") && tag(d + 8, "WEBP")) return webp(d, len);
  if (len >= 6 && d[0] == 'G' && d[1] == 'I' && d[2] == 'F' && d[3] == '8' && (d[4] == '7' || d[4] == '9') && d[5] == 'a') {
    ImageInfo info{ImageFormat::gif, 0, 0};
    if (len >= 10) {
      info.width = le16(d + 6);
      info.height = le16(d + 8);
    }
    return info;
  }
  if (len >= 12 && tag(d + 4, "ftyp")) return avif(d, len);
  return {};
}

const char* mime_type(ImageFormat f) {
  switch (f) {
    case ImageFormat::png: return "image/png";
    case ImageFormat::jpeg: return "image/jpeg";
    case ImageFormat::webp: return "image/webp";
    case ImageFormat::gif: return "image/gif";
    case ImageFormat::avif: return "image/avif";
    case ImageFormat::unknown: break;
  }
  return "application/octet-stream";
}

const char* to_string(ImageFormat f) {
  switch (f) {
    case ImageFormat::png: return "png";
    case ImageFormat::jpeg: return "jpeg";
    case ImageFormat::webp: return "webp";
    case ImageFormat::gif: return "gif";
    case ImageFormat::avif: return "avif";
    case ImageFormat::unknown: break;
  }
  return "unknown";
}

}  // namespace imagegate
