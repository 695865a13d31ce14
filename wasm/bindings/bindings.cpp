// embind surface of the core. Internal: only wasm/js/*.mjs calls these, and it owns every pointer.
// Big inputs arrive as (ptr, len) into the wasm heap (the JS side does _malloc + HEAPU8.set), never as
// std::string (a per-byte JS loop in embind 3.1.6). Results are small plain objects; no C++ object
// crosses into JS, so callers never need .delete().
#include <emscripten/bind.h>
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "imagegate/api_error.hpp"
#include "imagegate/base64.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/image_info.hpp"
#include "imagegate/request.hpp"
#include "imagegate/retry.hpp"
#include "imagegate/minsize.hpp"
#include "kinds.hpp"
#include "response_vals.hpp"
#include "to_val.hpp"

namespace {

using namespace emscripten;
using namespace imagegate;

template <typename T>
T* heap_ptr(uintptr_t p) { return reinterpret_cast<T*>(p); }

struct JsBase64Result {
  std::string error;  // "" on success, else the Base64Error name
  uint32_t position;
  uint32_t written;
  uint32_t consumed;
};

JsBase64Result to_js(const Base64Result& r) {
  return {r.ok() ? std::string() : std::string(to_string(r.error)), static_cast<uint32_t>(r.position),
          static_cast<uint32_t>(r.written), static_cast<uint32_t>(r.consumed)};
}

Base64Options make_options(int alphabet, int last_chunk, bool skip_whitespace) {
  Base64Options o;
  o.alphabet = alphabet == 1 ? Base64Alphabet::url : Base64Alphabet::standard;
  o.last_chunk = last_chunk == 1 ? LastChunk::strict
                 : last_chunk == 2 ? LastChunk::stop_before_partial : LastChunk::loose;
  o.skip_whitespace = skip_whitespace;
  return o;
}

JsBase64Result decode_base64_into(uintptr_t in, uint32_t len, uintptr_t out, uint32_t out_capacity, int alphabet,
                                  int last_chunk, bool skip_whitespace) {
  return to_js(decode_base64(heap_ptr<const uint8_t>(in), len, heap_ptr<uint8_t>(out), out_capacity,
                             make_options(alphabet, last_chunk, skip_whitespace)));
}

// setFromBase64: decode_base64_bounded; `consumed` is the spec's read, also on an error (with `written`).
JsBase64Result decode_base64_bounded_js(uintptr_t in, uint32_t len, uintptr_t out, uint32_t max_length, int alphabet,
                                        int last_chunk, bool skip_whitespace) {
  return to_js(decode_base64_bounded(heap_ptr<const uint8_t>(in), len, heap_ptr<uint8_t>(out), max_length,
                                     make_options(alphabet, last_chunk, skip_whitespace)));
}

uint32_t encode_base64_into(uintptr_t in, uint32_t len, uintptr_t out, bool url, bool pad) {
  return static_cast<uint32_t>(encode_base64(heap_ptr<const uint8_t>(in), len, heap_ptr<char>(out),
                                             url ? Base64Alphabet::url : Base64Alphabet::standard, pad));
}

struct JsImageInfo {
  std::string format;
  std::string mime_type;
  uint32_t width;
  uint32_t height;
  uint32_t orientation;
  uint32_t display_width;
  uint32_t display_height;
};

JsImageInfo sniff(uintptr_t in, uint32_t len) {
  ImageInfo info = sniff_image(heap_ptr<const uint8_t>(in), len);
  return {to_string(info.format), mime_type(info.format), info.width, info.height, info.orientation,
          info.display_width, info.display_height};
}

// Validates request parameters (JSON bytes) and returns {error, param} or {ptr, len}: the body in a heap
// block that the caller frees with _free.
IMAGEGATE_MINSIZE
emscripten::val build_request(imagegate_bindings::RequestKind kind, uintptr_t in, uint32_t len) {
  using imagegate_bindings::RequestKind;
  BuiltRequest r = kind == RequestKind::images ? build_images_request(heap_ptr<const uint8_t>(in), len)
                                               : build_chat_request(heap_ptr<const uint8_t>(in), len, kind == RequestKind::chat_stream);
  emscripten::val o = emscripten::val::object();
  if (!r.ok()) {
    o.set("error", r.error);
    o.set("param", r.param);
    return o;
  }
  auto* body = static_cast<uint8_t*>(std::malloc(r.body.size() + 1));
  std::memcpy(body, r.body.data(), r.body.size());
  o.set("ptr", reinterpret_cast<uintptr_t>(body));
  o.set("len", static_cast<uint32_t>(r.body.size()));
  return o;
}

// `whatwg`: the fetch spec's data: URL processor, else the strict RFC 2397 reading. {error, position, base64Error}
// on failure, else {mediaType, parameters: [[name, value]...], base64, bytes: Uint8Array (a JS-owned copy of the
// decoded payload)}.
emscripten::val decode_data_url_val(uintptr_t in, uint32_t len, bool whatwg) {
  std::vector<uint8_t> payload;
  const DataUrlResult r = decode_data_url(heap_ptr<const uint8_t>(in), len, payload,
                                          whatwg ? DataUrlMode::whatwg : DataUrlMode::strict);
  emscripten::val o = emscripten::val::object();
  if (!r.ok()) {
    o.set("error", std::string(to_string(r.error)));
    o.set("position", static_cast<double>(r.position));
    if (r.base64_error != Base64Error::none) o.set("base64Error", std::string(to_string(r.base64_error)));
    return o;
  }
  o.set("mediaType", r.url.media_type);
  emscripten::val params = emscripten::val::array();
  unsigned i = 0;
  for (const auto& [name, value] : r.url.parameters) {
    emscripten::val pair = emscripten::val::array();
    pair.set(0, name);
    pair.set(1, value);
    params.set(i++, pair);
  }
  o.set("parameters", params);
  o.set("base64", r.url.base64);
  o.set("bytes", imagegate_bindings::copy_bytes(payload.data(), payload.size()));
  return o;
}

// `write_back`: undefined, or the JS Uint8Array the heap bytes were copied from (see images_response_val).
emscripten::val parse_images(uintptr_t in, uint32_t len, emscripten::val write_back) {
  return imagegate_bindings::images_response_val(heap_ptr<uint8_t>(in), len, write_back);
}
emscripten::val parse_json_document(uintptr_t in, uint32_t len) {
  return imagegate_bindings::json_document_val(heap_ptr<const uint8_t>(in), len);
}
emscripten::val parse_error(int status, uintptr_t in, uint32_t len, const std::string& secret) {
  return imagegate_bindings::api_error_val(parse_error_response(status, heap_ptr<const uint8_t>(in), len, secret));
}

IMAGEGATE_MINSIZE
emscripten::val decide(int status, const std::string& should_retry, const std::string& retry_after_ms,
                       const std::string& retry_after, int retries_done, int max_retries, double now_ms, double jitter) {
  RetryInput in;
  in.status = status;
  in.should_retry = should_retry;
  in.retry_after_ms = retry_after_ms;
  in.retry_after = retry_after;
  in.retries_done = retries_done;
  in.max_retries = max_retries;
  in.now_ms = now_ms;
  in.jitter = jitter;
  RetryDecision d = decide_retry(in);
  emscripten::val o = emscripten::val::object();
  o.set("retry", d.retry);
  o.set("delayMs", d.delay_ms);
  return o;
}

// The server's requested delay in ms (number), or null: APIError.retryAfterMs.
emscripten::val server_delay(const std::string& retry_after_ms, const std::string& retry_after, double now_ms) {
  double ms;
  return server_retry_delay(retry_after_ms, retry_after, now_ms, ms) ? emscripten::val(ms) : emscripten::val::null();
}

// Heap accounting for leak checks: bytes currently allocated by malloc, and the size of linear memory.
emscripten::val heap_stats() {
  struct mallinfo mi = mallinfo();
  emscripten::val o = emscripten::val::object();
  o.set("used", static_cast<double>(mi.uordblks));
  o.set("total", static_cast<double>(__builtin_wasm_memory_size(0) * 65536.0));
  return o;
}

std::string version() { return IMAGEGATE_VERSION; }

bool simd_enabled() {
#if defined(__wasm_simd128__)
  return true;
#else
  return false;
#endif
}

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate) {
  using imagegate_bindings::ParseKind;
  using imagegate_bindings::RequestKind;
  emscripten::enum_<RequestKind>("_RequestKind")
      .value("images", RequestKind::images)
      .value("chat", RequestKind::chat)
      .value("chatStream", RequestKind::chat_stream);
  emscripten::enum_<ParseKind>("_ParseKind")
      .value("json", ParseKind::json)
      .value("images", ParseKind::images)
      .value("chat", ParseKind::chat);
  value_object<JsBase64Result>("Base64Result")
      .field("error", &JsBase64Result::error)
      .field("position", &JsBase64Result::position)
      .field("written", &JsBase64Result::written)
      .field("consumed", &JsBase64Result::consumed);
  value_object<JsImageInfo>("ImageInfo")
      .field("format", &JsImageInfo::format)
      .field("mimeType", &JsImageInfo::mime_type)
      .field("width", &JsImageInfo::width)
      .field("height", &JsImageInfo::height)
      .field("orientation", &JsImageInfo::orientation)
      .field("displayWidth", &JsImageInfo::display_width)
      .field("displayHeight", &JsImageInfo::display_height);
  function("_decodeBase64Into", &decode_base64_into);
  function("_decodeBase64Bounded", &decode_base64_bounded_js);
  function("_encodeBase64Into", &encode_base64_into);
  function("_sniff", &sniff);
  function("_decodeDataUrl", &decode_data_url_val);
  function("_buildRequest", &build_request);
  function("_parseImagesResponse", &parse_images);
  function("_parseJsonDocument", &parse_json_document);
  function("_parseErrorResponse", &parse_error);
  function("_decideRetry", &decide);
  function("_serverRetryDelay", &server_delay);
  function("_heapStats", &heap_stats);
  function("_version", &version);
  function("_simdEnabled", &simd_enabled);
}
