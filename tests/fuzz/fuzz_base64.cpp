// Differential fuzzing of the base64 decoders: the one-shot decoder (bulk kernel + state machine) against the
// byte-at-a-time scalar reference and against Base64StreamDecoder fed in pieces, for every option; in-place
// decoding against out-of-place; feed_until_invalid against feed on the prefix it accepted; decode_base64_bounded
// (setFromBase64) against decode_base64; and an encode → decode round trip of the raw input bytes.
//
// Input layout: byte 0 = options (bit 0 url alphabet, bits 1-2 last-chunk mode, bit 3 reject whitespace,
// bit 4 short output buffer, bit 5 stream into caller buffers), byte 1 = chunking seed, the rest = base64 text.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "imagegate/base64.hpp"

using namespace imagegate;

namespace {

std::string describe(const char* who, const Base64Result& r) {
  return std::string(who) + ": error=" + to_string(r.error) + " position=" + std::to_string(r.position) +
         " written=" + std::to_string(r.written) + " consumed=" + std::to_string(r.consumed);
}

void same_result(const char* a, const Base64Result& ra, const char* b, const Base64Result& rb, bool check_consumed = true) {
  const std::string d = describe(a, ra) + "\n" + describe(b, rb);
  FUZZ_CHECK(ra.error == rb.error, d);
  FUZZ_CHECK(ra.position == rb.position, d);
  FUZZ_CHECK(ra.written == rb.written, d);
  if (check_consumed) FUZZ_CHECK(ra.consumed == rb.consumed, d);
}

std::unique_ptr<uint8_t[]> exact(size_t n) { return std::unique_ptr<uint8_t[]>(new uint8_t[n]); }  // ASan-exact

// Streams `in` through a decoder in pieces; returns the combined result (positions absolute).
Base64Result stream_decode(const uint8_t* in, size_t len, const Base64Options& opts, fuzz::Chunker& ch,
                           bool caller_buffers, std::vector<uint8_t>& out) {
  Base64StreamDecoder d(opts);
  size_t i = 0;
  Base64Result r;
  while (i < len || (i == 0 && len == 0)) {
    const size_t n = ch.size(len - i);
    if (caller_buffers) {
      const size_t cap = base64_max_decoded_size(n) + 3;  // exactly what the header asks for
      auto buf = exact(cap);
      r = d.feed(in + i, n, buf.get(), cap);
      FUZZ_CHECK(r.written <= cap);
      out.insert(out.end(), buf.get(), buf.get() + r.written);
    } else {
      r = d.feed(in + i, n, out);
    }
    if (!r.ok()) {
      // After an error the decoder keeps returning it.
      Base64Result again = d.feed(in, len, out);
      FUZZ_CHECK(again.error == r.error && again.position == r.position && again.written == 0);
      Base64Result f = d.finish(out);
      FUZZ_CHECK(f.error == r.error && f.position == r.position);
      r.written = out.size();
      return r;
    }
    FUZZ_CHECK(r.consumed == n);
    i += n;
    if (len == 0) break;
  }
  FUZZ_CHECK(d.total_consumed() == len);
  Base64Result f;
  if (caller_buffers) {
    uint8_t tail[3];
    f = d.finish(tail, sizeof tail);
    out.insert(out.end(), tail, tail + (f.ok() ? f.written : 0));
  } else {
    f = d.finish(out);
  }
  if (f.ok() && opts.last_chunk != LastChunk::stop_before_partial) f.consumed = len;
  f.written = out.size();
  return f;
}

void round_trip(const uint8_t* raw, size_t n) {
  for (int alpha = 0; alpha < 2; ++alpha) {
    for (int pad = 0; pad < 2; ++pad) {
      const Base64Alphabet a = alpha ? Base64Alphabet::url : Base64Alphabet::standard;
      const size_t enc_size = base64_encoded_size(n, pad != 0);
      auto enc = exact(enc_size ? enc_size : 1);
      const size_t w = encode_base64(raw, n, reinterpret_cast<char*>(enc.get()), a, pad != 0);
      FUZZ_CHECK(w == enc_size);
      Base64Options o;
      o.alphabet = a;
      o.last_chunk = pad ? LastChunk::strict : LastChunk::loose;
      o.skip_whitespace = false;
      const size_t cap = base64_max_decoded_size(w);
      FUZZ_CHECK(cap >= n);
      auto dec = exact(cap ? cap : 1);
      const Base64Result r = decode_base64(enc.get(), w, dec.get(), cap, o);
      FUZZ_CHECK(r.ok() && r.written == n && r.consumed == w, describe("round trip", r));
      FUZZ_CHECK(n == 0 || std::memcmp(dec.get(), raw, n) == 0, "round trip bytes differ");
      if (!pad) {
        // stop-before-partial stops at the last whole quantum of an unpadded encoding.
        o.last_chunk = LastChunk::stop_before_partial;
        const Base64Result s = decode_base64(enc.get(), w, dec.get(), cap, o);
        FUZZ_CHECK(s.ok() && s.written == n / 3 * 3 && s.consumed == n / 3 * 4, describe("stop_before_partial", s));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint8_t seed = data[1];
  const uint8_t* in = data + 2;
  const size_t len = size - 2;

  Base64Options opts;
  opts.alphabet = (flags & 1) ? Base64Alphabet::url : Base64Alphabet::standard;
  opts.last_chunk = static_cast<LastChunk>(((flags >> 1) & 3) % 3);
  opts.skip_whitespace = !(flags & 8);
  const bool short_output = flags & 16;
  const bool caller_buffers = flags & 32;

  const size_t full = base64_max_decoded_size(len);
  const size_t cap = short_output ? full * (seed & 15) / 16 : full;

  // 1. One-shot (bulk kernel + state machine) vs the byte-at-a-time reference, same output capacity.
  auto out1 = exact(cap);
  auto out2 = exact(cap);
  const Base64Result r1 = decode_base64(in, len, out1.get(), cap, opts);
  const Base64Result r2 = decode_base64_scalar(in, len, out2.get(), cap, opts);
  same_result("decode_base64", r1, "decode_base64_scalar", r2);
  FUZZ_CHECK(r1.written <= cap);
  FUZZ_CHECK(r1.written == 0 || std::memcmp(out1.get(), out2.get(), r1.written) == 0, "one-shot and scalar bytes differ");
  if (!r1.ok()) FUZZ_CHECK(r1.position < len || (r1.error == Base64Error::output_too_small && r1.position <= len),
                           describe("error position out of range", r1));
  FUZZ_CHECK(r1.consumed <= len);
  if (r1.ok() && !short_output) FUZZ_CHECK(r1.error != Base64Error::output_too_small);
  if (!short_output) FUZZ_CHECK(r1.error != Base64Error::output_too_small, describe("full buffer too small", r1));

  if (!short_output) {
    // 2. The stream decoder, fed in pieces, gives the same result as one-shot.
    fuzz::Chunker ch(seed);
    std::vector<uint8_t> sout;
    const Base64Result rs = stream_decode(in, len, opts, ch, caller_buffers, sout);
    same_result("decode_base64", r1, "stream", rs, /*check_consumed=*/rs.ok());
    if (rs.ok()) FUZZ_CHECK(rs.consumed == r1.consumed, describe("decode_base64", r1) + "\n" + describe("stream", rs));
    FUZZ_CHECK(sout.size() == r1.written);
    FUZZ_CHECK(sout.empty() || std::memcmp(sout.data(), out1.get(), sout.size()) == 0, "stream bytes differ");

    // 3. In place (out == in, capacity = input length) equals out of place.
    auto buf = exact(len ? len : 1);
    if (len) std::memcpy(buf.get(), in, len);
    const Base64Result ri = decode_base64(buf.get(), len, buf.get(), len, opts);
    same_result("decode_base64", r1, "in place", ri);
    FUZZ_CHECK(ri.written == 0 || std::memcmp(buf.get(), out1.get(), ri.written) == 0, "in-place bytes differ");

    // 4. feed_until_invalid stops only at a byte that is neither base64, whitespace nor '=' (or a control
    //    character), and what it produced equals feed() on the prefix it accepted.
    {
      Base64StreamDecoder a(opts), b(opts);
      const size_t c = full + 3;
      auto oa = exact(c), ob = exact(c);
      const Base64Result ua = a.feed_until_invalid(in, len, oa.get(), c);
      if (ua.ok()) {
        FUZZ_CHECK(ua.consumed <= len);
        const Base64Result ub = b.feed(in, ua.consumed, ob.get(), c);
        FUZZ_CHECK(ub.ok() && ub.written == ua.written, describe("until", ua) + "\n" + describe("feed prefix", ub));
        FUZZ_CHECK(ua.written == 0 || std::memcmp(oa.get(), ob.get(), ua.written) == 0, "feed_until_invalid bytes differ");
        if (ua.consumed < len) {
          Base64StreamDecoder probe(opts);
          uint8_t tmp[8];
          const uint8_t stop = in[ua.consumed];
          const Base64Result pr = probe.feed(&stop, 1, tmp, sizeof tmp);
          FUZZ_CHECK(stop < 0x20 || pr.error == Base64Error::invalid_character, "stopped at a valid byte");
        }
      } else {
        const Base64Result ub = b.feed(in, len, ob.get(), c);
        FUZZ_CHECK(ub.error == ua.error && ub.position == ua.position, describe("until", ua) + "\n" + describe("feed", ub));
      }
    }
  }

  // 6. decode_base64_bounded (setFromBase64) with maxLength = cap, into an exact buffer: never output_too_small;
  //    with room for everything it agrees with decode_base64; when the whole input is valid, any target gets a
  //    prefix of its bytes without an error; in place equals out of place.
  {
    auto ob = exact(cap ? cap : 1);
    const Base64Result rb = decode_base64_bounded(in, len, ob.get(), cap, opts);
    FUZZ_CHECK(rb.written <= cap && rb.consumed <= len, describe("bounded", rb));
    FUZZ_CHECK(rb.error != Base64Error::output_too_small, describe("bounded", rb));
    if (!rb.ok()) FUZZ_CHECK(rb.position < len, describe("bounded position", rb));
    auto ofull = exact(full ? full : 1);
    const Base64Result rf = decode_base64(in, len, ofull.get(), full, opts);
    if (!short_output) FUZZ_CHECK(rb.ok() == rf.ok(), describe("bounded", rb) + "\n" + describe("decode_base64", rf));
    if (rf.ok()) {
      FUZZ_CHECK(rb.ok(), describe("bounded on valid input", rb));
      FUZZ_CHECK(rb.written <= rf.written && (rb.written == 0 || std::memcmp(ob.get(), ofull.get(), rb.written) == 0),
                 "bounded bytes are not a prefix of the full decode");
      if (!short_output) FUZZ_CHECK(rb.written == rf.written, describe("bounded", rb) + "\n" + describe("decode_base64", rf));
    }
    if (cap <= len) {
      auto buf = exact(len ? len : 1);
      if (len) std::memcpy(buf.get(), in, len);
      const Base64Result ri = decode_base64_bounded(buf.get(), len, buf.get(), cap, opts);
      same_result("bounded", rb, "bounded in place", ri);
      FUZZ_CHECK(ri.written == 0 || std::memcmp(buf.get(), ob.get(), ri.written) == 0, "bounded in-place bytes differ");
    }
  }

  // 5. encode → decode round trip of the raw bytes (all of them, flags included).
  round_trip(data, size < 4096 ? size : 4096);
  return 0;
}
