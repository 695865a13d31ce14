#pragma once
// Image sniffing: format, stored pixel size and the size a browser displays, from the first bytes of a file.
// Never reads past the buffer; anything not positively recognised is reported as unknown, never guessed.
#include <cstddef>
#include <cstdint>

namespace imagegate {

enum class ImageFormat : uint8_t { unknown, png, jpeg, webp, gif, avif };

struct ImageInfo {
  ImageFormat format = ImageFormat::unknown;
  // The stored (coded) size as the header declares it, before any orientation or crop; 0 when the format is
  // known but the size could not be read (truncated header).
  uint32_t width = 0;
  uint32_t height = 0;
  // The orientation a browser applies (Chromium, CSS image-orientation: from-image), in EXIF terms 1..8:
  // JPEG EXIF (APP1) and PNG eXIf orientation tag 0x0112; AVIF irot/imir of the primary item mapped to the
  // equivalent EXIF value. WebP EXIF is not applied by Chromium and so is not reported (1). 1 when absent.
  uint8_t orientation = 1;
  // The size a browser lays out (its naturalWidth/naturalHeight): for AVIF the clean aperture (clap) when
  // Chromium applies it (a valid rectangle at the top-left origin, else the full image), for JPEG the EXIF
  // density-corrected size (resolution in inches with matching PixelX/YDimension), then width and height
  // swapped for orientations 5..8. 0 when width/height are 0. A layout size: not a bound on decoded pixels.
  uint32_t display_width = 0;
  uint32_t display_height = 0;
};

ImageInfo sniff_image(const uint8_t* data, size_t len);
const char* mime_type(ImageFormat f);  // "image/png", ...; "application/octet-stream" for unknown
const char* to_string(ImageFormat f);  // "png", "jpeg", ..., "unknown"

}  // namespace imagegate
