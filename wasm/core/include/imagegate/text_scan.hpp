#pragma once
// The byte-level helpers every text reader of the core shares: one hex parser, one UTF-8 sequence check, one
// JSON escape reader and one SWAR finder (the SSE parser's line ends, the JSON scanner's quotes and backslashes).
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace imagegate {

// 0-15 for an ASCII hex digit (either case), else -1.
inline int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Index of the first byte equal to `a` or `b` in [p, p+n), or n. Tests 8 bytes at a time (SWAR "has zero byte"):
// an image is one JSON string (or one SSE line) of many MiB, so these loops are hot.
inline size_t find_either(const uint8_t* p, size_t n, uint8_t a, uint8_t b) {
  size_t i = 0;
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  const uint64_t wa = ones * a, wb = ones * b;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t x = w ^ wa, y = w ^ wb;
    if (((x - ones) & ~x & highs) | ((y - ones) & ~y & highs)) break;
  }
  for (; i < n; ++i)
    if (p[i] == a || p[i] == b) return i;
  return n;
}

// Length of the valid UTF-8 sequence at p (Unicode Table 3-7, as nlohmann checks it), 0 if invalid, or
// kUtf8NeedMore when the `avail` bytes are a valid but incomplete start of one.
constexpr size_t kUtf8NeedMore = static_cast<size_t>(-1);
inline size_t utf8_sequence(const uint8_t* p, size_t avail) {
  const uint8_t c = p[0];
  size_t need = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 2;
  else if (c == 0xE0) need = 3, lo = 0xA0;
  else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 3;
  else if (c == 0xED) need = 3, hi = 0x9F;
  else if (c == 0xF0) need = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) need = 4;
  else if (c == 0xF4) need = 4, hi = 0x8F;
  else return 0;
  for (size_t k = 1; k < need; ++k) {
    if (k >= avail) return kUtf8NeedMore;
    const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (p[k] < l || p[k] > h) return 0;
  }
  return need;
}

// A JSON escape at p (p[0] == '\\'). Returns its length in the input (2, 6 or 12), 0 when it is invalid JSON, or
// kUtf8NeedMore when `avail` bytes are not enough to tell. On success `cp` is the code point it stands for.
inline size_t read_json_escape(const uint8_t* p, size_t avail, uint32_t& cp) {
  if (avail < 2) return kUtf8NeedMore;
  switch (p[1]) {
    case '"': cp = '"'; return 2;
    case '\\': cp = '\\'; return 2;
    case '/': cp = '/'; return 2;
    case 'b': cp = '\b'; return 2;
    case 'f': cp = '\f'; return 2;
    case 'n': cp = '\n'; return 2;
    case 'r': cp = '\r'; return 2;
    case 't': cp = '\t'; return 2;
    case 'u': break;
    default: return 0;
  }
  auto unit = [&](size_t at, uint32_t& v) -> int {  // 1 ok, 0 bad, -1 need more
    v = 0;
    for (size_t k = at + 2; k < at + 6; ++k) {
      if (k >= avail) return -1;
      const int h = hex_digit(p[k]);
      if (h < 0) return 0;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    return 1;
  };
  uint32_t u;
  const int first = unit(0, u);
  if (first <= 0) return first < 0 ? kUtf8NeedMore : 0;
  if (u >= 0xDC00 && u <= 0xDFFF) return 0;  // a lone low surrogate
  if (u < 0xD800 || u > 0xDBFF) {
    cp = u;
    return 6;
  }
  // A high surrogate must be followed by a low one.
  if (avail < 8) return kUtf8NeedMore;
  if (p[6] != '\\' || p[7] != 'u') return 0;
  uint32_t lo;
  const int second = unit(6, lo);
  if (second <= 0) return second < 0 ? kUtf8NeedMore : 0;
  if (lo < 0xDC00 || lo > 0xDFFF) return 0;
  cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
  return 12;
}

// Writes the UTF-8 encoding of `cp` (a scalar value) to out; returns its length (1-4).
inline size_t encode_utf8(uint32_t cp, uint8_t* out) {
  if (cp < 0x80) { out[0] = static_cast<uint8_t>(cp); return 1; }
  if (cp < 0x800) {
    out[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    out[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
  out[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  return 4;
}

// One character of a JSON string's text at p (p[0] is not the closing quote): its length in the input (0 = invalid
// JSON, kUtf8NeedMore = cut short by the end of the input), and in `bytes` the UTF-8 bytes it stands for.
inline size_t read_json_char(const uint8_t* p, size_t avail, uint8_t* bytes, size_t& nb) {
  const uint8_t c = p[0];
  if (c == '\\') {
    uint32_t cp = 0;
    const size_t r = read_json_escape(p, avail, cp);
    if (r == 0 || r == kUtf8NeedMore) return r;
    nb = encode_utf8(cp, bytes);
    return r;
  }
  if (c < 0x20) return 0;
  if (c >= 0x80) {
    const size_t r = utf8_sequence(p, avail);
    if (r == 0 || r == kUtf8NeedMore) return r;
    std::memcpy(bytes, p, r);
    nb = r;
    return r;
  }
  bytes[0] = c;
  nb = 1;
  return 1;
}

// The one percent decoder (WHATWG "percent-decode"), a byte at a time so that it can run on text that arrives in
// pieces: "%XX" becomes the byte 0xXX; a '%' not followed by two hex digits is kept as it is, and the position of the
// first such '%' is remembered for readers that reject it (RFC 2397). emit(byte, position) receives each output byte
// with the input position it came from (a decoded byte: its '%').
class PercentDecoder {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  template <typename Emit> void take(uint8_t b, size_t pos, Emit&& emit) {
    switch (state_) {
      case 0:
        if (b == '%') {
          state_ = 1;
          at_ = pos;
          return;
        }
        emit(b, pos);
        return;
      case 1:
        if (hex_digit(b) >= 0) {
          first_ = b;
          state_ = 2;
          return;
        }
        keep_percent(emit);
        take(b, pos, emit);
        return;
      default:
        if (hex_digit(b) >= 0) {
          state_ = 0;
          emit(static_cast<uint8_t>(hex_digit(first_) * 16 + hex_digit(b)), at_);
          return;
        }
        keep_percent(emit);
        take(b, pos, emit);
        return;
    }
  }
  // The end of the text: a '%' (and its one hex digit) cut short is kept as it is.
  template <typename Emit> void end(Emit&& emit) {
    if (state_) keep_percent(emit);
  }
  bool pending() const { return state_ != 0; }
  size_t malformed_at() const { return malformed_; }

 private:
  template <typename Emit> void keep_percent(Emit&& emit) {
    if (malformed_ == kNone) malformed_ = at_;
    emit('%', at_);
    if (state_ == 2) emit(first_, at_ + 1);
    state_ = 0;
  }
  int state_ = 0;  // 0; 1: after '%'; 2: after '%' and one hex digit
  uint8_t first_ = 0;
  size_t at_ = 0;
  size_t malformed_ = kNone;
};

}  // namespace imagegate
