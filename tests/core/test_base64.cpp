#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"

using namespace imagegate;

namespace {
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

struct Decoded {
  Base64Result r;
  std::string out;
};
Decoded decode(const std::string& in, Base64Options o = {}) {
  std::vector<uint8_t> out;
  Decoded d;
  d.r = decode_base64(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out, o);
  d.out.assign(out.begin(), out.end());
  return d;
}
Decoded decode_scalar(const std::string& in, Base64Options o = {}) {
  std::vector<uint8_t> out(base64_max_decoded_size(in.size()) + 3);
  Decoded d;
  d.r = decode_base64_scalar(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data(), out.size(), o);
  d.out.assign(out.begin(), out.begin() + (d.r.ok() ? d.r.written : 0));
  return d;
}
// Streaming with the given piece boundaries.
Decoded decode_stream(const std::string& in, const std::vector<size_t>& cuts, Base64Options o = {}) {
  Base64StreamDecoder dec(o);
  std::vector<uint8_t> out;
  Decoded d;
  size_t prev = 0;
  std::vector<size_t> all = cuts;
  all.push_back(in.size());
  for (size_t cut : all) {
    d.r = dec.feed(reinterpret_cast<const uint8_t*>(in.data()) + prev, cut - prev, out);
    prev = cut;
    if (!d.r.ok()) return d;
  }
  d.r = dec.finish(out);
  if (d.r.ok()) d.out.assign(out.begin(), out.end());
  return d;
}
std::string encode(const std::vector<uint8_t>& in, Base64Alphabet a = Base64Alphabet::standard, bool pad = true) {
  std::string s(base64_encoded_size(in.size(), pad), '\0');
  const size_t n = encode_base64(in.data(), in.size(), s.data(), a, pad);
  REQUIRE(n == s.size());
  return s;
}
std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}
Base64Options opts(LastChunk lc, bool ws = true, Base64Alphabet a = Base64Alphabet::standard) {
  Base64Options o;
  o.last_chunk = lc;
  o.skip_whitespace = ws;
  o.alphabet = a;
  return o;
}
}  // namespace

TEST_CASE("RFC 4648 test vectors encode and decode", "[base64]") {
  const std::vector<std::pair<std::string, std::string>> v = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, b64] : v) {
    CHECK(encode(bytes(plain)) == b64);
    const Decoded d = decode(b64, opts(LastChunk::strict));
    CHECK(d.r.ok());
    CHECK(d.out == plain);
    CHECK(d.r.written == plain.size());
    CHECK(d.r.consumed == b64.size());
  }
  CHECK(encode(bytes("fo"), Base64Alphabet::standard, false) == "Zm8");
}

TEST_CASE("round trips at every length agree between fast, scalar and streaming paths", "[base64]") {
  std::mt19937 rng(42);
  for (size_t n = 0; n < 400; ++n) {
    const auto data = random_bytes(rng, n);
    for (auto alphabet : {Base64Alphabet::standard, Base64Alphabet::url}) {
      const std::string b64 = encode(data, alphabet);
      const Decoded fast = decode(b64, opts(LastChunk::strict, true, alphabet));
      REQUIRE(fast.r.ok());
      REQUIRE(fast.out == std::string(data.begin(), data.end()));
      const Decoded ref = decode_scalar(b64, opts(LastChunk::strict, true, alphabet));
      REQUIRE(ref.out == fast.out);
      const Decoded unpadded = decode(encode(data, alphabet, false), opts(LastChunk::loose, true, alphabet));
      REQUIRE(unpadded.out == fast.out);
    }
  }
  const auto big = random_bytes(rng, (1 << 20) + 7);
  const std::string b64 = encode(big);
  const Decoded d = decode(b64);
  REQUIRE(d.r.ok());
  CHECK(d.out == std::string(big.begin(), big.end()));
}

TEST_CASE("decoding in place gives the same bytes", "[base64]") {
  std::mt19937 rng(7);
  for (size_t n : {0, 1, 2, 3, 47, 48, 49, 100, 1000, 65536 + 5}) {
    const auto data = random_bytes(rng, n);
    std::string b64 = encode(data);
    std::vector<uint8_t> buf(b64.begin(), b64.end());
    const Base64Result r = decode_base64(buf.data(), buf.size(), buf.data(), buf.size());
    REQUIRE(r.ok());
    REQUIRE(r.written == n);
    CHECK(std::equal(data.begin(), data.end(), buf.begin()));
  }
}

TEST_CASE("an invalid character is reported at its exact position on every path", "[base64][errors]") {
  std::mt19937 rng(3);
  const std::string good = encode(random_bytes(rng, 300));
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (char bad : {'@', '"', '\x80', '\0', '-'}) {
      std::string s = good;
      s[pos] = bad;
      const Decoded fast = decode(s);
      INFO("pos " << pos << " char " << int(bad));
      if (s.find('=') < pos && bad != '=') {
        REQUIRE(!fast.r.ok());
        continue;
      }
      REQUIRE(fast.r.error == Base64Error::invalid_character);
      REQUIRE(fast.r.position == pos);
      CHECK(fast.out.empty());
      const Decoded ref = decode_scalar(s);
      REQUIRE(ref.r.error == Base64Error::invalid_character);
      REQUIRE(ref.r.position == pos);
      const Decoded st = decode_stream(s, {pos / 2, pos + 1});
      REQUIRE(st.r.error == Base64Error::invalid_character);
      REQUIRE(st.r.position == pos);
    }
  }
}

TEST_CASE("whitespace is skipped or rejected as asked", "[base64]") {
  const Decoded skipped = decode(" Zm9v\nYmFy\r\n\t", opts(LastChunk::strict, true));
  CHECK(skipped.r.ok());
  CHECK(skipped.out == "foobar");
  CHECK(decode("Zm9v YmFy", opts(LastChunk::strict, true)).out == "foobar");
  const Decoded rejected = decode("Zm9v\nYmFy", opts(LastChunk::strict, false));
  CHECK(rejected.r.error == Base64Error::invalid_character);
  CHECK(rejected.r.position == 4);
  CHECK(decode("Zm9vYg= =", opts(LastChunk::strict)).out == "foob");
  CHECK(decode("Zm9vYg==  ", opts(LastChunk::strict)).r.ok());
}

TEST_CASE("padding and the last chunk follow Uint8Array.fromBase64", "[base64][errors]") {
  struct Case {
    std::string in;
    LastChunk lc;
    Base64Error err;
    size_t pos;
    std::string out;
    size_t consumed;
  };
  const Base64Error ok = Base64Error::none;
  const std::vector<Case> cases = {
      {"Zg==", LastChunk::loose, ok, 0, "f", 4},
      {"Zg", LastChunk::loose, ok, 0, "f", 2},
      {"Zg", LastChunk::strict, Base64Error::partial_chunk, 0, "", 0},
      {"Zm9vZg", LastChunk::strict, Base64Error::partial_chunk, 4, "", 4},
      {"Zm9vZg", LastChunk::stop_before_partial, ok, 0, "foo", 4},
      {"Zm9vZg=", LastChunk::stop_before_partial, ok, 0, "foo", 4},
      {"Zm9vZ", LastChunk::stop_before_partial, ok, 0, "foo", 4},
      {"Zm9vZ", LastChunk::loose, Base64Error::partial_chunk, 4, "", 4},
      {"Zg=", LastChunk::loose, Base64Error::bad_padding, 2, "", 2},
      {"Z===", LastChunk::loose, Base64Error::bad_padding, 1, "", 1},
      {"=Zg=", LastChunk::loose, Base64Error::bad_padding, 0, "", 0},
      {"Zm9v=", LastChunk::loose, Base64Error::bad_padding, 4, "", 4},
      {"Zg==Zg==", LastChunk::loose, Base64Error::bad_padding, 4, "", 4},
      {"Zg=A", LastChunk::loose, Base64Error::bad_padding, 3, "", 3},
      {"Zh==", LastChunk::strict, Base64Error::nonzero_bits, 1, "", 1},
      {"Zh==", LastChunk::loose, ok, 0, "f", 4},
      {"Zm9=", LastChunk::strict, Base64Error::nonzero_bits, 2, "", 2},
      {"Zm8=", LastChunk::strict, ok, 0, "fo", 4},
      {"", LastChunk::strict, ok, 0, "", 0},
      {"   ", LastChunk::strict, ok, 0, "", 3},
  };
  for (const auto& c : cases) {
    INFO(c.in << " lastChunk " << int(c.lc));
    const Decoded d = decode(c.in, opts(c.lc));
    CHECK(d.r.error == c.err);
    if (c.err != ok) CHECK(d.r.position == c.pos);
    CHECK(d.out == c.out);
    CHECK(d.r.consumed == c.consumed);
    const Decoded ref = decode_scalar(c.in, opts(c.lc));
    CHECK(ref.r.error == c.err);
    CHECK(ref.r.position == d.r.position);
    CHECK(ref.r.consumed == d.r.consumed);
  }
}

TEST_CASE("the URL-safe alphabet", "[base64]") {
  const std::vector<uint8_t> data = {0xFB, 0xFF, 0xBF, 0xFE};
  CHECK(encode(data) == "+/+//g==");
  CHECK(encode(data, Base64Alphabet::url, false) == "-_-__g");
  CHECK(decode("-_-__g", opts(LastChunk::loose, true, Base64Alphabet::url)).out == std::string(data.begin(), data.end()));
  const Decoded wrong = decode("+/+//g", opts(LastChunk::loose, true, Base64Alphabet::url));
  CHECK(wrong.r.error == Base64Error::invalid_character);
  CHECK(wrong.r.position == 0);
  // 64 characters so the SIMD kernel sees the URL alphabet too.
  std::string expected;
  for (int i = 0; i < 16; ++i) expected += "\xFB\xEF\xBE";
  CHECK(decode(std::string(64, '-'), opts(LastChunk::strict, true, Base64Alphabet::url)).out == expected);
  CHECK(decode(std::string(64, '+'), opts(LastChunk::strict, true, Base64Alphabet::url)).r.position == 0);
  CHECK(decode(std::string(63, '-') + "+", opts(LastChunk::strict, true, Base64Alphabet::url)).r.position == 63);
}

TEST_CASE("a caller buffer that is too small is an error, never an overflow", "[base64][errors]") {
  const std::string b64 = encode(std::vector<uint8_t>(100, 7));
  std::vector<uint8_t> out(99);
  const Base64Result r = decode_base64(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), out.data(), out.size());
  CHECK(r.error == Base64Error::output_too_small);
  std::vector<uint8_t> exact(100);
  CHECK(decode_base64(reinterpret_cast<const uint8_t*>(b64.data()), b64.size(), exact.data(), exact.size()).ok());
}

TEST_CASE("streaming equals one-shot for every split, including mid-quantum and mid-padding", "[base64][stream]") {
  std::mt19937 rng(11);
  std::vector<std::string> inputs = {"Zm9vYmFy", "Zm9vYg==", "Zm9vYmE=", "Zm9v Ym\nFy", "Zm9vYg", "Zg=A", "Zm9vYg==x", "Zm@vYmFy",
                                     "Zm9vY", "Zg= ="};
  for (int k = 0; k < 30; ++k) {
    std::string s = encode(random_bytes(rng, rng() % 120));
    for (int j = 0; j < 3; ++j) s.insert(s.begin() + rng() % (s.size() + 1), " \n@="[rng() % 4]);
    inputs.push_back(s);
  }
  for (LastChunk lc : {LastChunk::loose, LastChunk::strict, LastChunk::stop_before_partial}) {
    for (const auto& s : inputs) {
      const Decoded whole = decode(s, opts(lc));
      for (size_t a = 0; a <= s.size(); ++a) {
        for (size_t b = a; b <= s.size(); b += 7) {
          const Decoded st = decode_stream(s, {a, b}, opts(lc));
          INFO(s << " cuts " << a << "," << b << " lc " << int(lc));
          REQUIRE(st.r.error == whole.r.error);
          if (!whole.r.ok()) REQUIRE(st.r.position == whole.r.position);
          else if (lc != LastChunk::stop_before_partial) REQUIRE(st.out == whole.out);
        }
      }
    }
  }
  // One byte at a time on a big input.
  const auto big = random_bytes(rng, 5000);
  const std::string b64 = encode(big);
  std::vector<size_t> cuts;
  for (size_t i = 1; i < b64.size(); ++i) cuts.push_back(i);
  CHECK(decode_stream(b64, cuts).out == std::string(big.begin(), big.end()));
}

TEST_CASE("after an error the stream decoder keeps returning it", "[base64][stream]") {
  Base64StreamDecoder dec;
  std::vector<uint8_t> out;
  const std::string a = "Zm9v@", b = "YmFy";
  CHECK(dec.feed(reinterpret_cast<const uint8_t*>(a.data()), a.size(), out).error == Base64Error::invalid_character);
  const Base64Result again = dec.feed(reinterpret_cast<const uint8_t*>(b.data()), b.size(), out);
  CHECK(again.error == Base64Error::invalid_character);
  CHECK(again.position == 4);
  CHECK(dec.finish(out).error == Base64Error::invalid_character);
  dec.reset();
  out.clear();
  CHECK(dec.feed(reinterpret_cast<const uint8_t*>(b.data()), b.size(), out).ok());
  CHECK(dec.finish(out).ok());
  CHECK(std::string(out.begin(), out.end()) == "bar");
}

TEST_CASE("feed_until_invalid stops at a quote without an error", "[base64][stream]") {
  const std::string s = "Zm9vYmFyZg==\"rest";
  std::vector<uint8_t> out(32);
  Base64StreamDecoder dec;
  const Base64Result r = dec.feed_until_invalid(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out.data(), out.size());
  CHECK(r.ok());
  CHECK(r.consumed == 12);
  CHECK(r.written == 7);
  CHECK(std::string(out.begin(), out.begin() + 7) == "foobarf");
}

TEST_CASE("error names", "[base64]") {
  CHECK(std::string(to_string(Base64Error::invalid_character)) == "invalid_character");
  CHECK(std::string(to_string(Base64Error::output_too_small)) == "output_too_small");
}
