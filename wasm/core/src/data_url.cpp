// data: URLs. strict: RFC 2397, with the WHATWG fetch spec's leniencies where browsers have them (case-insensitive
// scheme and "base64", whitespace around the media type, whitespace inside base64) and clear errors elsewhere.
// whatwg: the fetch spec's data: URL processor over the URL parser's reading of the input, and MIME Sniffing's
// "parse a MIME type". Both share the percent decoder and the base64 options below.
#include "imagegate/data_url.hpp"

#include <array>
#include <string>

#include "imagegate/base64.hpp"
#include "imagegate/text_scan.hpp"

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

constexpr size_t kNpos = static_cast<size_t>(-1);

// The one percent decoder of data URL payloads. strict: a '%' not followed by two hex digits is an error (the
// return value is its index in `p`); lenient (WHATWG "percent-decode"): such a '%' is kept as it is. When `origin`
// is given, it receives for every output byte the input index of the byte it came from: at[k] when `at` is given,
// else base + k. Returns kNpos on success.
size_t percent_decode(const uint8_t* p, size_t n, bool lenient, std::vector<uint8_t>& out, std::vector<size_t>* origin,
                      const size_t* at, size_t base) {
  out.reserve(out.size() + n);
  if (origin) origin->reserve(origin->size() + n);
  PercentDecoder pd;
  auto emit = [&](uint8_t c, size_t k) {
    out.push_back(c);
    if (origin) origin->push_back(at ? at[k] : base + k);
  };
  for (size_t k = 0; k < n; ++k) pd.take(p[k], k, emit);
  pd.end(emit);
  if (!lenient && pd.malformed_at() != PercentDecoder::kNone) return pd.malformed_at();
  return kNpos;
}

// ---- WHATWG ------------------------------------------------------------------------------------------------

bool is_tab_or_newline(uint8_t c) { return c == '\t' || c == '\n' || c == '\r'; }
bool is_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool is_http_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// HTTP token code points (MIME Sniffing): !#$%&'*+-.^_`|~ and ASCII alphanumerics.
bool is_http_token(uint8_t c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.': case '^':
    case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}
bool is_quoted_string_token(uint8_t c) { return c == '\t' || (c >= 0x20 && c <= 0x7E) || c >= 0x80; }

void append_percent(std::string& out, uint8_t c) {
  static const char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
}
// The URL standard's C0 control percent-encode set (the opaque path and opaque hosts) and its query set.
bool in_c0_set(uint8_t c) { return c < 0x20 || c > 0x7E; }
bool in_query_set(uint8_t c) { return in_c0_set(c) || c == ' ' || c == '"' || c == '#' || c == '<' || c == '>'; }
bool in_path_set(uint8_t c) { return in_query_set(c) || c == '?' || c == '^' || c == '`' || c == '{' || c == '}'; }
bool in_userinfo_set(uint8_t c) {
  return in_path_set(c) || c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || (c >= '[' && c <= '^') || c == '|';
}
void append_encoded(std::string& out, const std::string& s, bool (*set)(uint8_t)) {
  for (unsigned char c : s) {
    if (set(c)) append_percent(out, c);
    else out.push_back(static_cast<char>(c));
  }
}

// MIME Sniffing "parse a MIME type". Returns false on failure.
bool parse_mime(const std::string& input, DataUrl& url) {
  size_t b = 0, e = input.size();
  while (b < e && is_http_space(static_cast<uint8_t>(input[b]))) ++b;
  while (e > b && is_http_space(static_cast<uint8_t>(input[e - 1]))) --e;
  const std::string s = input.substr(b, e - b);
  const size_t n = s.size();
  auto u = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  size_t pos = 0;
  while (pos < n && s[pos] != '/') ++pos;
  if (pos == 0 || pos == n) return false;
  for (size_t k = 0; k < pos; ++k)
    if (!is_http_token(u(k))) return false;
  std::string type = s.substr(0, pos);
  const size_t sub_begin = ++pos;
  while (pos < n && s[pos] != ';') ++pos;
  size_t sub_end = pos;
  while (sub_end > sub_begin && is_http_space(u(sub_end - 1))) --sub_end;
  if (sub_end == sub_begin) return false;
  for (size_t k = sub_begin; k < sub_end; ++k)
    if (!is_http_token(u(k))) return false;
  std::string essence = type + "/" + s.substr(sub_begin, sub_end - sub_begin);
  for (char& c : essence) c = static_cast<char>(lower(static_cast<uint8_t>(c)));
  std::vector<std::pair<std::string, std::string>> params;
  while (pos < n) {
    ++pos;  // the ';'
    while (pos < n && is_http_space(u(pos))) ++pos;
    std::string name;
    while (pos < n && s[pos] != ';' && s[pos] != '=') name.push_back(static_cast<char>(lower(u(pos++))));
    if (pos < n) {
      if (s[pos] == ';') continue;
      ++pos;  // the '='
    }
    if (pos >= n) break;
    std::string value;
    if (s[pos] == '"') {  // collect an HTTP quoted string, extracting the value
      ++pos;
      while (pos < n) {
        while (pos < n && s[pos] != '"' && s[pos] != '\\') value.push_back(s[pos++]);
        if (pos >= n) break;
        const char q = s[pos++];
        if (q == '\\') {
          if (pos >= n) {
            value.push_back('\\');
            break;
          }
          value.push_back(s[pos++]);
        } else {
          break;  // the closing quote
        }
      }
      while (pos < n && s[pos] != ';') ++pos;
    } else {
      const size_t vb = pos;
      while (pos < n && s[pos] != ';') ++pos;
      size_t ve = pos;
      while (ve > vb && is_http_space(u(ve - 1))) --ve;
      value = s.substr(vb, ve - vb);
      if (value.empty()) continue;
    }
    if (name.empty()) continue;
    bool ok = true;
    for (unsigned char c : name) ok = ok && is_http_token(c);
    for (unsigned char c : value) ok = ok && is_quoted_string_token(c);
    for (const auto& p : params) ok = ok && p.first != name;
    if (ok) params.emplace_back(std::move(name), std::move(value));
  }
  url.media_type = std::move(essence);
  url.parameters = std::move(params);
  return true;
}

// Steps 5- of the data: URL processor, once the URL serializer's text up to the first ',' is `mime` (without
// "data:") and the body (tab/newline removed, not yet percent-decoded) is body[0, n). Input positions of body bytes:
// at[k] when `at` is given, else base + k.
// `percent`: whether the body holds a '%' (0 / 1), or -1 to look.
DataUrlResult process_whatwg(std::string mime, const uint8_t* body, size_t n, const size_t* at, size_t base,
                             std::vector<uint8_t>& payload, int percent = -1) {
  DataUrlResult r;
  size_t b = 0, e = mime.size();
  while (b < e && is_space(static_cast<uint8_t>(mime[b]))) ++b;
  while (e > b && is_space(static_cast<uint8_t>(mime[e - 1]))) --e;
  mime = mime.substr(b, e - b);
  // ";" + zero or more spaces + "base64" (ASCII case-insensitive) at the end of the MIME type portion.
  bool base64 = false;
  size_t cut = mime.size();
  if (mime.size() >= 7 &&
      equals_ci(reinterpret_cast<const uint8_t*>(mime.data()) + mime.size() - 6, 6, "base64")) {
    size_t k = mime.size() - 6;
    while (k > 0 && mime[k - 1] == ' ') --k;
    if (k > 0 && mime[k - 1] == ';') {
      base64 = true;
      cut = k - 1;
    }
  }
  bool has_percent = percent == 1;
  if (percent < 0)
    for (size_t k = 0; k < n && !has_percent; ++k) has_percent = body[k] == '%';
  std::vector<uint8_t> unescaped;
  std::vector<size_t> origin;
  if (has_percent) percent_decode(body, n, true, unescaped, base64 ? &origin : nullptr, at, base);
  if (base64) {
    const uint8_t* src = has_percent ? unescaped.data() : body;
    const size_t src_len = has_percent ? unescaped.size() : n;
    Base64Result d = decode_base64(src, src_len, payload, data_url_base64_options());
    if (!d.ok()) {
      DataUrlResult f = fail(DataUrlError::bad_base64, 0);
      const size_t k = d.position;
      if (has_percent) f.position = k < origin.size() ? origin[k] : (origin.empty() ? base : origin.back() + 1);
      else f.position = at ? (k < n ? at[k] : (n ? at[n - 1] + 1 : base)) : base + k;
      f.base64_error = d.error;
      f.url.base64 = true;
      payload.clear();
      return f;
    }
    mime.resize(cut);
  } else if (has_percent) {
    payload = std::move(unescaped);
  } else {
    payload.assign(body, body + n);
  }
  if (!mime.empty() && mime[0] == ';') mime.insert(0, "text/plain");
  if (!parse_mime(mime, r.url)) {
    r.url.media_type = "text/plain";
    r.url.parameters = {{"charset", "US-ASCII"}};
  }
  r.url.base64 = base64;
  r.url.payload_offset = 0;
  r.url.payload_length = payload.size();
  return r;
}

bool is_single_dot(const std::string& s) { return s == "." || (s.size() == 3 && s[0] == '%' && s[1] == '2' && lower(s[2]) == 'e'); }
bool is_double_dot(const std::string& s) {
  std::string t;
  for (size_t k = 0; k < s.size(); ++k) {
    if (s[k] == '%' && k + 2 < s.size() && s[k + 1] == '2' && lower(s[k + 2]) == 'e') {
      t.push_back('.');
      k += 2;
    } else {
      t.push_back(s[k]);
    }
  }
  return t == "..";
}

// "data:/…" and "data://…": the URL parser's path (dot segments), authority (userinfo, opaque host, port) and query,
// serialized. `f` is the input after "data:", tab/newline removed, up to the fragment. Returns false when the URL
// parser fails.
bool serialize_hierarchical(const std::string& f, std::string& out) {
  size_t p = 0;
  bool has_host = false;
  if (f.size() >= 2 && f[0] == '/' && f[1] == '/') {
    has_host = true;
    size_t aend = 2;
    while (aend < f.size() && f[aend] != '/' && f[aend] != '?') ++aend;
    std::string auth = f.substr(2, aend - 2);
    std::string creds;
    const size_t at = auth.rfind('@');
    if (at != std::string::npos) {
      const std::string info = auth.substr(0, at);
      auth = auth.substr(at + 1);
      if (auth.empty()) return false;
      const size_t colon = info.find(':');
      const std::string user = info.substr(0, colon);
      const std::string pass = colon == std::string::npos ? "" : info.substr(colon + 1);
      append_encoded(creds, user, in_userinfo_set);
      if (!pass.empty()) {
        creds.push_back(':');
        append_encoded(creds, pass, in_userinfo_set);
      }
      if (!creds.empty()) creds.push_back('@');
    }
    std::string host = auth, port;
    bool brackets = false;
    size_t k = 0;
    for (; k < auth.size(); ++k) {
      if (auth[k] == '[') brackets = true;
      if (auth[k] == ']') brackets = false;
      if (auth[k] == ':' && !brackets) break;
    }
    if (k < auth.size()) {
      host = auth.substr(0, k);
      port = auth.substr(k + 1);
      if (host.empty()) return false;
    }
    if (!port.empty()) {
      unsigned long v = 0;
      for (unsigned char c : port) {
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
        if (v > 65535) return false;
      }
      port = std::to_string(v);
    }
    std::string host_out;
    if (!host.empty() && host[0] == '[') {
      if (host.back() != ']') return false;
      for (char c : host) host_out.push_back(static_cast<char>(lower(static_cast<uint8_t>(c))));
    } else {
      for (unsigned char c : host) {
        switch (c) {
          case 0: case '\t': case '\n': case '\r': case ' ': case '#': case '/': case ':': case '<': case '>':
          case '?': case '@': case '[': case '\\': case ']': case '^': case '|':
            return false;
          default: break;
        }
      }
      append_encoded(host_out, host, in_c0_set);
    }
    out = "//" + creds + host_out + (port.empty() ? "" : ":" + port);
    p = aend;
  } else {
    p = 0;  // the path starts at the '/'
  }
  const size_t q = f.find('?', p);
  const size_t pend = q == std::string::npos ? f.size() : q;
  std::vector<std::string> path;
  if (p < pend) {  // f[p] == '/'
    size_t s = p + 1;
    while (true) {
      size_t t = s;
      while (t < pend && f[t] != '/') ++t;
      const std::string seg = f.substr(s, t - s);
      const bool slash = t < pend;
      if (is_double_dot(seg)) {
        if (!path.empty()) path.pop_back();
        if (!slash) path.emplace_back();
      } else if (is_single_dot(seg)) {
        if (!slash) path.emplace_back();
      } else {
        std::string enc;
        append_encoded(enc, seg, in_path_set);
        path.push_back(std::move(enc));
      }
      if (!slash) break;
      s = t + 1;
    }
  }
  if (!has_host && path.size() > 1 && path[0].empty()) out += "/.";
  for (const auto& seg : path) out += "/" + seg;
  if (q != std::string::npos) {
    out.push_back('?');
    append_encoded(out, f.substr(q + 1), in_query_set);
  }
  return true;
}

DataUrlResult decode_whatwg(const uint8_t* in, size_t len, std::vector<uint8_t>& payload) {
  payload.clear();
  // The URL parser: leading and trailing C0 control or space removed, ASCII tab or newline skipped everywhere.
  size_t b = 0, e = len;
  while (b < e && in[b] <= 0x20) ++b;
  while (e > b && in[e - 1] <= 0x20) --e;
  size_t i = b;
  auto skip = [&](size_t k) {
    while (k < e && is_tab_or_newline(in[k])) ++k;
    return k;
  };
  // Scheme: an ASCII alpha, then alphanumerics, '+', '-', '.', up to ':'.
  i = skip(i);
  if (i == e || !is_alpha(in[i])) return fail(DataUrlError::not_a_data_url, i);
  char scheme[5] = {0, 0, 0, 0, 0};
  size_t scheme_len = 0;
  for (;; ++i) {
    i = skip(i);
    if (i == e) return fail(DataUrlError::not_a_data_url, e);
    const uint8_t c = in[i];
    if (c == ':') break;
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) return fail(DataUrlError::not_a_data_url, i);
    if (scheme_len < 5) scheme[scheme_len] = static_cast<char>(lower(c));
    ++scheme_len;
  }
  if (scheme_len != 4 || std::string(scheme, 4) != "data") return fail(DataUrlError::not_a_data_url, b);
  ++i;  // the ':'
  const size_t first = skip(i);
  if (first < e && in[first] == '/') {
    // data:/… or data://…: the hierarchical URL forms, serialized first (rare; the payload is copied).
    std::string f;
    size_t k = i;
    for (; k < e && in[k] != '#'; ++k)
      if (!is_tab_or_newline(in[k])) f.push_back(static_cast<char>(in[k]));
    std::string s;
    if (!serialize_hierarchical(f, s)) return fail(DataUrlError::not_a_data_url, first);
    const size_t comma = s.find(',');
    if (comma == std::string::npos) return fail(DataUrlError::missing_comma, k);
    DataUrlResult r = process_whatwg(s.substr(0, comma), reinterpret_cast<const uint8_t*>(s.data()) + comma + 1,
                                     s.size() - comma - 1, nullptr, first, payload);
    // The body read was the serialization (percent-encoded, dot segments resolved): its offsets are not the input's.
    // An error is reported where the path starts.
    if (!r.ok()) r.position = first;
    return r;
  }
  // The opaque path (and query): the first ',' before any '#' ends the MIME type portion.
  size_t comma = i;
  while (comma < e && in[comma] != ',' && in[comma] != '#') ++comma;
  if (comma == e || in[comma] == '#') return fail(DataUrlError::missing_comma, comma);
  // One pass over the body (it may be many MiB): where the fragment starts, and whether there is any tab/newline
  // to remove or '%' to decode.
  static const std::array<uint8_t, 256> kClass = [] {
    std::array<uint8_t, 256> t{};
    t['#'] = 1;
    t['\t'] = t['\n'] = t['\r'] = 2;
    t['%'] = 4;
    return t;
  }();
  size_t end = comma + 1;
  uint8_t seen = 0;
  for (; end < e; ++end) {
    const uint8_t k = kClass[in[end]];
    if (k) {
      if (k == 1) break;
      seen |= k;
    }
  }
  // The MIME type portion as the URL serializer writes it: the opaque path's C0 control percent-encode set, then
  // after a '?' the query percent-encode set.
  std::string mime;
  bool query = false;
  for (size_t k = i; k < comma; ++k) {
    const uint8_t c = in[k];
    if (is_tab_or_newline(c)) continue;
    if (c == '?') query = true;
    if (query ? in_query_set(c) : in_c0_set(c)) append_percent(mime, c);
    else mime.push_back(static_cast<char>(c));
  }
  // The body: the serializer's percent-encoding is undone by the processor's percent-decoding byte for byte, so only
  // tab/newline removal remains to do before it.
  const uint8_t* body = in + comma + 1;
  const size_t n = end - comma - 1;
  const int percent = (seen & 4) ? 1 : 0;
  if (!(seen & 2)) return process_whatwg(std::move(mime), body, n, nullptr, comma + 1, payload, percent);
  std::vector<uint8_t> kept;
  std::vector<size_t> at;
  kept.reserve(n);
  at.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    if (is_tab_or_newline(body[k])) continue;
    kept.push_back(body[k]);
    at.push_back(comma + 1 + k);
  }
  return process_whatwg(std::move(mime), kept.data(), kept.size(), at.data(), comma + 1, payload, percent);
}

}  // namespace

Base64Options data_url_base64_options() {
  Base64Options o;  // forgiving-base64: whitespace skipped, padding optional, unused bits ignored
  o.alphabet = Base64Alphabet::standard;
  o.last_chunk = LastChunk::loose;
  o.skip_whitespace = true;
  return o;
}

bool parse_mime_type(const uint8_t* in, size_t len, DataUrl& url) {
  return parse_mime(std::string(reinterpret_cast<const char*>(in), len), url);
}

std::string serialize_media_type(const DataUrl& url) {
  std::string s = url.media_type;
  for (const auto& [name, value] : url.parameters) {
    s += ";" + name + "=";
    bool token = !value.empty();
    for (unsigned char c : value) token = token && is_http_token(c);
    if (token) {
      s += value;
      continue;
    }
    s.push_back('"');
    for (char c : value) {
      if (c == '"' || c == '\\') s.push_back('\\');
      s.push_back(c);
    }
    s.push_back('"');
  }
  return s;
}

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

DataUrlResult decode_data_url(const uint8_t* in, size_t len, std::vector<uint8_t>& payload, DataUrlMode mode) {
  if (mode == DataUrlMode::whatwg) return decode_whatwg(in, len, payload);
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
    const size_t bad = percent_decode(p, n, false, unescaped, r.url.base64 ? &origin : nullptr, nullptr,
                                      r.url.payload_offset);
    if (bad != kNpos) return fail(DataUrlError::bad_percent, r.url.payload_offset + bad);
  }
  if (!r.url.base64) {
    if (has_percent) payload = std::move(unescaped);
    else payload.assign(p, p + n);
    return r;
  }
  const uint8_t* src = has_percent ? unescaped.data() : p;
  const size_t src_len = has_percent ? unescaped.size() : n;
  Base64Result b = decode_base64(src, src_len, payload, data_url_base64_options());
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
