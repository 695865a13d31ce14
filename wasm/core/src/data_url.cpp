// RFC 2397 data URLs, with the WHATWG fetch spec's leniencies where browsers have them (case-insensitive
// scheme and "base64", whitespace around the media type, whitespace inside base64) and clear errors elsewhere.
#include "imagegate/data_url.hpp"

#include "imagegate/base64.hpp"

namespace imagegate {
namespace {

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }
// RFC 2045 token characters: printable ASCII except space and tspecials.
bool is_token(uint8_t c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':': case '\\': case '"':
    case '/': case '[': case ']': case '?': case '=':
      return false;
    default:
      return true;
  }
}
int hex(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
bool equals_ci(const uint8_t* s, size_t n, const char* lit) {
  size_t i = 0;
  for (; i < n && lit[i]; ++i)
    if (lower(s[i]) != static_cast<uint8_t>(lit[i])) return false;
  return i == n && lit[i] == 0;
}

DataUrlResult fail(DataUrlError e, size_t position) {
  DataUrlResult r;
  r.error = e;
  r.position = position;
  return r;
}

// Trims whitespace from [b, e).
void trim(const uint8_t* in, size_t& b, size_t& e) {
  while (b < e && is_space(in[b])) ++b;
  while (e > b && is_space(in[e - 1])) --e;
}

}  // namespace

const char* to_string(DataUrlError e) {
  switch (e) {
    case DataUrlError::none: return "none";
    case DataUrlError::not_a_data_url: return "not_a_data_url";
    case DataUrlError::missing_comma: return "missing_comma";
    case DataUrlError::bad_media_type: return "bad_media_type";
    case DataUrlError::bad_percent: return "bad_percent";
    case DataUrlError::bad_base64: return "bad_base64";
  }
  return "unknown";
}

DataUrlResult parse_data_url(const uint8_t* in, size_t len) {
  size_t i = 0;
  while (i < len && is_space(in[i])) ++i;
  if (len - i < 5 || !equals_ci(in + i, 5, "data:")) return fail(DataUrlError::not_a_data_url, i);
  i += 5;
  size_t comma = i;
  while (comma < len && in[comma] != ',') ++comma;
  if (comma == len) return fail(DataUrlError::missing_comma, len);

  DataUrlResult r;
  r.url.payload_offset = comma + 1;
  r.url.payload_length = len - comma - 1;

  // Split the header at ';' into the media type and the parameters; a last ";base64" is the encoding.
  size_t seg_begin = i;
  bool first = true;
  bool saw_type = false;
  std::string type;
  while (seg_begin <= comma) {
    size_t seg_end = seg_begin;
    while (seg_end < comma && in[seg_end] != ';') ++seg_end;
    size_t b = seg_begin, e = seg_end;
    trim(in, b, e);
    if (first) {
      first = false;
      if (b < e) {  // type "/" subtype
        size_t slash = b;
        while (slash < e && in[slash] != '/') ++slash;
        if (slash == b || slash == e || slash + 1 == e) return fail(DataUrlError::bad_media_type, slash < e ? slash : b);
        for (size_t k = b; k < e; ++k) {
          if (k == slash) continue;
          if (!is_token(in[k])) return fail(DataUrlError::bad_media_type, k);
        }
        type.reserve(e - b);
        for (size_t k = b; k < e; ++k) type.push_back(static_cast<char>(lower(in[k])));
        saw_type = true;
      }
    } else if (seg_end == comma && equals_ci(in + b, e - b, "base64")) {
      r.url.base64 = true;
    } else {
      size_t eq = b;
      while (eq < e && in[eq] != '=') ++eq;
      if (b == e || eq == e) {  // ";" alone or a parameter without '=' (";utf8"): skipped, as browsers do
        seg_begin = seg_end + 1;
        continue;
      }
      if (eq == b) return fail(DataUrlError::bad_media_type, b);
      std::string name, value;
      for (size_t k = b; k < eq; ++k) {
        if (!is_token(in[k])) return fail(DataUrlError::bad_media_type, k);
        name.push_back(static_cast<char>(lower(in[k])));
      }
      size_t vb = eq + 1;
      if (vb < e && in[vb] == '"') {  // quoted-string
        if (e - vb < 2 || in[e - 1] != '"') return fail(DataUrlError::bad_media_type, vb);
        for (size_t k = vb + 1; k + 1 < e; ++k) {
          if (in[k] == '"' || in[k] < 0x20) return fail(DataUrlError::bad_media_type, k);
          value.push_back(static_cast<char>(in[k]));
        }
      } else {
        if (vb == e) return fail(DataUrlError::bad_media_type, vb);
        for (size_t k = vb; k < e; ++k) {
          if (!is_token(in[k]) && in[k] != '%') return fail(DataUrlError::bad_media_type, k);
          value.push_back(static_cast<char>(in[k]));
        }
      }
      r.url.parameters.emplace_back(std::move(name), std::move(value));
    }
    seg_begin = seg_end + 1;
  }
  if (saw_type) {
    r.url.media_type = std::move(type);
  } else if (r.url.parameters.empty()) {
    r.url.parameters.emplace_back("charset", "US-ASCII");  // RFC 2397's default for "data:,..."
  }
  return r;
}

DataUrlResult decode_data_url(const uint8_t* in, size_t len, std::vector<uint8_t>& payload) {
  payload.clear();
  DataUrlResult r = parse_data_url(in, len);
  if (!r.ok()) return r;
  const uint8_t* p = in + r.url.payload_offset;
  const size_t n = r.url.payload_length;
  bool has_percent = false;
  for (size_t k = 0; k < n && !has_percent; ++k) has_percent = p[k] == '%';

  // Percent-decoding first (a base64 payload may be percent-encoded too, as the fetch spec allows).
  std::vector<uint8_t> unescaped;
  std::vector<size_t> origin;  // input index of each unescaped byte, to report base64 errors where they are
  if (has_percent) {
    unescaped.reserve(n);
    if (r.url.base64) origin.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      uint8_t c = p[k];
      size_t at = r.url.payload_offset + k;
      if (c == '%') {
        if (k + 2 >= n || hex(p[k + 1]) < 0 || hex(p[k + 2]) < 0) return fail(DataUrlError::bad_percent, at);
        c = static_cast<uint8_t>(hex(p[k + 1]) * 16 + hex(p[k + 2]));
        k += 2;
      }
      unescaped.push_back(c);
      if (r.url.base64) origin.push_back(at);
    }
  }
  if (!r.url.base64) {
    if (has_percent) payload = std::move(unescaped);
    else payload.assign(p, p + n);
    return r;
  }
  const uint8_t* src = has_percent ? unescaped.data() : p;
  const size_t src_len = has_percent ? unescaped.size() : n;
  Base64Options opts;  // forgiving-base64: whitespace skipped, padding optional
  opts.last_chunk = LastChunk::loose;
  opts.skip_whitespace = true;
  Base64Result b = decode_base64(src, src_len, payload, opts);
  if (!b.ok()) {
    DataUrlResult e = fail(DataUrlError::bad_base64, 0);
    e.url = r.url;
    e.position = has_percent ? (b.position < origin.size() ? origin[b.position] : len) : r.url.payload_offset + b.position;
    e.base64_error = b.error;
    payload.clear();
    return e;
  }
  return r;
}

}  // namespace imagegate
