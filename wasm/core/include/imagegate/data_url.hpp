#pragma once
// RFC 2397 data URLs: data:[<mediatype>][;base64],<data>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "imagegate/base64.hpp"

namespace imagegate {

enum class DataUrlError : uint8_t {
  none,
  not_a_data_url,   // does not start with "data:" (case-insensitive, leading whitespace allowed)
  missing_comma,    // no ',' separating the header from the payload
  bad_media_type,   // a malformed type/subtype or parameter
  bad_percent,      // '%' not followed by two hex digits in a non-base64 payload
  bad_base64,       // the base64 payload did not decode (see base64_error and position)
};

struct DataUrl {
  std::string media_type = "text/plain";  // lower-cased type/subtype; the RFC default when omitted
  std::vector<std::pair<std::string, std::string>> parameters;  // e.g. {"charset","US-ASCII"}; names lower-cased
  bool base64 = false;
  size_t payload_offset = 0;  // index of the first payload byte in the input (just after ',')
  size_t payload_length = 0;
};

struct DataUrlResult {
  DataUrlError error = DataUrlError::none;
  size_t position = 0;  // on error: index of the offending input byte
  Base64Error base64_error = Base64Error::none;  // for bad_base64: what was wrong
  DataUrl url;
  bool ok() const { return error == DataUrlError::none; }
};

const char* to_string(DataUrlError e);

// Parses only the header; the payload stays where it is (so a huge base64 payload can be decoded in place).
DataUrlResult parse_data_url(const uint8_t* in, size_t len);

// Parses and decodes the payload (base64 with whitespace skipped, or percent-decoding).
// On a base64 error, `position` is the absolute input index of the bad byte.
DataUrlResult decode_data_url(const uint8_t* in, size_t len, std::vector<uint8_t>& payload);

}  // namespace imagegate
