// Image sniffing from magic bytes. Every read is bounds-checked against `len`; a recognised format whose
// size fields are missing (truncated file) reports width = height = 0 rather than guessing. Orientation and
// display size follow what Chromium shows (tests/browser/sniff.test.mjs checks them against its naturalWidth,
// naturalHeight and rendering on the fixtures in tests/fixtures/images/display/).
#include "imagegate/image_info.hpp"

namespace imagegate {
namespace {

uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8); }
uint32_t le24(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16); }
uint32_t le32(const uint8_t* p) { return le16(p) | (le16(p + 2) << 16); }
bool tag(const uint8_t* p, const char* t) { return p[0] == t[0] && p[1] == t[1] && p[2] == t[2] && p[3] == t[3]; }

// What Chromium takes from an EXIF (TIFF) block: "II*\0" or "MM\0*", IFD0 at the offset the header gives (from
// the TIFF start). The orientation is the first IFD0 entry with tag 0x0112 of type SHORT and count 1, when it is
// 1..8. For the density-corrected size: XResolution and YResolution (0x011A/0x011B, RATIONAL), ResolutionUnit
// (0x0128, SHORT) in IFD0, PixelXDimension and PixelYDimension (0xA002/0xA003, SHORT or LONG) in the Exif IFD
// (pointer 0x8769). Entries past the end of the block are not read.
struct Exif {
  uint8_t orientation = 1;
  uint32_t x_num = 0, x_den = 0, y_num = 0, y_den = 0, unit = 0, pixel_x = 0, pixel_y = 0;
};
struct Tiff {
  const uint8_t* t;
  size_t n;
  bool le;
  uint32_t u16(size_t o) const { return le ? le16(t + o) : be16(t + o); }
  uint32_t u32(size_t o) const { return le ? le32(t + o) : be32(t + o); }
  // Calls f(tag, type, count, entry offset) for each whole entry of the IFD at `ifd`.
  template <typename F>
  void each(uint32_t ifd, F f) const {
    if (ifd > n || n - ifd < 2) return;
    const uint32_t count = u16(ifd);
    size_t e = size_t(ifd) + 2;
    for (uint32_t k = 0; k < count && n - e >= 12; ++k, e += 12)
      if (!f(u16(e), u16(e + 2), u32(e + 4), e)) return;
  }
};
Exif read_exif(const uint8_t* t, size_t n) {
  Exif x;
  if (n < 8) return x;
  Tiff tf{t, n, false};
  if (t[0] == 'I' && t[1] == 'I') tf.le = true;
  else if (t[0] == 'M' && t[1] == 'M') tf.le = false;
  else return x;
  if (tf.u16(2) != 42) return x;
  bool have_orientation = false;
  uint32_t exif_ifd = 0;
  auto rational = [&](size_t e, uint32_t& num, uint32_t& den) {  // the value field holds the offset of 8 bytes
    const uint32_t off = tf.u32(e + 8);
    if (off > n || n - off < 8) return;
    num = tf.u32(off);
    den = tf.u32(off + 4);
  };
  tf.each(tf.u32(4), [&](uint32_t tag, uint32_t type, uint32_t count, size_t e) {
    if (tag == 0x0112 && !have_orientation && type == 3 && count == 1) {
      have_orientation = true;
      const uint32_t v = tf.u16(e + 8);
      if (v >= 1 && v <= 8) x.orientation = uint8_t(v);
    } else if (tag == 0x011A && type == 5 && count == 1) {
      rational(e, x.x_num, x.x_den);
    } else if (tag == 0x011B && type == 5 && count == 1) {
      rational(e, x.y_num, x.y_den);
    } else if (tag == 0x0128 && type == 3 && count == 1) {
      x.unit = tf.u16(e + 8);
    } else if (tag == 0x8769 && (type == 4 || type == 13) && count == 1) {
      exif_ifd = tf.u32(e + 8);
    }
    return true;
  });
  if (exif_ifd) {
    tf.each(exif_ifd, [&](uint32_t tag, uint32_t type, uint32_t count, size_t e) {
      if ((tag == 0xA002 || tag == 0xA003) && count == 1 && (type == 3 || type == 4))
        (tag == 0xA002 ? x.pixel_x : x.pixel_y) = type == 3 ? tf.u16(e + 8) : tf.u32(e + 8);
      return true;
    });
  }
  return x;
}

// Chromium's density-corrected size (JPEG only; the HTML "preferred density-corrected natural size"): with the
// resolution in inches, when PixelXDimension/PixelYDimension equal the stored size scaled by 72 / resolution
// (rounded), the image is laid out at that size. Returns false when the EXIF does not qualify.
bool density_corrected(const Exif& x, uint32_t w, uint32_t h, uint32_t& dw, uint32_t& dh) {
  if (x.unit != 2 || !x.x_num || !x.x_den || !x.y_num || !x.y_den || !x.pixel_x || !x.pixel_y) return false;
  // round(side * 72 / (num / den)) = round(side * 72 * den / num), exact in 64 bits for sides below 2^24.
  if (w >= (1u << 24) || h >= (1u << 24)) return false;
  auto scaled = [](uint32_t side, uint32_t num, uint32_t den) {
    const uint64_t a = uint64_t(side) * 72u * den;
    return (2 * a + num) / (2 * uint64_t(num));
  };
  if (scaled(w, x.x_num, x.x_den) != x.pixel_x || scaled(h, x.y_num, x.y_den) != x.pixel_y) return false;
  dw = x.pixel_x;
  dh = x.pixel_y;
  return true;
}

ImageInfo png(const uint8_t* d, size_t len) {
  ImageInfo info{ImageFormat::png, 0, 0};
  // Signature (8), then the first chunk must be IHDR: length (4) "IHDR" (4) width (4) height (4).
  if (len >= 24 && tag(d + 12, "IHDR")) {
    info.width = be32(d + 16);
    info.height = be32(d + 20);
  } else {
    return info;
  }
  // An eXIf chunk before the first IDAT (where libpng and Chromium read it: a header-time chunk) gives the
  // orientation; its data is a TIFF block. Only the first eXIf counts, and only when it is whole.
  size_t pos = 8 + 8 + 13 + 4;  // after IHDR and its CRC
  while (pos <= len && len - pos >= 8) {
    const uint32_t n = be32(d + pos);
    const uint8_t* type = d + pos + 4;
    if (tag(type, "IDAT") || tag(type, "IEND") || n > 0x7FFFFFFFu) break;
    if (size_t(n) > len - pos - 8) break;  // chunk data runs past the buffer
    if (tag(type, "eXIf")) {
      info.orientation = read_exif(d + pos + 8, n).orientation;  // Chromium applies no density from PNG EXIF
      break;
    }
    if (size_t(n) + 4 > len - pos - 8) break;  // no room for the CRC: nothing follows
    pos += 8 + size_t(n) + 4;
  }
  return info;
}

ImageInfo jpeg(const uint8_t* d, size_t len) {
  ImageInfo info{ImageFormat::jpeg, 0, 0};
  // The marker walk of libjpeg's jpeg_read_header (jdmarker.c next_marker): bytes that are not a marker are
  // skipped up to the next 0xFF ("corrupt JPEG data: extraneous bytes", a warning, not an error), fill 0xFF
  // bytes are skipped, and 0xFF 0x00 is no marker. The walk goes on after SOF up to SOS, because libjpeg (and so
  // Chromium) reads an EXIF APP1 anywhere before the scan.
  bool have_sof = false, have_exif = false;
  const uint8_t* exif = nullptr;
  size_t exif_len = 0;
  size_t i = 2;
  for (;;) {
    while (i < len && d[i] != 0xFF) ++i;  // resynchronise
    while (i < len && d[i] == 0xFF) ++i;  // fill bytes
    if (i >= len) break;
    const uint8_t m = d[i++];
    if (m == 0x00) continue;                                            // stuffed zero, not a marker
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // markers without a length
    if (m == 0xD9 || m == 0xDA) break;                                 // EOI, or the scan: the header is over
    if (i + 2 > len) break;
    const size_t seg = be16(d + i);
    if (seg < 2) break;
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof && !have_sof) {
      if (i + 7 > len) break;  // length (2) precision (1) height (2) width (2)
      info.height = be16(d + i + 3);
      info.width = be16(d + i + 5);
      have_sof = true;
    } else if (m == 0xE1 && !have_exif && seg >= 2 + 6 && seg <= len - i &&
               d[i + 2] == 'E' && d[i + 3] == 'x' && d[i + 4] == 'i' && d[i + 5] == 'f' && d[i + 6] == 0) {
      // APP1 "Exif\0" + a pad byte, then the TIFF block; only the first such segment counts, and only whole.
      have_exif = true;
      exif = d + i + 8;
      exif_len = seg - 8;
    }
    i += seg;
  }
  if (have_sof && exif) {
    const Exif x = read_exif(exif, exif_len);
    info.orientation = x.orientation;
    uint32_t dw, dh;
    if (info.width && info.height && density_corrected(x, info.width, info.height, dw, dh)) {
      info.display_width = dw;  // set_display swaps it for orientations 5..8
      info.display_height = dh;
    }
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

// The n-th (1-based, as ipma counts) child box of ipco.
bool nth_property(const uint8_t* d, const Box& ipco, uint32_t n, Box& out) {
  size_t pos = ipco.body;
  for (uint32_t k = 1; next_box(d, pos, ipco.end, out); ++k)
    if (k == n) return true;
  return false;
}

// The property indexes (ipma) associated with item `id`; returns how many were stored in `idx`.
size_t item_properties(const uint8_t* d, const Box& ipma, uint32_t id, uint32_t* idx, size_t cap) {
  if (ipma.end - ipma.body < 8) return 0;
  const uint8_t version = d[ipma.body];
  const bool wide = d[ipma.body + 3] & 1;  // flags & 1: 15-bit property indexes
  const uint32_t entries = be32(d + ipma.body + 4);
  size_t p = ipma.body + 8;
  for (uint32_t e = 0; e < entries; ++e) {
    const size_t id_size = version < 1 ? 2 : 4;
    if (ipma.end - p < id_size + 1) return 0;
    const uint32_t item = id_size == 2 ? be16(d + p) : be32(d + p);
    const uint32_t count = d[p + id_size];
    p += id_size + 1;
    const size_t assoc_size = wide ? 2 : 1;
    if ((ipma.end - p) / assoc_size < count) return 0;
    if (item == id) {
      size_t n = 0;
      for (uint32_t a = 0; a < count && n < cap; ++a) {
        const uint32_t v = wide ? be16(d + p + 2 * a) & 0x7FFF : d[p + a] & 0x7F;
        if (v) idx[n++] = v;
      }
      return n;
    }
    p += count * assoc_size;
  }
  return 0;
}

// Whether Chromium crops to this clean aperture: a valid clap (libavif's rules: integral width and height, the
// rectangle inside the image) whose rectangle starts at the top-left corner. Chromium shows the full image for
// any other clap (a crop elsewhere could hide content the file's author did not mean to publish).
bool clap_at_origin(const uint8_t* c, uint32_t w, uint32_t h, uint32_t& cw, uint32_t& ch) {
  const int64_t wn = int32_t(be32(c)), wd = int32_t(be32(c + 4)), hn = int32_t(be32(c + 8)), hd = int32_t(be32(c + 12));
  const int64_t xn = int32_t(be32(c + 16)), xd = int32_t(be32(c + 20)), yn = int32_t(be32(c + 24)), yd = int32_t(be32(c + 28));
  if (wn < 0 || wd <= 0 || hn < 0 || hd <= 0 || xd <= 0 || yd <= 0) return false;
  if (wn % wd != 0 || hn % hd != 0) return false;
  if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return false;
  const int64_t cw64 = wn / wd, ch64 = hn / hd;
  if (cw64 == 0 || ch64 == 0 || cw64 > int64_t(w) || ch64 > int64_t(h)) return false;
  // leftmost = xn/xd + (w - 1)/2 - (cw - 1)/2 = xn/xd + (w - cw)/2 must be 0 (same for the top line)
  if (2 * xn != -(int64_t(w) - cw64) * xd || 2 * yn != -(int64_t(h) - ch64) * yd) return false;
  cw = uint32_t(cw64);
  ch = uint32_t(ch64);
  return true;
}

ImageInfo avif(const uint8_t* d, size_t len) {
  size_t pos = 0;
  Box ftyp;
  if (!next_box(d, pos, len, ftyp) || !tag(ftyp.type, "ftyp") || ftyp.end - ftyp.body < 8) return {};
  bool brand = tag(d + ftyp.body, "avif") || tag(d + ftyp.body, "avis");
  for (size_t b = ftyp.body + 8; !brand && b + 4 <= ftyp.end; b += 4) brand = tag(d + b, "avif") || tag(d + b, "avis");
  if (!brand) return {};
  ImageInfo info{ImageFormat::avif, 0, 0};
  Box meta, iprp, ipco, ispe, pitm, ipma;
  if (!find_child(d, ftyp.end, len, "meta", meta) || meta.end - meta.body < 4) return info;
  if (!find_child(d, meta.body + 4, meta.end, "iprp", iprp)) return info;  // meta is a full box: skip version/flags
  if (!find_child(d, iprp.body, iprp.end, "ipco", ipco)) return info;

  // The primary item's properties (pitm, then its ipma entry): ispe, and the transforms irot, imir, clap.
  uint32_t props[64];
  size_t nprops = 0;
  if (find_child(d, meta.body + 4, meta.end, "pitm", pitm) && pitm.end - pitm.body >= 6 &&
      find_child(d, iprp.body, iprp.end, "ipma", ipma)) {
    const bool v0 = d[pitm.body] == 0;
    if (v0 || pitm.end - pitm.body >= 8) {
      const uint32_t primary = v0 ? be16(d + pitm.body + 4) : be32(d + pitm.body + 4);
      nprops = item_properties(d, ipma, primary, props, 64);
    }
  }
  bool have_ispe = false, have_irot = false, have_imir = false, have_clap = false;
  uint8_t angle = 0, axis = 0;
  const uint8_t* clap = nullptr;
  for (size_t k = 0; k < nprops; ++k) {
    Box p;
    if (!nth_property(d, ipco, props[k], p)) continue;
    const size_t n = p.end - p.body;
    if (!have_ispe && tag(p.type, "ispe") && n >= 12) {
      have_ispe = true;
      info.width = be32(d + p.body + 4);
      info.height = be32(d + p.body + 8);
    } else if (!have_irot && tag(p.type, "irot") && n >= 1) {
      have_irot = true;
      angle = d[p.body] & 3;  // anticlockwise quarter turns
    } else if (!have_imir && tag(p.type, "imir") && n >= 1) {
      have_imir = true;
      axis = d[p.body] & 1;  // 0: top and bottom exchanged, 1: left and right (ISO/IEC 23008-12:2022)
    } else if (!have_clap && tag(p.type, "clap") && n >= 32) {
      have_clap = true;
      clap = d + p.body;
    }
  }
  if (!have_ispe) {  // no primary item to go by: the first ispe, and no transforms
    if (!find_child(d, ipco.body, ipco.end, "ispe", ispe) || ispe.end - ispe.body < 12) return info;
    info.width = be32(d + ispe.body + 4);
    info.height = be32(d + ispe.body + 8);
    return info;
  }
  // HEIF applies clap, then irot, then imir; as EXIF values (row: no imir, axis 0, axis 1; column: angle).
  static const uint8_t kOrientation[3][4] = {{1, 8, 3, 6}, {4, 5, 2, 7}, {2, 7, 4, 5}};
  info.orientation = kOrientation[have_imir ? 1 + axis : 0][have_irot ? angle : 0];
  uint32_t cw, ch;
  if (clap && clap_at_origin(clap, info.width, info.height, cw, ch)) {
    info.display_width = cw;
    info.display_height = ch;
  }
  return info;
}

// Display size from the stored size (or a crop already set) and the orientation.
void set_display(ImageInfo& info) {
  if (!info.width || !info.height) {
    info.display_width = info.display_height = 0;
    return;
  }
  if (!info.display_width || !info.display_height) {
    info.display_width = info.width;
    info.display_height = info.height;
  }
  if (info.orientation >= 5) {
    const uint32_t t = info.display_width;
    info.display_width = info.display_height;
    info.display_height = t;
  }
}

ImageInfo sniff_format(const uint8_t* d, size_t len) {
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

}  // namespace

ImageInfo sniff_image(const uint8_t* d, size_t len) {
  ImageInfo info = sniff_format(d, len);
  set_display(info);
  return info;
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
