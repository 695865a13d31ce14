#pragma once
// Builds and validates request bodies. The caller's parameters arrive as JSON (wire names, as in the
// gateway's docs); known fields are checked, unknown fields pass through untouched.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imagegate {

struct BuiltRequest {
  std::string error;   // empty on success: a message for people
  std::string param;   // the offending field on error ("model", "prompt", "n", "size", ...)
  std::string body;    // the body to send
  std::string content_type = "application/json";
  bool ok() const { return error.empty(); }
};

// POST /images/generations: model and prompt required (non-empty strings), n an integer 1..10,
// size "WxH" (positive integers) or "auto", response_format "b64_json" | "url".
BuiltRequest build_images_request(const uint8_t* params_json, size_t len);

// POST /chat/completions: model required, messages a non-empty array of objects with a role,
// modalities an array of strings; `stream` is set as asked (and stream_options.include_usage
// defaults to true for streams, so usage arrives).
BuiltRequest build_chat_request(const uint8_t* params_json, size_t len, bool stream);

// One input image of an edit (or its mask): bytes, or a URL string (https: sent as is; data: decoded, checked and
// re-encoded with the sniffed type).
struct EditImage {
  const uint8_t* bytes = nullptr;  // the file's bytes (when url is empty)
  size_t len = 0;
  std::string url;                 // an https: or data: URL instead of bytes
  std::string filename;            // multipart filename ("" = image-N.<ext>)
};

constexpr size_t kMaxEditImages = 16;

// POST /images/edits. `params_json` holds everything but the images (model and prompt required; n, size and
// response_format checked as for generations; other fields pass through). 1..16 images; every image given as bytes
// or a data: URL must sniff as PNG, JPEG, WebP, GIF or AVIF (its type is sent as sniffed, never
// application/octet-stream); the mask must be a PNG of the first image's size (when both sizes are known).
// JSON (default): {..., "images": [{"image_url": "data:<type>;base64,..."}], "mask": {"image_url": "..."}}, the
// base64 written straight into the body. Multipart (boundary given): one part per field, the files as `image`
// (one) or `image[]` (several) and `mask`, each with its sniffed Content-Type; https URLs cannot be uploaded there.
BuiltRequest build_edit_request(const uint8_t* params_json, size_t len, const std::vector<EditImage>& images,
                                const EditImage* mask, bool multipart, const std::string& boundary);

}  // namespace imagegate
