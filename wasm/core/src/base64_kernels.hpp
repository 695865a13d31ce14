#pragma once
// Private to the core: the bulk kernels behind base64.cpp. A kernel handles only the easy case — whole
// 4-character quanta of alphabet characters — and stops at the first quantum that holds anything else
// (whitespace, '=', a quote, garbage), leaving that to the exact scalar state machine. That split keeps
// every error position and every edge case in one place (the state machine) and the speed in another.
#include <cstddef>
#include <cstdint>

#include "imagegate/base64.hpp"

namespace imagegate {
namespace detail {

// Per-byte classification shared by the kernels and the state machine.
constexpr uint8_t kInvalid = 0xFF;
constexpr uint8_t kWhitespace = 0xFE;
constexpr uint8_t kPad = 0xFD;
const uint8_t* decode_table(Base64Alphabet alphabet);  // 256 entries: sextet value or one of the markers

// Decodes whole quanta from `in` while every character is in the alphabet. Returns the number of input
// characters consumed (a multiple of 4); writes consumed / 4 * 3 bytes to `out`. May write up to 16 bytes of
// scratch past the decoded bytes, but never at or beyond out + out_capacity. Safe in place (out == in): it
// loads a block before it stores over it.
size_t decode_bulk(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity, Base64Alphabet alphabet);
size_t decode_bulk_scalar(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity, Base64Alphabet alphabet);

// Encodes whole 3-byte groups; returns the number of input bytes consumed (a multiple of 3).
size_t encode_bulk(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet);

}  // namespace detail
}  // namespace imagegate

namespace imagegate {
namespace detail {
const char* encode_alphabet(Base64Alphabet alphabet);
size_t encode_bulk_scalar(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet);
}  // namespace detail
}  // namespace imagegate
