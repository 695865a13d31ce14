// decode_base64_bounded: Uint8Array.prototype.setFromBase64 (TC39 "FromBase64" with maxLength), checked against
// the test262 cases (tests/fixtures/base64/test262-base64.json), against a line-by-line transcription of the
// spec's algorithm on random inputs and target sizes, and against decode_base64 when the target is big enough.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"

using namespace imagegate;

namespace {

Base64Options options_of(const nlohmann::json& c) {
  Base64Options o;
  if (c.contains("options")) {
    const auto& op = c["options"];
    if (op.contains("alphabet") && op["alphabet"] == "base64url") o.alphabet = Base64Alphabet::url;
    if (op.contains("lastChunkHandling")) {
      const std::string lc = op["lastChunkHandling"];
      o.last_chunk = lc == "strict" ? LastChunk::strict : lc == "stop-before-partial" ? LastChunk::stop_before_partial : LastChunk::loose;
    }
  }
  return o;
}

// The JS wrapper writes a string one byte per UTF-16 unit, non-ASCII units as 0xFF: do the same from UTF-8.
std::vector<uint8_t> js_units(const std::string& utf8) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<uint8_t>(utf8[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.push_back(c < 0x80 ? c : 0xFF);
    if (n == 4) out.push_back(0xFF);  // a surrogate pair is two units
    i += n;
  }
  return out;
}

nlohmann::json fixture() {
  std::ifstream f(std::string(IMAGEGATE_FIXTURES) + "/base64/test262-base64.json");
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

// The spec's FromBase64 (proposal-arraybuffer-base64, spec.html), step by step, over bytes. Error: any SyntaxError.
struct SpecResult {
  bool error = false;
  size_t read = 0;
  std::vector<uint8_t> bytes;
};
SpecResult spec_from_base64(const std::vector<uint8_t>& s, const Base64Options& o, size_t max_length) {
  const std::string std_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto is_ws = [&](uint8_t c) { return c == 9 || c == 10 || c == 12 || c == 13 || c == 32; };
  auto skip = [&](size_t i) {
    while (o.skip_whitespace && i < s.size() && is_ws(s[i])) ++i;
    return i;
  };
  auto decode_chunk = [&](std::string chunk, bool throw_on_extra, bool& bad) {
    const size_t n = chunk.size();
    while (chunk.size() < 4) chunk += 'A';
    uint32_t v = 0;
    for (char ch : chunk) v = (v << 6) | static_cast<uint32_t>(std_alphabet.find(ch));
    std::vector<uint8_t> b = {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    if (n == 2) {
      if (throw_on_extra && b[1] != 0) bad = true;
      b.resize(1);
    } else if (n == 3) {
      if (throw_on_extra && b[2] != 0) bad = true;
      b.resize(2);
    }
    return b;
  };
  SpecResult r;
  if (max_length == 0) return r;
  std::string chunk;
  size_t index = 0;
  const size_t length = s.size();
  auto fail = [&]() { r.error = true; return r; };
  for (;;) {
    index = skip(index);
    if (index == length) {
      if (!chunk.empty()) {
        if (o.last_chunk == LastChunk::stop_before_partial) return r;
        if (o.last_chunk == LastChunk::loose) {
          if (chunk.size() == 1) return fail();
          bool bad = false;
          for (uint8_t b : decode_chunk(chunk, false, bad)) r.bytes.push_back(b);
        } else {
          return fail();
        }
      }
      r.read = length;
      return r;
    }
    uint8_t ch = s[index++];
    if (ch == '=') {
      if (chunk.size() < 2) return fail();
      index = skip(index);
      if (chunk.size() == 2) {
        if (index == length) {
          if (o.last_chunk == LastChunk::stop_before_partial) return r;
          return fail();
        }
        if (s[index] == '=') index = skip(index + 1);
      }
      if (index < length) return fail();
      bool bad = false;
      const auto b = decode_chunk(chunk, o.last_chunk == LastChunk::strict, bad);
      if (bad) return fail();
      r.bytes.insert(r.bytes.end(), b.begin(), b.end());
      r.read = length;
      return r;
    }
    if (o.alphabet == Base64Alphabet::url) {
      if (ch == '+' || ch == '/') return fail();
      if (ch == '-') ch = '+';
      else if (ch == '_') ch = '/';
    }
    if (std_alphabet.find(static_cast<char>(ch)) == std::string::npos || ch == 0) return fail();
    const size_t remaining = max_length - r.bytes.size();
    if ((remaining == 1 && chunk.size() == 2) || (remaining == 2 && chunk.size() == 3)) return r;
    chunk += static_cast<char>(ch);
    if (chunk.size() == 4) {
      bool bad = false;
      for (uint8_t b : decode_chunk(chunk, false, bad)) r.bytes.push_back(b);
      chunk.clear();
      r.read = index;
      if (r.bytes.size() == max_length) return r;
    }
  }
}

struct Bounded {
  Base64Result r;
  std::vector<uint8_t> target;
};
Bounded bounded(const std::vector<uint8_t>& in, size_t max, const Base64Options& o, uint8_t fill = 0xEE) {
  Bounded b;
  std::vector<uint8_t> out(max + 1, fill);  // +1: a guard byte that must never be written
  b.r = decode_base64_bounded(in.data(), in.size(), out.data(), max, o);
  REQUIRE(out[max] == fill);
  REQUIRE(b.r.error != Base64Error::output_too_small);
  REQUIRE(b.r.written <= max);
  b.target.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(b.r.written));
  return b;
}

}  // namespace

TEST_CASE("bounded decode: every test262 setFromBase64 case", "[base64][bounded][fixtures]") {
  const auto fx = fixture();
  size_t n = 0;
  for (const auto& c : fx["setFromBase64"]) {
    const std::string input = c["input"];
    INFO(c["file"].get<std::string>() << ": '" << input << "' " << c.value("options", nlohmann::json::object()).dump());
    std::vector<uint8_t> target = c["target"].get<std::vector<uint8_t>>();
    size_t lo = 0, hi = target.size();
    if (c.contains("subarray")) {
      lo = c["subarray"][0];
      hi = c["subarray"][1];
    }
    const auto in = js_units(input);
    std::vector<uint8_t> out(hi - lo);
    const Base64Result r = decode_base64_bounded(in.data(), in.size(), out.data(), out.size(), options_of(c));
    REQUIRE(r.written <= out.size());
    std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.written), target.begin() + static_cast<std::ptrdiff_t>(lo));
    if (c.contains("throws")) {
      CHECK(!r.ok());
      CHECK(r.error != Base64Error::output_too_small);
    } else {
      CHECK(r.ok());
      CHECK(r.consumed == c["read"].get<size_t>());
      CHECK(r.written == c["written"].get<size_t>());
    }
    if (c.contains("expected")) CHECK(target == c["expected"].get<std::vector<uint8_t>>());
    ++n;
  }
  CHECK(n >= 60);
}

TEST_CASE("bounded decode with room to spare: every test262 fromBase64 case", "[base64][bounded][fixtures]") {
  const auto fx = fixture();  // kept alive: a range-for over fixture()["..."] would iterate a destroyed temporary
  for (const auto& c : fx["fromBase64"]) {
    const std::string input = c["input"];
    INFO(c["file"].get<std::string>() << ": '" << input << "' " << c.value("options", nlohmann::json::object()).dump());
    const auto in = js_units(input);
    const Bounded b = bounded(in, in.size(), options_of(c));
    if (c.contains("throws")) {
      CHECK(!b.r.ok());
    } else {
      CHECK(b.r.ok());
      CHECK(b.target == c["expected"].get<std::vector<uint8_t>>());
    }
  }
}

TEST_CASE("bounded decode: issue 24's cases, codes, positions and what is reported on an error", "[base64][bounded]") {
  auto b = [](const std::string& s, size_t max, Base64Options o = {}) {
    return bounded(std::vector<uint8_t>(s.begin(), s.end()), max, o);
  };
  Base64Options strict;
  strict.last_chunk = LastChunk::strict;
  Base64Options stop;
  stop.last_chunk = LastChunk::stop_before_partial;
  Base64Options reject;
  reject.skip_whitespace = false;

  auto r = b("Zm9vYmFy", 5);  // fills "foo", stops before the chunk that does not fit
  CHECK((r.r.ok() && r.r.consumed == 4 && r.r.written == 3 && r.target == std::vector<uint8_t>{'f', 'o', 'o'}));
  r = b("aaaa#", 3);  // full after one chunk: the '#' is never read
  CHECK((r.r.ok() && r.r.consumed == 4 && r.r.written == 3));
  r = b("aaaa#", 4);
  CHECK((r.r.error == Base64Error::invalid_character && r.r.position == 4 && r.r.written == 3 && r.r.consumed == 4));
  r = b("#", 0);  // a zero-length target reads nothing, so finds no error
  CHECK((r.r.ok() && r.r.consumed == 0 && r.r.written == 0));
  r = b("AAAA", 2);  // 3 bytes do not fit in 2
  CHECK((r.r.ok() && r.r.consumed == 0 && r.r.written == 0));
  r = b("AAA=", 2);  // but a padded final chunk of 2 bytes does
  CHECK((r.r.ok() && r.r.consumed == 4 && r.r.written == 2));
  r = b("Zm9v Ym Fy", 3);  // read stops right after the last chunk written, not after the whitespace
  CHECK((r.r.ok() && r.r.consumed == 4 && r.r.written == 3));
  r = b("Zm9v Ym Fy ", 6);  // full right after a chunk: read stops there (10), the trailing space is not read
  CHECK((r.r.ok() && r.r.consumed == 10 && r.r.written == 6));
  r = b("Zm9v Ym Fy ", 7);  // not full: the end of the input is reached, read is its length
  CHECK((r.r.ok() && r.r.consumed == 11 && r.r.written == 6));
  r = b("Zm9v Zg", 9, stop);  // stop-before-partial: read ends after "Zm9v" (4), not at the 'Z' (5)
  CHECK((r.r.ok() && r.r.consumed == 4 && r.r.written == 3));
  r = b("Zm9vYmFyZg", 9, strict);  // strict, unpadded: the two whole chunks are written, then the error
  CHECK((r.r.error == Base64Error::partial_chunk && r.r.position == 8 && r.r.written == 6 && r.r.consumed == 8));
  r = b("Zm9vZh==", 9, strict);
  CHECK((r.r.error == Base64Error::nonzero_bits && r.r.position == 5 && r.r.written == 3 && r.r.consumed == 4));
  r = b("Zm9vZg==x", 9);  // data after the padding: the padded chunk is not written
  CHECK((r.r.error == Base64Error::bad_padding && r.r.position == 8 && r.r.written == 3 && r.r.consumed == 4));
  r = b("Zm9vZg=", 9);
  CHECK((r.r.error == Base64Error::bad_padding && r.r.position == 6 && r.r.written == 3));
  r = b("Zm9v=", 9);
  CHECK((r.r.error == Base64Error::bad_padding && r.r.position == 4 && r.r.written == 3));
  r = b("Zm9vZ", 9);
  CHECK((r.r.error == Base64Error::partial_chunk && r.r.position == 4 && r.r.written == 3));
  r = b("Zm9v\nYmFy", 9, reject);
  CHECK((r.r.error == Base64Error::invalid_character && r.r.position == 4 && r.r.written == 3));
}

TEST_CASE("bounded decode equals the spec's algorithm on random inputs and every target size", "[base64][bounded]") {
  std::mt19937 rng(24);
  const std::string pieces[] = {"A", "Q", "g", "Zm9v", "/", "+", "-", "_", "=", "==", " ", "\n", "#", "\xE9"};
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> in;
    const int parts = static_cast<int>(rng() % 14);
    for (int p = 0; p < parts; ++p) {
      // Mostly alphabet characters, so the inputs reach the interesting ends.
      const std::string& piece = pieces[rng() % 4 == 0 ? rng() % 14 : rng() % 4];
      in.insert(in.end(), piece.begin(), piece.end());
    }
    Base64Options o;
    o.alphabet = rng() % 4 == 0 ? Base64Alphabet::url : Base64Alphabet::standard;
    o.last_chunk = static_cast<LastChunk>(rng() % 3);
    o.skip_whitespace = rng() % 5 != 0;
    for (size_t max = 0; max <= in.size() + 1; ++max) {
      INFO("'" << std::string(in.begin(), in.end()) << "' max " << max << " lc " << int(o.last_chunk) << " url "
               << (o.alphabet == Base64Alphabet::url) << " ws " << o.skip_whitespace);
      const SpecResult want = spec_from_base64(in, o, max);
      const Bounded got = bounded(in, max, o);
      REQUIRE(got.r.ok() == !want.error);
      REQUIRE(got.target == want.bytes);
      REQUIRE(got.r.consumed == want.read);
      if (!got.r.ok()) REQUIRE(got.r.position < in.size());
    }
  }
}

TEST_CASE("bounded decode of long inputs (the SIMD kernel) equals the spec, in place too", "[base64][bounded]") {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t n = rng() % 700;
    std::vector<uint8_t> raw(n);
    for (auto& x : raw) x = static_cast<uint8_t>(rng());
    std::string enc(base64_encoded_size(n), '\0');
    encode_base64(raw.data(), n, enc.data());
    std::vector<uint8_t> in(enc.begin(), enc.end());
    if (iter % 3 == 1 && !in.empty()) in[rng() % in.size()] = iter % 2 ? '\n' : '*';  // whitespace or garbage somewhere
    Base64Options o;
    o.last_chunk = static_cast<LastChunk>(rng() % 3);
    const size_t sizes[] = {0, 1, 2, 3, 4, 5, rng() % (n + 1), n / 2, n > 0 ? n - 1 : 0, n, n + 1, n + 20};
    for (size_t max : sizes) {
      INFO("n " << n << " max " << max << " iter " << iter);
      const SpecResult want = spec_from_base64(in, o, max);
      const Bounded got = bounded(in, max, o);
      REQUIRE(got.r.ok() == !want.error);
      REQUIRE(got.target == want.bytes);
      REQUIRE(got.r.consumed == want.read);
      if (max <= in.size()) {
        std::vector<uint8_t> inplace = in;
        const Base64Result r = decode_base64_bounded(inplace.data(), inplace.size(), inplace.data(), max, o);
        REQUIRE(r.written == want.bytes.size());
        REQUIRE(std::vector<uint8_t>(inplace.begin(), inplace.begin() + static_cast<std::ptrdiff_t>(r.written)) == want.bytes);
      }
    }
  }
}

TEST_CASE("with room for everything, bounded decode agrees with decode_base64 (fromBase64)", "[base64][bounded]") {
  std::mt19937 rng(99);
  const std::string pieces[] = {"Zm9v", "YQ", "Zg=", "=", " ", "\t", "#", "A", "AA", "AAA"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int parts = static_cast<int>(rng() % 8);
    for (int p = 0; p < parts; ++p) s += pieces[rng() % 10];
    Base64Options o;
    o.last_chunk = static_cast<LastChunk>(rng() % 3);
    o.skip_whitespace = rng() % 4 != 0;
    const std::vector<uint8_t> in(s.begin(), s.end());
    std::vector<uint8_t> full;
    const Base64Result one = decode_base64(in.data(), in.size(), full, o);
    const Bounded b = bounded(in, in.size(), o);
    INFO("'" << s << "' lc " << int(o.last_chunk) << " ws " << o.skip_whitespace);
    REQUIRE(one.ok() == b.r.ok());
    if (one.ok()) REQUIRE(full == b.target);
  }
}
