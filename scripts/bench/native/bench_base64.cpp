// Native reference run of the core (g++ -O3 via CMake Release), printing one JSON object on stdout:
//   base64   decode_base64 (the library's one-shot decoder; natively that is the portable scalar bulk kernel,
//            since the core has SIMD kernels only for wasm) on 1 KiB, 64 KiB, 8 MiB of base64: MB/s of input
//   images   parse_images_response on 1, 4, 16 MiB responses (two PNG-ish images): the input is copied into a
//            scratch buffer before each call (the parse decodes in place), the copy is timed separately
//   stream   ChatStream fed an SSE image event in 64 KiB chunks: last chunk → image event, and first → image
//   alloc    peak bytes held by operator new during one parse / one streamed 8 MiB image (global new/delete
//            are replaced in this binary to count them; the input buffer is not counted)
//   faults   cost of first-touching fresh anonymous memory (mmap + write one byte per 4 KiB page)
// Usage: imagegate_bench_native [--quick]
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/chat_images.hpp"
#include "imagegate/images_response.hpp"

// ---- allocation accounting -------------------------------------------------------------------------------
namespace {
std::atomic<size_t> g_live{0}, g_peak{0};
void note_alloc(void* p) {
  if (!p) return;
  const size_t n = malloc_usable_size(p);
  const size_t live = g_live.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {}
}
void note_free(void* p) {
  if (p) g_live.fetch_sub(malloc_usable_size(p));
}
void reset_peak() { g_peak.store(g_live.load()); }
}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  note_alloc(p);
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n ? n : 1);
  note_alloc(p);
  return p;
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { note_free(p); std::free(p); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }

namespace {

using namespace imagegate;
using Clock = std::chrono::steady_clock;

double now_ms() { return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count(); }

struct Stats {
  double median, p10, p90, min, max;
  size_t n;
};

double quantile(const std::vector<double>& s, double q) {
  const double pos = (s.size() - 1) * q;
  const size_t lo = static_cast<size_t>(pos), hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

Stats summarize(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return {quantile(xs, 0.5), quantile(xs, 0.1), quantile(xs, 0.9), xs.front(), xs.back(), xs.size()};
}

volatile uint64_t g_sink = 0;

// Runs fn in samples of `iters` calls (calibrated to ~sample_ms); best-of-rounds median like the JS runner.
template <typename F>
Stats measure(F&& fn, int rounds, int samples, double sample_ms) {
  for (int k = 0; k < 3; ++k) fn();
  double t0 = now_ms();
  fn();
  const double single = std::max(now_ms() - t0, 1e-5);
  const long iters = std::max(1L, static_cast<long>(sample_ms / single));
  Stats best{};
  bool have = false;
  std::vector<double> all;
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> xs;
    for (int s = 0; s < samples; ++s) {
      t0 = now_ms();
      for (long i = 0; i < iters; ++i) fn();
      xs.push_back((now_ms() - t0) / iters);
    }
    all.insert(all.end(), xs.begin(), xs.end());
    Stats st = summarize(xs);
    if (!have || st.median < best.median) best = st, have = true;
  }
  Stats overall = summarize(all);
  best.min = overall.min;
  best.max = overall.max;
  best.n = overall.n;
  return best;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> out(n);
  uint32_t x = seed ? seed : 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    out[i] = static_cast<uint8_t>(x);
  }
  return out;
}

std::vector<uint8_t> pngish(size_t n, uint32_t seed) {
  std::vector<uint8_t> b = random_bytes(std::max<size_t>(n, 33), seed);
  const uint8_t head[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 4, 0, 0, 0, 3, 0, 8, 6, 0, 0, 0};
  std::memcpy(b.data(), head, sizeof head);
  return b;
}

std::string b64(const std::vector<uint8_t>& raw) {
  std::string s(base64_encoded_size(raw.size()), '\0');
  s.resize(encode_base64(raw.data(), raw.size(), s.data()));
  return s;
}

std::string stats_json(const Stats& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"median\":%.6f,\"p10\":%.6f,\"p90\":%.6f,\"min\":%.6f,\"max\":%.6f,\"n\":%zu}", s.median, s.p10,
                s.p90, s.min, s.max, s.n);
  return buf;
}

double mbps(size_t bytes, double ms) { return bytes / 1e6 / (ms / 1e3); }

std::string result_json(const char* group, const char* key, size_t size, size_t bytes, const Stats& s) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"group\":\"%s\",\"key\":\"%s\",\"size\":%zu,\"bytes\":%zu,\"ms\":%s,\"mbps\":{\"median\":%.3f,\"p10\":%.3f,\"p90\":%.3f}}",
                group, key, size, bytes, stats_json(s).c_str(), mbps(bytes, s.median), mbps(bytes, s.p90), mbps(bytes, s.p10));
  return buf;
}

// An images response of about `total` bytes with two PNG-ish images.
std::string images_response(size_t total) {
  const size_t per = (total - 200) / 2 / 4 * 3;
  std::string body = "{\"created\":1732600000,\"data\":[";
  for (int k = 0; k < 2; ++k) {
    if (k) body += ',';
    body += "{\"b64_json\":\"" + b64(pngish(per, 17 + k)) + "\",\"revised_prompt\":\"a bench image\"}";
  }
  body += "],\"usage\":{\"total_tokens\":4160,\"input_tokens\":10,\"output_tokens\":4150}}";
  return body;
}

struct SseFixture {
  std::vector<std::string> chunks;
  size_t last = 0;
  size_t event_bytes = 0;
};

SseFixture sse_fixture(size_t b64_len) {
  const std::string meta = "\"id\":\"gen-bench\",\"object\":\"chat.completion.chunk\",\"created\":1732600000,\"model\":\"m\"";
  const std::string event = "data: {" + meta + ",\"choices\":[{\"index\":0,\"delta\":{\"images\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," +
                            b64(pngish(b64_len / 4 * 3, static_cast<uint32_t>(b64_len))) + "\"}}]}}]}\n\n";
  SseFixture fx;
  fx.chunks.push_back("data: {" + meta + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Here\"}}]}\n\n");
  const size_t chunk = 64 * 1024;
  const size_t first = event.size() % chunk;
  if (first) fx.chunks.push_back(event.substr(0, first));
  for (size_t o = first; o < event.size(); o += chunk) fx.chunks.push_back(event.substr(o, chunk));
  fx.last = fx.chunks.size() - 1;
  fx.chunks.push_back("data: {" + meta + ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  fx.event_bytes = event.size();
  return fx;
}

// One streamed run: returns {last chunk → image, first chunk → image} in ms.
std::pair<double, double> stream_once(const SseFixture& fx, size_t* image_bytes = nullptr) {
  ChatStream s;
  std::vector<ChatStreamEvent> events;
  double t_first = 0, t_last = 0, t_img = 0;
  for (size_t i = 0; i < fx.chunks.size(); ++i) {
    if (i == 0) t_first = now_ms();
    if (i == fx.last) t_last = now_ms();
    events.clear();
    s.feed(reinterpret_cast<const uint8_t*>(fx.chunks[i].data()), fx.chunks[i].size(), events);
    for (auto& e : events) {
      if (e.type == ChatStreamEvent::Type::image) {
        t_img = now_ms();
        if (image_bytes) *image_bytes = e.image.bytes.size();
        g_sink += e.image.bytes.size();
      }
    }
  }
  events.clear();
  s.finish(events);
  return {t_img - t_last, t_img - t_first};
}

double page_fault_us_per_page(size_t bytes) {
  std::vector<double> xs;
  for (int r = 0; r < 5; ++r) {
    const double t0 = now_ms();
    auto* p = static_cast<volatile char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
    const double t1 = now_ms();
    munmap(const_cast<char*>(p), bytes);
    xs.push_back((t1 - t0) * 1000.0 / (bytes / 4096));
  }
  return summarize(xs).median;
}

}  // namespace

// --ops KERNEL N: runs one kernel N times on its input and exits, for instruction counting under callgrind
// (scripts/bench/instructions.sh subtracts the N = 1 run from the N = 3 run: the setup cancels out).
int run_ops(const char* kernel, int n) {
  if (std::strcmp(kernel, "base64") == 0) {
    const std::vector<uint8_t> raw = random_bytes(size_t(6) << 20, 8);
    const std::string in = b64(raw);
    std::vector<uint8_t> out(raw.size() + 16);
    for (int k = 0; k < n; ++k)
      g_sink += decode_base64(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data(), out.size()).written;
    return 0;
  }
  if (std::strcmp(kernel, "images") == 0) {
    const std::string body = images_response(size_t(16) << 20);
    std::vector<uint8_t> buf(body.size());
    for (int k = 0; k < n; ++k) {
      std::memcpy(buf.data(), body.data(), body.size());
      g_sink += parse_images_response(buf.data(), buf.size()).images.size();
    }
    return 0;
  }
  if (std::strcmp(kernel, "stream") == 0) {
    const SseFixture fx = sse_fixture(size_t(8) << 20);
    for (int k = 0; k < n; ++k) stream_once(fx);
    return 0;
  }
  std::fprintf(stderr, "native bench: --ops base64|images|stream N\n");
  return 2;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--ops") == 0) return run_ops(argv[2], std::atoi(argv[3]));
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int rounds = quick ? 1 : 3, samples = quick ? 3 : 11;
  const double sample_ms = quick ? 5 : 20;
  std::vector<std::string> results;

  // base64
  for (size_t size : {size_t(1024), size_t(64 * 1024), size_t(8 * 1024 * 1024)}) {
    const std::vector<uint8_t> raw = random_bytes(size / 4 * 3, static_cast<uint32_t>(size));
    const std::string in = b64(raw);
    std::vector<uint8_t> out(raw.size() + 16);
    Base64Result check = decode_base64(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data(), out.size());
    if (!check.ok() || check.written != raw.size() || std::memcmp(out.data(), raw.data(), raw.size()) != 0) {
      std::fprintf(stderr, "native bench: decode_base64 is wrong\n");
      return 1;
    }
    Stats s = measure([&] {
      Base64Result r = decode_base64(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data(), out.size());
      g_sink += r.written;
    }, rounds, samples, sample_ms);
    results.push_back(result_json("base64", "native.decode_base64", size, size, s));
    if (size <= 64 * 1024 || !quick) {
      Stats sc = measure([&] {
        Base64Result r = decode_base64_scalar(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data(), out.size());
        g_sink += r.written;
      }, 1, quick ? 3 : 5, sample_ms);
      results.push_back(result_json("base64", "native.decode_base64_scalar", size, size, sc));
    }
  }

  // images responses
  std::string alloc_json;
  for (size_t size : {size_t(1) << 20, size_t(4) << 20, size_t(16) << 20}) {
    const std::string body = images_response(size);
    std::vector<uint8_t> buf(body.size());
    Stats copy = measure([&] { std::memcpy(buf.data(), body.data(), body.size()); g_sink += buf[7]; }, rounds, samples, sample_ms);
    Stats s = measure([&] {
      std::memcpy(buf.data(), body.data(), body.size());
      ImagesResponse r = parse_images_response(buf.data(), buf.size());
      g_sink += r.images.size();
    }, rounds, samples, sample_ms);
    // Subtract the copy: the parse itself.
    Stats parse = s;
    parse.median -= copy.median; parse.p10 -= copy.median; parse.p90 -= copy.median; parse.min -= copy.median; parse.max -= copy.median;
    results.push_back(result_json("images", "native.parse", size, body.size(), parse));
    results.push_back(result_json("images", "native.copy", size, body.size(), copy));
    std::memcpy(buf.data(), body.data(), body.size());
    reset_peak();
    const size_t base = g_live.load();
    ImagesResponse r = parse_images_response(buf.data(), buf.size());
    if (!r.error.ok() || r.images.size() != 2) {
      std::fprintf(stderr, "native bench: parse_images_response failed: %s\n", r.error.message.c_str());
      return 1;
    }
    char a[200];
    std::snprintf(a, sizeof a, "%s{\"what\":\"parse_images_response\",\"size\":%zu,\"responseBytes\":%zu,\"peakBytes\":%zu}",
                  alloc_json.empty() ? "" : ",", size, body.size(), g_peak.load() - base);
    alloc_json += a;
  }

  // SSE stream: latency (last chunk → image) for 1 and 8 MiB images, throughput (first chunk → image) for the
  // same event sizes as stream.mjs (the core alone, no JS: the linear-time reference).
  std::vector<size_t> stream_sizes = {1024, 16 * 1024, 256 * 1024, size_t(1) << 20, size_t(4) << 20, size_t(8) << 20,
                                      size_t(16) << 20, size_t(28) << 20};
  if (quick) stream_sizes = {1024, size_t(1) << 20, size_t(8) << 20};
  for (size_t size : stream_sizes) {
    const SseFixture fx = sse_fixture(size);
    std::vector<double> lat, tot;
    size_t img = 0;
    const int runs = quick ? 3 : size >= (size_t(16) << 20) ? 7 : 15;
    for (int k = 0; k < runs; ++k) {
      auto [l, t] = stream_once(fx, &img);
      lat.push_back(l);
      tot.push_back(t);
    }
    if (img != size / 4 * 3) {
      std::fprintf(stderr, "native bench: streamed image has %zu bytes\n", img);
      return 1;
    }
    results.push_back(result_json("stream", "native.total", size, fx.event_bytes, summarize(tot)));
    if (size != (size_t(1) << 20) && size != (size_t(8) << 20)) continue;
    results.push_back(result_json("stream", "native.latency", size, fx.event_bytes, summarize(lat)));
    reset_peak();
    const size_t base = g_live.load();
    stream_once(fx);
    char a[200];
    std::snprintf(a, sizeof a, ",{\"what\":\"chat_stream\",\"size\":%zu,\"eventBytes\":%zu,\"decodedBytes\":%zu,\"peakBytes\":%zu}", size,
                  fx.event_bytes, img, g_peak.load() - base);
    alloc_json += a;
  }

  std::printf("{\"bench\":\"native\",\"compiler\":\"%s\",\"quick\":%s,\"results\":[", __VERSION__, quick ? "true" : "false");
  for (size_t i = 0; i < results.size(); ++i) std::printf("%s%s", i ? "," : "", results[i].c_str());
  std::printf("],\"alloc\":[%s],\"pageFaultUsPerPage\":%.3f,\"sink\":%llu}\n", alloc_json.c_str(), page_fault_us_per_page(6 << 20),
              static_cast<unsigned long long>(g_sink % 10));
  return 0;
}
