#pragma once
// Image sniffing: format and pixel size from the first bytes of a file. Never reads past the
// buffer; anything not positively recognised is reported as unknown, never guessed.
#include <cstddef>
#include <cstdint>

namespace imagegate {

enum class ImageFormat : uint8_t { unknown, png, jpeg, webp, gif, avif };

struct ImageInfo {
  ImageFormat format = ImageFormat::unknown;
  uint32_t width = 0;   // 0 when the format is known but the size could not be read (truncated header)
  uint32_t height = 0;
};

ImageInfo sniff_image(const uint8_t* data, size_t len);
const char* mime_type(ImageFormat f);  // "image/png", ...; "application/octet-stream" for unknown
const char* to_string(ImageFormat f);  // "png", "jpeg", ..., "unknown"

}  // namespace imagegate
