#pragma once
// Parsing of POST /v1/images/generations responses on the fast path: the big base64 strings
// (data[].b64_json, and base64 data URLs in data[].url) are found by a span scanner over the raw
// bytes and decoded IN PLACE into the same buffer; everything else (a small "skeleton" of the
// document with those strings emptied) goes through nlohmann. Peak memory ≈ the response size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagegate/base64.hpp"
#include "imagegate/image_info.hpp"

namespace imagegate {

enum class ResponseErrorKind : uint8_t {
  none,
  invalid_json,    // not well-formed JSON (truncated, garbage, HTML...): position = offending byte
  unexpected_shape,// well-formed but not an images response (not an object, `data` not an array, item not an object,
                   // b64_json/url not a string): position = start of the offending value
  no_images,       // `data` missing, or an item with neither b64_json nor url
  bad_base64,      // a b64_json (or base64 data URL) payload does not decode: position = absolute offset in the
                   // response of the first offending byte; image_index says which item
  bad_data_url,    // data[].url is a malformed data: URL
  error_body,      // the body is a gateway error object ({"error": {...}}), e.g. a 200 with an error body
};

const char* to_string(ResponseErrorKind k);

struct ResponseError {
  ResponseErrorKind kind = ResponseErrorKind::none;
  size_t position = 0;
  int image_index = -1;        // for bad_base64 / bad_data_url / no_images: the data[] index
  Base64Error base64_error = Base64Error::none;
  std::string message;         // for people: what is wrong and where ("data[1].b64_json: invalid base64 character at offset 1234 of the image (byte 5678 of the response)")
  bool ok() const { return kind == ResponseErrorKind::none; }
};

struct GeneratedImage {
  bool has_bytes = false;      // true when b64_json (or a base64 data: URL) was decoded
  size_t offset = 0;           // decoded image bytes live at buffer[offset, offset + length) after parsing
  size_t length = 0;
  ImageInfo info;              // sniffed from the decoded bytes
  std::string media_type;      // from a data: URL's media type, else empty
  std::string url;             // data[].url when it is NOT a data: URL (reported as is, never fetched)
  bool has_revised_prompt = false;
  std::string revised_prompt;
};

struct ImagesResponse {
  ResponseError error;
  std::vector<GeneratedImage> images;
  // Everything else in the document, with the decoded strings removed: created, usage, provider_metadata,
  // and any other top-level fields, as nlohmann values (null when absent). For error_body: the whole body.
  nlohmann::json metadata = nlohmann::json::object();
};

// Parses `buf` (the raw response body). MODIFIES `buf`: base64 payloads are decoded in place.
ImagesResponse parse_images_response(uint8_t* buf, size_t len);

// The slow reference: nlohmann DOM parse + scalar decode into separate vectors. Same results (images' bytes,
// metadata, error kinds); used by tests, the fuzzer and benchmarks as the oracle.
struct ReferenceImages {
  ResponseError error;
  std::vector<std::vector<uint8_t>> images;
  nlohmann::json metadata = nlohmann::json::object();
};
ReferenceImages parse_images_response_reference(const uint8_t* buf, size_t len);

}  // namespace imagegate
