// sniff_image on arbitrary bytes: never reads outside the buffer (libFuzzer hands us an exact-size heap
// allocation, ASan does the rest), orientation and display size are consistent with the stored size, and a
// format whose size it reports gives the same answer when the same bytes are followed by more data (the size
// comes from the header, not from where the buffer ends; the orientation may not: an EXIF block cut short by the
// end of the buffer is not read, and whole once more bytes follow).
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_common.hpp"
#include "imagegate/image_info.hpp"

using namespace imagegate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ImageInfo a = sniff_image(data, size);
  FUZZ_CHECK(mime_type(a.format) != nullptr && to_string(a.format) != nullptr);
  if (a.format == ImageFormat::unknown) FUZZ_CHECK(a.width == 0 && a.height == 0 && a.orientation == 1);
  // Orientation is an EXIF value; the display size is the stored size (AVIF: at most it, cropped; JPEG: scaled
  // by an EXIF density), swapped for 5..8, and nothing when a stored side is 0.
  FUZZ_CHECK(a.orientation >= 1 && a.orientation <= 8, std::to_string(a.orientation));
  if (!a.width || !a.height) {
    FUZZ_CHECK(a.display_width == 0 && a.display_height == 0);
  } else {
    const bool swap = a.orientation >= 5;
    const uint32_t dw = swap ? a.display_height : a.display_width, dh = swap ? a.display_width : a.display_height;
    if (a.format == ImageFormat::avif) FUZZ_CHECK(dw >= 1 && dw <= a.width && dh >= 1 && dh <= a.height);
    else if (a.format == ImageFormat::jpeg) FUZZ_CHECK(dw >= 1 && dh >= 1);  // EXIF density may scale it
    else FUZZ_CHECK(dw == a.width && dh == a.height);
    if (a.format == ImageFormat::webp || a.format == ImageFormat::gif) FUZZ_CHECK(a.orientation == 1);
  }
  (void)sniff_image(nullptr, size);

  // Every prefix must be safe too (truncated downloads); checking a few keeps the harness fast.
  for (size_t cut : {size_t(0), size_t(7), size_t(11), size_t(23), size / 2, size ? size - 1 : 0}) {
    if (cut > size) continue;
    std::unique_ptr<uint8_t[]> p(new uint8_t[cut ? cut : 1]);
    if (cut) std::memcpy(p.get(), data, cut);
    (void)sniff_image(p.get(), cut);
  }

  if (a.format != ImageFormat::unknown && (a.width || a.height)) {
    for (uint8_t fill : {uint8_t(0x00), uint8_t(0xFF), uint8_t(0x41)}) {
      const size_t extra = 64;
      std::unique_ptr<uint8_t[]> longer(new uint8_t[size + extra]);
      std::memcpy(longer.get(), data, size);
      std::memset(longer.get() + size, fill, extra);
      const ImageInfo b = sniff_image(longer.get(), size + extra);
      FUZZ_CHECK(b.format == a.format && b.width == a.width && b.height == a.height,
                 std::string(to_string(a.format)) + " " + std::to_string(a.width) + "x" + std::to_string(a.height) +
                     " became " + to_string(b.format) + " " + std::to_string(b.width) + "x" + std::to_string(b.height));
    }
  }
  return 0;
}
