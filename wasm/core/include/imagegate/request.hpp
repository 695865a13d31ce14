#pragma once
// Builds and validates request bodies. The caller's parameters arrive as JSON (wire names, as in the
// gateway's docs); known fields are checked, unknown fields pass through untouched.
#include <cstddef>
#include <cstdint>
#include <string>

namespace imagegate {

struct BuiltRequest {
  std::string error;   // empty on success: a message for people
  std::string param;   // the offending field on error ("model", "prompt", "n", "size", ...)
  std::string body;    // the JSON body to send
  bool ok() const { return error.empty(); }
};

// POST /images/generations: model and prompt required (non-empty strings), n an integer 1..10,
// size "WxH" (positive integers) or "auto", response_format "b64_json" | "url".
BuiltRequest build_images_request(const uint8_t* params_json, size_t len);

// POST /chat/completions: model required, messages a non-empty array of objects with a role,
// modalities an array of strings; `stream` is set as asked (and stream_options.include_usage
// defaults to true for streams, so usage arrives).
BuiltRequest build_chat_request(const uint8_t* params_json, size_t len, bool stream);

}  // namespace imagegate
