// Helpers shared by the libFuzzer harnesses (header only: CMake builds one binary per tests/fuzz/*.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz {

// A failed property: print what and where, then abort so libFuzzer saves the input as a crash artifact.
[[noreturn]] inline void fail(const char* file, int line, const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "\n*** FUZZ PROPERTY FAILED at %s:%d: %s\n%s\n", file, line, what, detail.c_str());
  std::abort();
}
#define FUZZ_CHECK(cond, ...)                                                 \
  do {                                                                        \
    if (!(cond)) ::fuzz::fail(__FILE__, __LINE__, #cond, ::fuzz::detail_str(__VA_ARGS__)); \
  } while (0)

inline std::string detail_str() { return {}; }
inline std::string detail_str(const std::string& s) { return s; }

// Deterministic chunk sizes derived from the input (a splitmix64 stream seeded by input bytes), so any
// failure reproduces from the saved input alone. Sizes are mostly tiny (to split every token and CRLF),
// sometimes medium, sometimes everything that is left.
class Chunker {
 public:
  explicit Chunker(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t size(size_t remaining) {
    if (remaining == 0) return 0;
    const uint64_t r = next();
    size_t n;
    switch (r & 7) {
      case 0: case 1: case 2: n = 1 + ((r >> 3) % 4); break;     // 1..4
      case 3: case 4: n = 1 + ((r >> 3) % 17); break;            // 1..17
      case 5: n = 1 + ((r >> 3) % 100); break;                   // 1..100
      case 6: n = 0; break;                                       // an empty feed
      default: n = remaining; break;                             // the rest
    }
    return n > remaining ? remaining : n;
  }

 private:
  uint64_t s_;
};

inline std::string hex(const uint8_t* p, size_t n, size_t max = 64) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n && i < max; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  if (n > max) s += "...";
  return s;
}

}  // namespace fuzz
