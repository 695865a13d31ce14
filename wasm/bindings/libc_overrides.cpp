// Size: libc functions whose musl versions cost far more wasm than this package needs. Definitions in the
// program are linked in place of libc.a's (these files are only compiled into the wasm, never natively).
//
//  * snprintf without floating point. Its only callers are nlohmann's lexer and parser, formatting a control
//    character as "<U+%.4X>" for parse error texts (json_util.cpp strips that part anyway). musl's version
//    drags in fmt_fp and long double formatting (about 1.8 KiB of gzip); emscripten's libc has the
//    integer-only vsniprintf. %f, %g, %e and %a print nothing through it: don't add callers that need them.
//  * strtod (and strtof/strtold, which share musl's strtod.o): musl's decimal-to-binary conversion works in
//    software long double (about 6.8 KiB of gzip with its soft-float helpers). Callers: nlohmann's lexer for
//    numbers with a fraction or exponent, and retry.cpp's Retry-After parser. Here the C side scans the
//    same syntax as C's strtod (leading space, sign, decimal or hex digits, exponent, inf/infinity/nan) and
//    the decimal conversion itself is JavaScript's Number(), which is correctly rounded, as musl is. Hex
//    floats are converted here (exact up to 64 significant bits, then rounded once), and errno gets ERANGE
//    on overflow to infinity and on underflow to zero, as with musl.
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include <emscripten.h>

extern "C" int vsniprintf(char* s, size_t n, const char* fmt, va_list ap);

extern "C" int snprintf(char* s, size_t n, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int r = vsniprintf(s, n, fmt, ap);
  va_end(ap);
  return r;
}

// `len` ASCII bytes at `p`, already checked to be [+-]digits[.digits][(e|E)[+-]digits] (or .digits).
EM_JS(double, imagegate_decimal_to_double, (const char* p, size_t len), {
  var s = "";
  for (var i = 0; i < len; i++) s += String.fromCharCode(HEAPU8[p + i]);
  return Number(s);
});

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool starts_with_ci(const char* p, const char* word) {
  for (; *word; ++p, ++word)
    if (lower(*p) != *word) return false;
  return true;
}

// Hex float after "0x": hex digits, optional '.', hex digits, optional p[+-]digits. `p` points after "0x".
// Returns the end of the accepted text (or nullptr when there is no hex digit at all).
const char* scan_hex(const char* p, bool negative, double& out) {
  uint64_t mant = 0;
  bool sticky = false, any = false, dot = false;
  long exp2 = 0;  // binary exponent adjustment
  for (;; ++p) {
    if (*p == '.' && !dot) { dot = true; continue; }
    const int v = hex_value(*p);
    if (v < 0) break;
    any = true;
    if (mant >> 60) {          // no room: keep the bits as a sticky flag, count the scale
      sticky |= v != 0;
      if (!dot) exp2 += 4;
    } else {
      mant = (mant << 4) | static_cast<uint64_t>(v);
      if (dot) exp2 -= 4;
    }
  }
  if (!any) return nullptr;
  if ((*p == 'p' || *p == 'P')) {
    const char* q = p + 1;
    bool eneg = false;
    if (*q == '+' || *q == '-') eneg = *q++ == '-';
    if (is_digit(*q)) {
      long e = 0;
      for (; is_digit(*q); ++q)
        if (e < 100000) e = e * 10 + (*q - '0');
      exp2 += eneg ? -e : e;
      p = q;
    }
  }
  double x;
  if (mant == 0) {
    x = 0;
  } else {
    // Fold the dropped bits in as a sticky bit and let one conversion round (to nearest even) to 53 bits;
    // then scale. Results that end up subnormal can be rounded twice (off by one ulp).
    if (sticky) mant |= 1;
    x = std::ldexp(static_cast<double>(mant), static_cast<int>(exp2 < -100000 ? -100000 : exp2 > 100000 ? 100000 : exp2));
    if (std::isinf(x) || x == 0) errno = ERANGE;
  }
  out = negative ? -x : x;
  return p;
}

}  // namespace

extern "C" double strtod(const char* s, char** end) {
  const char* p = s;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;
  const char* start = p;
  bool negative = false;
  if (*p == '+' || *p == '-') negative = *p++ == '-';
  double out = 0;
  const char* stop = s;  // nothing converted
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    if (const char* q = scan_hex(p + 2, negative, out)) stop = q;
    else { out = negative ? -0.0 : 0.0; stop = p + 1; }  // "0x" alone: the "0" is the number
  } else if (starts_with_ci(p, "inf")) {
    out = negative ? -HUGE_VAL : HUGE_VAL;
    stop = p + (starts_with_ci(p, "infinity") ? 8 : 3);
  } else if (starts_with_ci(p, "nan")) {
    out = negative ? -NAN : NAN;
    stop = p + 3;
    if (*stop == '(') {  // nan(n-char-sequence)
      const char* q = stop + 1;
      while (is_digit(*q) || (lower(*q) >= 'a' && lower(*q) <= 'z') || *q == '_') ++q;
      if (*q == ')') stop = q + 1;
    }
  } else {
    const char* q = p;
    bool digits = false, nonzero = false;
    for (; is_digit(*q); ++q) digits = true, nonzero |= *q != '0';
    if (*q == '.') {
      ++q;
      for (; is_digit(*q); ++q) digits = true, nonzero |= *q != '0';
    }
    if (digits) {
      if (*q == 'e' || *q == 'E') {
        const char* e = q + 1;
        if (*e == '+' || *e == '-') ++e;
        if (is_digit(*e)) {
          while (is_digit(*e)) ++e;
          q = e;
        }
      }
      out = imagegate_decimal_to_double(start, static_cast<size_t>(q - start));
      if (std::isinf(out) || (out == 0 && nonzero)) errno = ERANGE;
      stop = q;
    }
  }
  if (end) *end = const_cast<char*>(stop);
  return out;
}

extern "C" float strtof(const char* s, char** end) { return static_cast<float>(strtod(s, end)); }
extern "C" long double strtold(const char* s, char** end) { return strtod(s, end); }
