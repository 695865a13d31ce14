// Data URLs from arbitrary bytes: parse_data_url / decode_data_url never crash, every position is inside the
// input, the header and payload agree (the base64 flag is exactly "the last ';' segment is base64"; the
// payload is the percent-decoded or base64-decoded text after the first ','), and URLs built from the input
// bytes (base64, percent-encoded, percent-encoded base64) decode back to those bytes.
// The WHATWG mode: never crashes, positions inside the input, a parsed type re-serialized and re-parsed is itself
// (the MIME serializer and parser are inverse), and the URLs built from the input bytes decode to them there too.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "imagegate/data_url.hpp"

using namespace imagegate;

namespace {

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }
int hexval(uint8_t c) {
  c = lower(c);
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The independent model of the header: is the last ';'-segment (trimmed) "base64", case-insensitively?
bool model_base64_flag(const uint8_t* in, size_t header_begin, size_t comma) {
  size_t semi = comma;
  for (size_t k = header_begin; k < comma; ++k)
    if (in[k] == ';') semi = k;
  if (semi == comma) return false;
  size_t b = semi + 1, e = comma;
  while (b < e && is_space(in[b])) ++b;
  while (e > b && is_space(in[e - 1])) --e;
  static const char kB64[] = "base64";
  if (e - b != 6) return false;
  for (size_t k = 0; k < 6; ++k)
    if (lower(in[b + k]) != static_cast<uint8_t>(kB64[k])) return false;
  return true;
}

// Percent-decodes; returns false (with the position) on a bad escape.
bool model_percent(const uint8_t* p, size_t n, std::vector<uint8_t>& out, size_t& bad) {
  for (size_t k = 0; k < n; ++k) {
    if (p[k] != '%') {
      out.push_back(p[k]);
      continue;
    }
    if (k + 2 >= n || hexval(p[k + 1]) < 0 || hexval(p[k + 2]) < 0) {
      bad = k;
      return false;
    }
    out.push_back(static_cast<uint8_t>(hexval(p[k + 1]) * 16 + hexval(p[k + 2])));
    k += 2;
  }
  return true;
}

std::string encode(const uint8_t* p, size_t n) {
  std::string s(base64_encoded_size(n), '\0');
  s.resize(encode_base64(p, n, s.data()));
  return s;
}

std::string percent_encode(const uint8_t* p, size_t n, bool all) {
  static const char* hx = "0123456789ABCDEF";
  std::string s;
  for (size_t k = 0; k < n; ++k) {
    const uint8_t c = p[k];
    const bool plain = !all && c > 0x20 && c < 0x7F && c != '%' && c != ',';
    if (plain) s += static_cast<char>(c);
    else {
      s += '%';
      s += hx[c >> 4];
      s += (k & 1) ? static_cast<char>(lower(hx[c & 15])) : hx[c & 15];  // both cases of hex digits
    }
  }
  return s;
}

void expect_decodes_to(const std::string& url, const uint8_t* want, size_t n, const char* media_type,
                       DataUrlMode mode = DataUrlMode::strict) {
  std::vector<uint8_t> out;
  const DataUrlResult r = decode_data_url(reinterpret_cast<const uint8_t*>(url.data()), url.size(), out, mode);
  FUZZ_CHECK(r.ok(), std::string(to_string(r.error)) + " at " + std::to_string(r.position) + " in " + url.substr(0, 200));
  FUZZ_CHECK(out.size() == n && (n == 0 || std::memcmp(out.data(), want, n) == 0), "round trip differs: " + url.substr(0, 200));
  FUZZ_CHECK(r.url.media_type == media_type, r.url.media_type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 1. The header parser.
  const DataUrlResult h = parse_data_url(data, size);
  if (!h.ok()) {
    FUZZ_CHECK(h.position <= size, std::to_string(h.position));
  } else {
    const size_t off = h.url.payload_offset;
    FUZZ_CHECK(off >= 6 && off <= size && h.url.payload_length == size - off);
    FUZZ_CHECK(data[off - 1] == ',');
    size_t start = 0;
    while (start < size && is_space(data[start])) ++start;
    for (size_t k = start + 5; k + 1 < off; ++k) FUZZ_CHECK(data[k] != ',', "payload does not start after the first ','");
    FUZZ_CHECK(h.url.base64 == model_base64_flag(data, start + 5, off - 1), "base64 flag disagrees with the header");
    FUZZ_CHECK(!h.url.media_type.empty() && h.url.media_type.find('/') != std::string::npos, h.url.media_type);
    for (char c : h.url.media_type) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "media type not lower-cased");
    for (const auto& p : h.url.parameters) {
      FUZZ_CHECK(!p.first.empty());
      for (char c : p.first) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "parameter name not lower-cased");
    }
  }

  // 2. The decoder agrees with the header and with an independent model of the payload.
  std::vector<uint8_t> payload;
  const DataUrlResult d = decode_data_url(data, size, payload);
  if (!h.ok()) {
    FUZZ_CHECK(d.error == h.error && d.position == h.position);
    FUZZ_CHECK(payload.empty());
  } else if (d.error != DataUrlError::bad_percent) {  // (a bad_percent result carries no header: see README)
    FUZZ_CHECK(d.url.payload_offset == h.url.payload_offset && d.url.base64 == h.url.base64 &&
               d.url.media_type == h.url.media_type && d.url.parameters == h.url.parameters);
  }
  if (h.ok()) {
    const uint8_t* p = data + h.url.payload_offset;
    const size_t n = h.url.payload_length;
    std::vector<uint8_t> text;
    size_t bad = 0;
    const bool percent_ok = model_percent(p, n, text, bad);
    if (!percent_ok) {
      FUZZ_CHECK(d.error == DataUrlError::bad_percent && d.position == h.url.payload_offset + bad,
                 std::string(to_string(d.error)) + " at " + std::to_string(d.position));
      FUZZ_CHECK(payload.empty());
    } else if (!h.url.base64) {
      FUZZ_CHECK(d.ok() && payload == text, "percent-decoded payload differs");
    } else {
      std::vector<uint8_t> want;
      Base64Options o;
      o.last_chunk = LastChunk::loose;
      o.skip_whitespace = true;
      const Base64Result b = decode_base64(text.data(), text.size(), want, o);
      if (b.ok()) {
        FUZZ_CHECK(d.ok() && payload == want, std::string("base64 payload differs: ") + to_string(d.error));
      } else {
        FUZZ_CHECK(d.error == DataUrlError::bad_base64 && d.base64_error == b.error,
                   std::string(to_string(d.error)) + " / " + to_string(d.base64_error) + " vs " + to_string(b.error));
        FUZZ_CHECK(d.position >= h.url.payload_offset && d.position <= size, std::to_string(d.position));
        FUZZ_CHECK(payload.empty());
        // The reported position points at the offending character (or at the '%' escape that produced it).
        if (d.position < size && b.error == Base64Error::invalid_character)
          FUZZ_CHECK(data[d.position] == '%' || data[d.position] == text[b.position], "position does not point at the bad byte");
      }
    }
  }

  // 3. URLs built from the raw bytes round-trip.
  const size_t n = size < 2048 ? size : 2048;
  expect_decodes_to("data:image/png;base64," + encode(data, n), data, n, "image/png");
  expect_decodes_to(" DATA:Image/PNG ; BASE64 ," + encode(data, n), data, n, "image/png");
  expect_decodes_to("data:application/octet-stream," + percent_encode(data, n, false), data, n, "application/octet-stream");
  expect_decodes_to("data:application/octet-stream," + percent_encode(data, n, true), data, n, "application/octet-stream");
  const std::string b64 = encode(data, n);
  expect_decodes_to("data:image/webp;base64," +
                        percent_encode(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), size & 1),
                    data, n, "image/webp");

  // 4. WHATWG mode.
  std::vector<uint8_t> w;
  const DataUrlResult r = decode_data_url(data, size, w, DataUrlMode::whatwg);
  if (!r.ok()) {
    FUZZ_CHECK(r.position <= size, std::to_string(r.position));
    FUZZ_CHECK(w.empty());
  } else {
    FUZZ_CHECK(!r.url.media_type.empty() && r.url.media_type.find('/') != std::string::npos, r.url.media_type);
    const std::string type = serialize_media_type(r.url);
    // (A '?' in the type starts the URL's query on re-parsing, whose percent-encode set changes quotes and spaces.)
    if (type.find('?') == std::string::npos) {
    std::string again = "data:" + type + "," + percent_encode(w.data(), w.size(), true);
    std::vector<uint8_t> w2;
    const DataUrlResult r2 = decode_data_url(reinterpret_cast<const uint8_t*>(again.data()), again.size(), w2, DataUrlMode::whatwg);
    FUZZ_CHECK(r2.ok() && w2 == w, "re-built URL differs: " + again.substr(0, 200));
    FUZZ_CHECK(serialize_media_type(r2.url) == type, type + " became " + serialize_media_type(r2.url));
    }
  }
  expect_decodes_to("data:image/png;base64," + encode(data, n), data, n, "image/png", DataUrlMode::whatwg);
  expect_decodes_to("data:application/octet-stream," + percent_encode(data, n, true), data, n, "application/octet-stream",
                    DataUrlMode::whatwg);
  expect_decodes_to("data:image/webp;base64," +
                        percent_encode(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), size & 1),
                    data, n, "image/webp", DataUrlMode::whatwg);
  return 0;
}
