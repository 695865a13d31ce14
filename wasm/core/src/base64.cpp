// Base64 (RFC 4648): the exact scalar state machine (errors, positions, padding, whitespace, chunking)
// and the portable bulk kernels. The WASM SIMD128 kernels live in base64_simd.cpp.
#include "imagegate/base64.hpp"

#include <array>
#include <cstring>

#include "base64_kernels.hpp"

namespace imagegate {
namespace detail {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<uint8_t, 256> make_table(const char* alphabet) {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  // ASCII whitespace as the Infra standard defines it (what data URLs and fromBase64 skip).
  for (uint8_t c : {uint8_t(' '), uint8_t('\t'), uint8_t('\n'), uint8_t('\f'), uint8_t('\r')}) t[c] = kWhitespace;
  t[static_cast<uint8_t>('=')] = kPad;
  return t;
}
constexpr std::array<uint8_t, 256> kStandardTable = make_table(kStandard);
constexpr std::array<uint8_t, 256> kUrlTable = make_table(kUrl);

}  // namespace

const uint8_t* decode_table(Base64Alphabet alphabet) {
  return alphabet == Base64Alphabet::url ? kUrlTable.data() : kStandardTable.data();
}

const char* encode_alphabet(Base64Alphabet alphabet) { return alphabet == Base64Alphabet::url ? kUrl : kStandard; }

size_t decode_bulk_scalar(const uint8_t* in, size_t len, uint8_t* out, size_t /*out_capacity*/,
                          Base64Alphabet alphabet) {
  // Writes exactly 3 bytes per quantum, so it needs no slack; the caller guarantees room for them.
  const uint8_t* t = decode_table(alphabet);
  size_t i = 0, w = 0;
  for (; i + 4 <= len; i += 4, w += 3) {
    const uint32_t a = t[in[i]], b = t[in[i + 1]], c = t[in[i + 2]], d = t[in[i + 3]];
    if ((a | b | c | d) & 0xC0) break;  // a marker (>= 0xFD) somewhere in this quantum
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[w] = static_cast<uint8_t>(v >> 16);
    out[w + 1] = static_cast<uint8_t>(v >> 8);
    out[w + 2] = static_cast<uint8_t>(v);
  }
  return i;
}

size_t encode_bulk_scalar(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet) {
  const char* a = encode_alphabet(alphabet);
  size_t i = 0, w = 0;
  for (; i + 3 <= len; i += 3, w += 4) {
    const uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    out[w] = a[v >> 18];
    out[w + 1] = a[(v >> 12) & 63];
    out[w + 2] = a[(v >> 6) & 63];
    out[w + 3] = a[v & 63];
  }
  return i;
}

#ifndef __wasm_simd128__
size_t decode_bulk(const uint8_t* in, size_t len, uint8_t* out, size_t out_capacity, Base64Alphabet alphabet) {
  return decode_bulk_scalar(in, len, out, out_capacity, alphabet);
}
size_t encode_bulk(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet) {
  return encode_bulk_scalar(in, len, out, alphabet);
}
#endif

}  // namespace detail

const char* to_string(Base64Error e) {
  switch (e) {
    case Base64Error::none: return "none";
    case Base64Error::invalid_character: return "invalid_character";
    case Base64Error::bad_padding: return "bad_padding";
    case Base64Error::partial_chunk: return "partial_chunk";
    case Base64Error::nonzero_bits: return "nonzero_bits";
    case Base64Error::output_too_small: return "output_too_small";
  }
  return "unknown";
}

// ---- the incremental state machine -------------------------------------------------------------------

Base64StreamDecoder::Base64StreamDecoder(const Base64Options& opts) : opts_(opts) {}

void Base64StreamDecoder::reset() {
  const Base64Options opts = opts_;
  *this = Base64StreamDecoder(opts);
}

namespace {
Base64Result failure(Base64Error e, size_t position, size_t written) {
  Base64Result r;
  r.error = e;
  r.position = position;
  r.written = written;
  r.consumed = position;
  return r;
}
}  // namespace

Base64Result Base64StreamDecoder::feed(const uint8_t* in, size_t len, uint8_t* out, size_t cap) {
  return feed_impl(in, len, out, cap, false);
}

Base64Result Base64StreamDecoder::feed_until_invalid(const uint8_t* in, size_t len, uint8_t* out, size_t cap) {
  return feed_impl(in, len, out, cap, true);
}

Base64Result Base64StreamDecoder::feed_impl(const uint8_t* in, size_t len, uint8_t* out, size_t cap, bool stop_at_invalid) {
  if (error_.error != Base64Error::none) {
    Base64Result r = error_;
    r.written = 0;
    return r;
  }
  const uint8_t* table = detail::decode_table(opts_.alphabet);
  const size_t base = offset_;
  size_t i = 0, w = 0;
  auto fail = [&](Base64Error e, size_t pos) {
    error_ = failure(e, pos, 0);
    offset_ = pos;
    return failure(e, pos, w);
  };
  while (i < len) {
    // Fast path: whole quanta of alphabet characters, straight from the input.
    if (pending_len_ == 0 && padding_seen_ == 0 && !done_ && len - i >= 4) {
      const size_t room = cap - w;
      const size_t quanta = (len - i) / 4 < room / 3 ? (len - i) / 4 : room / 3;
      if (quanta > 0) {
        const size_t n = detail::decode_bulk(in + i, quanta * 4, out + w, room, opts_.alphabet);
        i += n;
        w += n / 4 * 3;
        if (i >= len) break;
      }
    }
    // Slow path: one character through the state machine.
    const uint8_t c = in[i];
    const uint8_t v = table[c];
    const size_t pos = base + i;
    if (stop_at_invalid && (v == detail::kInvalid || c < 0x20)) {  // raw control characters end a JSON run too
      offset_ = pos;
      Base64Result r;
      r.written = w;
      r.consumed = i;
      return r;
    }
    ++i;
    if (v == detail::kWhitespace) {
      if (opts_.skip_whitespace) continue;
      return fail(Base64Error::invalid_character, pos);
    }
    if (v == detail::kInvalid) return fail(Base64Error::invalid_character, pos);
    if (done_) return fail(Base64Error::bad_padding, pos);  // anything but whitespace after the padding
    if (v == detail::kPad) {
      if (padding_seen_ == 1) {  // "xx=" + "=": the quantum is complete
        padding_seen_ = 2;
      } else if (pending_len_ < 2) {
        return fail(Base64Error::bad_padding, pos);
      } else if (pending_len_ == 2) {
        padding_seen_ = 1;
        padding_pos_ = pos;
        continue;
      } else {
        padding_seen_ = 1;  // "xxx="
        padding_pos_ = pos;
      }
      // A padded final quantum: 1 byte for "xx==", 2 for "xxx=".
      const size_t bytes = pending_len_ - 1;
      if (cap - w < bytes) return fail(Base64Error::output_too_small, pos);
      if (opts_.last_chunk == LastChunk::strict) {
        const bool nonzero = pending_len_ == 2 ? (pending_[1] & 0x0F) != 0 : (pending_[2] & 0x03) != 0;
        if (nonzero) return fail(Base64Error::nonzero_bits, pending_pos_[pending_len_ - 1]);
      }
      out[w++] = static_cast<uint8_t>((pending_[0] << 2) | (pending_[1] >> 4));
      if (bytes == 2) out[w++] = static_cast<uint8_t>((pending_[1] << 4) | (pending_[2] >> 2));
      pending_len_ = 0;
      done_ = true;
      continue;
    }
    // An alphabet character.
    if (padding_seen_) return fail(Base64Error::bad_padding, pos);  // "xx=" followed by data
    pending_[pending_len_] = v;
    pending_pos_[pending_len_] = pos;
    if (++pending_len_ == 4) {
      if (cap - w < 3) return fail(Base64Error::output_too_small, pending_pos_[0]);
      out[w++] = static_cast<uint8_t>((pending_[0] << 2) | (pending_[1] >> 4));
      out[w++] = static_cast<uint8_t>((pending_[1] << 4) | (pending_[2] >> 2));
      out[w++] = static_cast<uint8_t>((pending_[2] << 6) | pending_[3]);
      pending_len_ = 0;
    }
  }
  offset_ = base + len;
  Base64Result r;
  r.written = w;
  r.consumed = len;
  return r;
}

Base64Result Base64StreamDecoder::finish(uint8_t* out, size_t cap) {
  if (error_.error != Base64Error::none) {
    Base64Result r = error_;
    r.written = 0;
    return r;
  }
  Base64Result r;
  r.consumed = offset_;
  auto fail = [&](Base64Error e, size_t pos) {
    error_ = failure(e, pos, 0);
    return error_;
  };
  const bool stop = opts_.last_chunk == LastChunk::stop_before_partial;
  if (padding_seen_ == 1 && !done_) {  // "xx=" and the second '=' never came
    if (stop) {
      r.consumed = pending_pos_[0];
      return r;
    }
    return fail(Base64Error::bad_padding, padding_pos_);
  }
  if (pending_len_ == 0) return r;
  if (stop) {
    r.consumed = pending_pos_[0];
    pending_len_ = 0;
    return r;
  }
  if (pending_len_ == 1 || opts_.last_chunk == LastChunk::strict) return fail(Base64Error::partial_chunk, pending_pos_[0]);
  const size_t bytes = pending_len_ - 1;  // loose: "xx" → 1 byte, "xxx" → 2 bytes; unused bits ignored
  if (cap < bytes) return fail(Base64Error::output_too_small, pending_pos_[0]);
  out[0] = static_cast<uint8_t>((pending_[0] << 2) | (pending_[1] >> 4));
  if (bytes == 2) out[1] = static_cast<uint8_t>((pending_[1] << 4) | (pending_[2] >> 2));
  r.written = bytes;
  pending_len_ = 0;
  return r;
}

Base64Result Base64StreamDecoder::feed(const uint8_t* in, size_t len, std::vector<uint8_t>& out) {
  const size_t old = out.size();
  const size_t room = base64_max_decoded_size(len) + 3 + 16;  // + a partial quantum carried in, + kernel slack
  out.resize(old + room);
  Base64Result r = feed(in, len, out.data() + old, room);
  out.resize(old + r.written);
  return r;
}

Base64Result Base64StreamDecoder::finish(std::vector<uint8_t>& out) {
  uint8_t tail[3];
  Base64Result r = finish(tail, sizeof tail);
  out.insert(out.end(), tail, tail + r.written);
  return r;
}

// ---- one-shot ---------------------------------------------------------------------------------------

Base64Result decode_base64(const uint8_t* in, size_t len, uint8_t* out, size_t cap, const Base64Options& opts) {
  Base64StreamDecoder d(opts);
  Base64Result r = d.feed(in, len, out, cap);
  if (!r.ok()) return r;
  Base64Result f = d.finish(out + r.written, cap - r.written);
  f.written += r.written;
  if (f.ok() && opts.last_chunk != LastChunk::stop_before_partial) f.consumed = len;
  return f;
}

Base64Result decode_base64_scalar(const uint8_t* in, size_t len, uint8_t* out, size_t cap, const Base64Options& opts) {
  // The reference: the state machine alone, one character at a time (the same code the fast path falls back to,
  // fed in 1-byte pieces so the bulk kernel never runs).
  Base64StreamDecoder d(opts);
  size_t w = 0;
  for (size_t i = 0; i < len; ++i) {
    Base64Result r = d.feed(in + i, 1, out + w, cap - w);
    w += r.written;
    if (!r.ok()) {
      r.written = w;
      return r;
    }
  }
  Base64Result f = d.finish(out + w, cap - w);
  f.written += w;
  if (f.ok() && opts.last_chunk != LastChunk::stop_before_partial) f.consumed = len;
  return f;
}

Base64Result decode_base64(const uint8_t* in, size_t len, std::vector<uint8_t>& out, const Base64Options& opts) {
  out.resize(base64_max_decoded_size(len) + 16);
  Base64Result r = decode_base64(in, len, out.data(), out.size(), opts);
  if (r.ok()) out.resize(r.written);
  else out.clear();
  return r;
}

// ---- bounded: Uint8Array.prototype.setFromBase64 ------------------------------------------------------
// The steps of the spec's FromBase64 with maxLength, in its order (which decides which error is reported and what
// was written before it), plus the bulk kernel for runs of whole chunks while no chunk is pending.

Base64Result decode_base64_bounded(const uint8_t* in, size_t len, uint8_t* out, size_t max_length,
                                   const Base64Options& opts) {
  Base64Result r;
  if (max_length == 0) return r;
  const uint8_t* table = detail::decode_table(opts.alphabet);
  const bool skip_ws = opts.skip_whitespace;
  const LastChunk lc = opts.last_chunk;
  size_t read = 0, w = 0, i = 0;
  uint8_t chunk[4] = {0, 0, 0, 0};
  size_t chunk_pos[4] = {0, 0, 0, 0};
  unsigned cl = 0;
  auto done = [&](size_t consumed) {
    r.written = w;
    r.consumed = consumed;
    return r;
  };
  auto fail = [&](Base64Error e, size_t pos) {
    r.error = e;
    r.position = pos;
    r.written = w;
    r.consumed = read;
    return r;
  };
  auto skip = [&](size_t k) {
    if (skip_ws) {
      while (k < len && table[in[k]] == detail::kWhitespace) ++k;
    }
    return k;
  };
  auto emit_partial = [&]() {  // "xx" -> 1 byte, "xxx" -> 2 bytes (the caller checked that they fit)
    out[w++] = static_cast<uint8_t>((chunk[0] << 2) | (chunk[1] >> 4));
    if (cl == 3) out[w++] = static_cast<uint8_t>((chunk[1] << 4) | (chunk[2] >> 2));
  };
  for (;;) {
    // Fast path: whole chunks of alphabet characters while their bytes fit.
    if (cl == 0 && len - i >= 4 && max_length - w >= 3) {
      const size_t by_in = (len - i) / 4, by_out = (max_length - w) / 3;
      const size_t quanta = by_in < by_out ? by_in : by_out;
      const size_t n = detail::decode_bulk(in + i, quanta * 4, out + w, max_length - w, opts.alphabet);
      if (n > 0) {
        i += n;
        w += n / 4 * 3;
        read = i;
        if (w == max_length) return done(read);
      }
    }
    i = skip(i);
    if (i == len) {
      if (cl > 0) {
        if (lc == LastChunk::stop_before_partial) return done(read);
        if (lc == LastChunk::strict || cl == 1) return fail(Base64Error::partial_chunk, chunk_pos[0]);
        emit_partial();  // loose
      }
      return done(len);
    }
    const size_t pos = i;
    const uint8_t v = table[in[i++]];
    if (v == detail::kPad) {
      if (cl < 2) return fail(Base64Error::bad_padding, pos);
      i = skip(i);
      if (cl == 2) {
        if (i == len) {
          if (lc == LastChunk::stop_before_partial) return done(read);
          return fail(Base64Error::bad_padding, pos);
        }
        if (table[in[i]] == detail::kPad) i = skip(i + 1);
      }
      if (i < len) {
        const uint8_t next = table[in[i]];
        return fail(next == detail::kInvalid || next == detail::kWhitespace ? Base64Error::invalid_character
                                                                               : Base64Error::bad_padding, i);
      }
      if (lc == LastChunk::strict) {
        const bool nonzero = cl == 2 ? (chunk[1] & 0x0F) != 0 : (chunk[2] & 0x03) != 0;
        if (nonzero) return fail(Base64Error::nonzero_bits, chunk_pos[cl - 1]);
      }
      emit_partial();
      return done(len);
    }
    if (v >= 64) return fail(Base64Error::invalid_character, pos);  // outside the alphabet, or rejected whitespace
    const size_t remaining = max_length - w;
    if ((remaining == 1 && cl == 2) || (remaining == 2 && cl == 3)) return done(read);
    chunk[cl] = v;
    chunk_pos[cl] = pos;
    if (++cl == 4) {
      out[w++] = static_cast<uint8_t>((chunk[0] << 2) | (chunk[1] >> 4));
      out[w++] = static_cast<uint8_t>((chunk[1] << 4) | (chunk[2] >> 2));
      out[w++] = static_cast<uint8_t>((chunk[2] << 6) | chunk[3]);
      cl = 0;
      read = i;
      if (w == max_length) return done(read);
    }
  }
}

namespace {
// The tail after whole 3-byte groups: 1 or 2 bytes, padded or not.
size_t encode_tail(const uint8_t* in, size_t i, size_t len, char* out, size_t w, Base64Alphabet alphabet, bool pad) {
  const char* a = detail::encode_alphabet(alphabet);
  const size_t rest = len - i;
  if (rest) {
    const uint32_t v = (uint32_t(in[i]) << 16) | (rest == 2 ? uint32_t(in[i + 1]) << 8 : 0);
    out[w++] = a[v >> 18];
    out[w++] = a[(v >> 12) & 63];
    if (rest == 2) out[w++] = a[(v >> 6) & 63];
    if (pad) {
      if (rest == 1) out[w++] = '=';
      out[w++] = '=';
    }
  }
  return w;
}
}  // namespace

size_t encode_base64(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet, bool pad) {
  size_t i = detail::encode_bulk(in, len, out, alphabet);
  i += detail::encode_bulk_scalar(in + i, len - i, out + i / 3 * 4, alphabet);
  return encode_tail(in, i, len, out, i / 3 * 4, alphabet, pad);
}

size_t encode_base64_scalar(const uint8_t* in, size_t len, char* out, Base64Alphabet alphabet, bool pad) {
  const size_t i = detail::encode_bulk_scalar(in, len, out, alphabet);
  return encode_tail(in, i, len, out, i / 3 * 4, alphabet, pad);
}

void append_base64(std::string& out, const uint8_t* in, size_t len) {
  const size_t at = out.size();
  out.resize(at + base64_encoded_size(len));
  out.resize(at + encode_base64(in, len, &out[at]));
}

}  // namespace imagegate
