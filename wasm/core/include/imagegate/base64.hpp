#pragma once
// Base64 decoding and encoding (RFC 4648), modelled on simdutf's API and on the
// platform's Uint8Array.fromBase64 options: results carry an error kind and the
// exact input position instead of throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imagegate {

enum class Base64Alphabet : uint8_t { standard, url };

// What to do with the last, possibly partial, quantum (names as in Uint8Array.fromBase64).
//  loose:               padding optional; a 2- or 3-char final chunk decodes; non-zero trailing bits tolerated.
//  strict:              input length (whitespace aside) must be a multiple of 4 with correct '=' padding,
//                       and the unused bits of the last chunk must be zero.
//  stop_before_partial: decode whole quanta, stop before an unpadded partial final chunk and report
//                       how much input was consumed (no error).
enum class LastChunk : uint8_t { loose, strict, stop_before_partial };

enum class Base64Error : uint8_t {
  none,
  invalid_character,  // a byte outside the alphabet (or whitespace with Whitespace::reject)
  bad_padding,        // '=' where it cannot be, or data after padding
  partial_chunk,      // a lone final character, or (strict) an unpadded partial chunk
  nonzero_bits,       // strict: the last chunk has non-zero unused bits
  output_too_small,   // caller-provided buffer too small
};

struct Base64Options {
  Base64Alphabet alphabet = Base64Alphabet::standard;
  LastChunk last_chunk = LastChunk::loose;
  bool skip_whitespace = true;  // ASCII whitespace (space, \t, \n, \f, \r) is skipped, as data URLs and MIME allow
};

struct Base64Result {
  Base64Error error = Base64Error::none;
  size_t position = 0;  // on error: index of the first offending input byte
  size_t written = 0;   // bytes written to the output
  size_t consumed = 0;  // input bytes consumed (== input length unless stop_before_partial stopped early, or on error)
  bool ok() const { return error == Base64Error::none; }
};

const char* to_string(Base64Error e);

// Upper bound on decoded size for `len` input bytes (exact when there is no whitespace or padding).
constexpr size_t base64_max_decoded_size(size_t len) { return (len / 4) * 3 + ((len % 4) * 3 + 3) / 4; }
constexpr size_t base64_encoded_size(size_t len, bool pad = true) {
  return pad ? ((len + 2) / 3) * 4 : (len / 3) * 4 + ((len % 3) ? (len % 3) + 1 : 0);
}

// Decodes into a caller-provided buffer; never allocates. Uses the SIMD kernel where compiled in.
Base64Result decode_base64(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity,
                           const Base64Options& opts = {});
// The portable reference implementation: same contract, byte at a time.
Base64Result decode_base64_scalar(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity,
                                  const Base64Options& opts = {});
// Convenience: decodes into a vector sized exactly to the output (vector is cleared on error).
Base64Result decode_base64(const uint8_t* in, size_t len, std::vector<uint8_t>& out, const Base64Options& opts = {});

// Uint8Array.prototype.setFromBase64 exactly (TC39 proposal-arraybuffer-base64, "FromBase64" with maxLength
// = max_length): decodes whole 4-character chunks while their bytes fit, stops without reading on once
// `max_length` bytes are written, and stops before a chunk whose bytes would not fit (a final "xx==" or "xxx="
// still decodes when its 1 or 2 bytes fit). Never an output_too_small error.
//  ok:    written = bytes decoded; consumed = the spec's [[Read]]: the input index just past the last chunk
//         decoded (past trailing whitespace and padding only when the whole input was used).
//  error: the bytes of every whole chunk before the error are in out[0, written) (what setFromBase64 writes
//         before it throws), consumed = the [[Read]] at that point, position = the first offending byte.
// `out` needs max_length bytes; out[written, max_length) may be used as scratch. Safe in place (out == in) when
// max_length <= len. Whitespace::reject (skip_whitespace = false) is imagegate's extension: whitespace is then an
// invalid_character.
Base64Result decode_base64_bounded(const uint8_t* in, size_t len, uint8_t* out, size_t max_length,
                                   const Base64Options& opts = {});

// Encodes `len` bytes; `out` must hold base64_encoded_size(len, pad). Returns bytes written. Uses the SIMD128
// kernel where compiled in.
size_t encode_base64(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet = Base64Alphabet::standard,
                     bool pad = true);
// The portable reference encoder: same contract, 3 bytes at a time (what the SIMD kernel is tested against).
size_t encode_base64_scalar(const uint8_t* in, size_t len, char* out,
                            Base64Alphabet alphabet = Base64Alphabet::standard, bool pad = true);
// Appends the base64 of `len` bytes (padded, standard alphabet) to `out`, growing it once.
void append_base64(std::string& out, const uint8_t* in, size_t len);

// Incremental decoder: input in pieces of any size (a piece may end mid-quantum or mid-padding); the bytes
// produced over all feed() calls plus finish() equal one-shot decode_base64 on the concatenation, and
// error positions are absolute offsets into that concatenation.
class Base64StreamDecoder {
 public:
  explicit Base64StreamDecoder(const Base64Options& opts = {});
  // Appends decoded bytes to `out`. After an error, further calls return the same error.
  Base64Result feed(const uint8_t* in, size_t len, std::vector<uint8_t>& out);
  // Same, into a caller buffer (must hold base64_max_decoded_size(len) + 3 bytes).
  Base64Result feed(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity);
  // Ends the input: applies the last-chunk policy to any pending quantum.
  // Like feed(), but stops without error before the first byte that is neither base64, a space nor '='
  // (consumed = its index in `in`): a JSON string's closing quote, escape or raw control character (which JSON
  // forbids, so raw \n is not skipped here) ends the run, and the caller decides.
  Base64Result feed_until_invalid(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity);
  Base64Result finish(std::vector<uint8_t>& out);
  Base64Result finish(uint8_t* out, size_t out_capacity);
  void reset();
  size_t total_consumed() const { return offset_; }
  // Sets the position the next input byte is reported at: a caller that feeds the decoder from a text in which the
  // base64 is not contiguous (JSON escapes, percent-encoding) keeps every error position in its own coordinates.
  void set_offset(size_t offset) { offset_ = offset; }

 private:
  Base64Result feed_impl(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity, bool stop_at_invalid);
  Base64Options opts_;
  uint8_t pending_[4] = {0, 0, 0, 0};   // sextets of an incomplete quantum
  size_t pending_pos_[4] = {0, 0, 0, 0};
  uint8_t pending_len_ = 0;
  uint8_t padding_seen_ = 0;            // '=' characters seen so far in the current quantum
  size_t padding_pos_ = 0;              // position of the first '='
  bool done_ = false;                   // a complete padded quantum ended the data
  size_t offset_ = 0;                   // absolute offset of the next input byte
  Base64Result error_{};
};

}  // namespace imagegate
