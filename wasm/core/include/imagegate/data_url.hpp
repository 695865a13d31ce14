#pragma once
// data: URLs, two readings of one mechanism (one percent decoder, one base64 option set):
//  - DataUrlMode::strict: RFC 2397, data:[<mediatype>][;base64],<data>, with the fetch spec's leniencies where
//    browsers have them and clear errors elsewhere (what the images / chat response parsers accept).
//  - DataUrlMode::whatwg: the WHATWG fetch "data: URL processor" applied to the URL parser's view of the input
//    (leading/trailing C0-or-space stripped, tab/newline removed, the opaque path and query percent-encoded as
//    the URL serializer does, the fragment dropped), with MIME Sniffing's "parse a MIME type" and its fallback to
//    text/plain;charset=US-ASCII: what browsers and node's fetch load.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "imagegate/base64.hpp"

namespace imagegate {

enum class DataUrlMode : uint8_t { strict, whatwg };

enum class DataUrlError : uint8_t {
  none,
  not_a_data_url,   // does not start with "data:" (case-insensitive, leading whitespace allowed); whatwg: the input
                    // does not parse as a URL whose scheme is "data" (position: where the URL parser failed)
  missing_comma,    // no ',' separating the header from the payload (whatwg: none before the fragment)
  bad_media_type,   // strict only: a malformed type/subtype or parameter (whatwg falls back to text/plain)
  bad_percent,      // strict only: '%' not followed by two hex digits (whatwg keeps such a '%' as it is)
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
// whatwg: `in` is the URL as UTF-8; media_type is the MIME type's essence and parameters its parameters in order
// (names lower-cased, values unquoted); payload_offset/length are not meaningful (the payload is not contiguous
// in general).
DataUrlResult decode_data_url(const uint8_t* in, size_t len, std::vector<uint8_t>& payload,
                              DataUrlMode mode = DataUrlMode::strict);

// The base64 reading of data URL payloads in both modes (and the chat image extractor's): the loose last chunk
// with ASCII whitespace skipped, which is exactly WHATWG forgiving-base64 decode.
Base64Options data_url_base64_options();

// MIME Sniffing's "parse a MIME type" over bytes, one byte per code point (an isomorphic-decoded string, as a header
// value is): false on failure, else url.media_type (the essence, lower-cased) and url.parameters (names lower-cased,
// values unquoted, the first of a repeated name). The whatwg mode runs it on the URL's MIME type portion.
bool parse_mime_type(const uint8_t* in, size_t len, DataUrl& url);

// The MIME type serialization (MIME Sniffing §4.5) of a parsed data URL's type: essence, then ";name=value" with
// values quoted where they are not HTTP tokens. What fetch() puts in Content-Type.
std::string serialize_media_type(const DataUrl& url);

}  // namespace imagegate
