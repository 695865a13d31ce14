// WASM SIMD128 base64 kernels (compiled only with -msimd128). The decode kernel is the classic
// nibble-lookup validate-and-translate (Muła and Lemire, as in simdutf and fastbase64) adapted to wasm's
// swizzle; wasm has no pmaddubsw, so the 4×6 → 3×8 bit packing merges sextet pairs with shifts and masks on 16-bit
// lanes, then the 12-bit pairs with i32x4.dot_i16x8_s (pmaddwd).
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "base64_kernels.hpp"

namespace imagegate {
namespace detail {
namespace {

// Validation: a character is in the standard alphabet iff lut_lo[low nibble] & lut_hi[high nibble] == 0.
const v128_t kLutLo = wasm_i8x16_const(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B,
                                       0x1B, 0x1B, 0x1A);
const v128_t kLutHi = wasm_i8x16_const(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10,
                                       0x10, 0x10, 0x10);
// Translation: add lut_roll[high nibble - (c == '/')] to get the sextet.
const v128_t kLutRoll = wasm_i8x16_const(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);

// The URL alphabet is the standard one with '-' and '_' for '+' and '/': map them over, and make the standard
// '+' and '/' invalid, then reuse the standard kernel.
inline v128_t url_to_standard(v128_t v) {
  const v128_t dash = wasm_i8x16_eq(v, wasm_i8x16_splat('-'));
  const v128_t under = wasm_i8x16_eq(v, wasm_i8x16_splat('_'));
  const v128_t std_chars = wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat('+')), wasm_i8x16_eq(v, wasm_i8x16_splat('/')));
  v = wasm_v128_bitselect(wasm_i8x16_splat('+'), v, dash);
  v = wasm_v128_bitselect(wasm_i8x16_splat('/'), v, under);
  return wasm_v128_bitselect(wasm_i8x16_splat(0), v, std_chars);  // 0x00 is invalid
}

// Returns non-zero lanes where `v` holds a character outside the alphabet; `sextets` gets the values.
inline v128_t translate(v128_t v, v128_t& sextets) {
  const v128_t hi = wasm_u8x16_shr(v, 4);
  const v128_t lo = wasm_v128_and(v, wasm_i8x16_splat(0x0F));
  const v128_t bad = wasm_v128_and(wasm_i8x16_swizzle(kLutLo, lo), wasm_i8x16_swizzle(kLutHi, hi));
  const v128_t slash = wasm_i8x16_eq(v, wasm_i8x16_splat('/'));
  sextets = wasm_i8x16_add(v, wasm_i8x16_swizzle(kLutRoll, wasm_i8x16_add(hi, slash)));
  return bad;
}

// 16 sextets → 12 bytes in lanes 0..11 (lanes 12..15 are scratch).
inline v128_t pack(v128_t s) {
  // 16-bit lanes: [a, b] → a << 6 | b (12 bits).
  const v128_t ab = wasm_v128_or(wasm_i16x8_shl(wasm_v128_and(s, wasm_i16x8_splat(0x00FF)), 6), wasm_u16x8_shr(s, 8));
  // 32-bit lanes: [x, y] → x << 12 | y (24 bits: bytes b2 b1 b0 0 in memory order), as one i32x4.dot_i16x8_s
  // (pmaddwd): x * 0x1000 + y * 1. Both halves are below 4096, so the signed multiply is exact.
  const v128_t xy = wasm_i32x4_dot_i16x8(ab, wasm_i32x4_splat(0x00011000));
  return wasm_i8x16_shuffle(xy, xy, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 3, 7, 11, 15);
}

template <bool Url>
size_t decode_simd(const uint8_t* in, size_t len, uint8_t* out, size_t cap) {
  size_t i = 0, w = 0;
  // 64 characters per round: load all four vectors before storing (in-place safety), one validity test.
  while (i + 64 <= len && w + 52 <= cap) {
    v128_t v0 = wasm_v128_load(in + i), v1 = wasm_v128_load(in + i + 16);
    v128_t v2 = wasm_v128_load(in + i + 32), v3 = wasm_v128_load(in + i + 48);
    if (Url) { v0 = url_to_standard(v0); v1 = url_to_standard(v1); v2 = url_to_standard(v2); v3 = url_to_standard(v3); }
    v128_t s0, s1, s2, s3;
    const v128_t bad = wasm_v128_or(wasm_v128_or(translate(v0, s0), translate(v1, s1)),
                                    wasm_v128_or(translate(v2, s2), translate(v3, s3)));
    if (wasm_v128_any_true(bad)) break;
    wasm_v128_store(out + w, pack(s0));
    wasm_v128_store(out + w + 12, pack(s1));
    wasm_v128_store(out + w + 24, pack(s2));
    wasm_v128_store(out + w + 36, pack(s3));
    i += 64;
    w += 48;
  }
  while (i + 16 <= len && w + 16 <= cap) {
    v128_t v = wasm_v128_load(in + i);
    if (Url) v = url_to_standard(v);
    v128_t s;
    if (wasm_v128_any_true(translate(v, s))) break;
    wasm_v128_store(out + w, pack(s));
    i += 16;
    w += 12;
  }
  return i;
}

}  // namespace

size_t decode_bulk(const uint8_t* in, size_t len, uint8_t* out, size_t cap, Base64Alphabet alphabet) {
  const size_t i = alphabet == Base64Alphabet::url ? decode_simd<true>(in, len, out, cap) : decode_simd<false>(in, len, out, cap);
  const size_t w = i / 4 * 3;
  return i + decode_bulk_scalar(in + i, len - i, out + w, cap - w, alphabet);
}

size_t encode_bulk(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet) {
  const v128_t lut = alphabet == Base64Alphabet::url
                         ? wasm_i8x16_const(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0)
                         : wasm_i8x16_const(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
  size_t i = 0, w = 0;
  for (; i + 16 <= len; i += 12, w += 16) {  // reads 16 bytes to use 12: stay 4 bytes clear of the end
    const v128_t v = wasm_v128_load(in + i);
    // Each 32-bit lane gets [b1 b0 b2 b1]: its low 16 bits are b0b1, its high 16 bits are b1b2 (big-endian pairs).
    const v128_t x = wasm_i8x16_shuffle(v, v, 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const v128_t even = wasm_v128_or(wasm_u16x8_shr(x, 10), wasm_v128_and(wasm_i16x8_shl(x, 4), wasm_i16x8_splat(0x3F00)));
    const v128_t odd = wasm_v128_or(wasm_v128_and(wasm_u16x8_shr(x, 6), wasm_i16x8_splat(0x003F)),
                                    wasm_v128_and(wasm_i16x8_shl(x, 8), wasm_i16x8_splat(0x3F00)));
    const v128_t s = wasm_v128_bitselect(even, odd, wasm_i32x4_splat(0x0000FFFF));  // sextets in output order
    v128_t idx = wasm_u8x16_sub_sat(s, wasm_i8x16_splat(51));
    idx = wasm_v128_or(idx, wasm_v128_and(wasm_i8x16_gt(wasm_i8x16_splat(26), s), wasm_i8x16_splat(13)));
    wasm_v128_store(out + w, wasm_i8x16_add(s, wasm_i8x16_swizzle(lut, idx)));
  }
  return i;
}

}  // namespace detail
}  // namespace imagegate
#endif  // __wasm_simd128__
