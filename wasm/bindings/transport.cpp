// Non-streaming HTTP through emscripten_fetch (XMLHttpRequest underneath: the browser's, or the package's
// node:http shim in node). The response body lands in the wasm heap once and is parsed there in place;
// JS receives a plain result object. Timeouts, retries and abort decisions live in the JS layer.
#include <emscripten/bind.h>
#include <emscripten/fetch.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "imagegate/api_error.hpp"
#include "imagegate/json_util.hpp"
#include "imagegate/minsize.hpp"
#include "handle_map.hpp"
#include "kinds.hpp"
#include "response_vals.hpp"
#include "to_val.hpp"

extern "C" void imagegate_fetch_abort(unsigned int id);                                // fetch_xhr.js
extern "C" emscripten::EM_VAL imagegate_fetch_response(unsigned int id, uint32_t len);  // fetch_xhr.js
extern "C" emscripten::EM_VAL imagegate_fetch_error(unsigned int id);                    // fetch_xhr.js

namespace {

using emscripten::val;
using namespace imagegate;
using namespace imagegate_bindings;

using imagegate_bindings::ParseKind;

struct Pending {
  uint32_t id = 0;
  ParseKind kind = ParseKind::json;
  std::string method;
  std::string secret;  // the request's credential: redacted from error excerpts before they are cut
  std::vector<std::string> header_storage;
  std::vector<const char*> header_ptrs;
  const uint8_t* body = nullptr;  // owned by JS, kept alive until the callback or abort (emscripten_fetch does not copy it)
  size_t body_len = 0;
  val callback = val::undefined();
  emscripten_fetch_t* fetch = nullptr;
};

imagegate_bindings::HandleMap<std::unique_ptr<Pending>>& pending() {
  static imagegate_bindings::HandleMap<std::unique_ptr<Pending>> map;
  return map;
}
uint32_t next_id = 1;

// The largest response body accepted (README "Limits"). Checked on every progress event, so an oversized body is
// stopped while it downloads: Fetch.js 3.1.6 would otherwise _malloc it whole and, when that fails, copy it to
// address 0. Settable (internal binding) so tests can exercise the limit without a 512 MiB body.
double max_response_bytes = 512.0 * 1024 * 1024;

std::string response_headers(emscripten_fetch_t* f) {
  size_t n = emscripten_fetch_get_response_headers_length(f);
  if (n == 0) return {};
  std::string s(n, '\0');
  emscripten_fetch_get_response_headers(f, s.data(), n);
  while (!s.empty() && s.back() == '\0') s.pop_back();  // 3.1.6 counts the trailing NUL (TOOLCHAIN G11)
  return s;
}

// Takes the request out of the registry, closes the fetch and calls back JS with `result`.
void finish(emscripten_fetch_t* f, val result) {
  auto* p = static_cast<Pending*>(f->userData);
  std::unique_ptr<Pending> owned = std::move(pending()[p->id]);
  pending().erase(p->id);
  val cb = owned->callback;
  owned->fetch = nullptr;
  result.set("headers", response_headers(f));
  result.set("status", f->status);
  emscripten_fetch_close(f);  // frees f->data: every view into it has been copied by now
  cb(result);                 // JS never throws out of this callback (the wrapper catches)
}

void on_success(emscripten_fetch_t* f) {
  auto* p = static_cast<Pending*>(f->userData);
  auto* data = reinterpret_cast<uint8_t*>(const_cast<char*>(f->data));
  const size_t len = static_cast<size_t>(f->numBytes);
  val result = val::object();
  result.set("ok", true);
  switch (p->kind) {
    case ParseKind::images: {
      // Decode back into the XHR's own response buffer: no fresh allocation per image.
      val write_back = val::take_ownership(imagegate_fetch_response(f->id, static_cast<uint32_t>(len)));
      result.set("images", images_response_val(data, len, write_back));
      break;
    }
    case ParseKind::chat: result.set("chat", chat_completion_val(data, len)); break;
    case ParseKind::json: result.set("json", json_document_val(data, len)); break;
  }
  finish(f, result);
}

void on_error(emscripten_fetch_t* f) {
  val result = val::object();
  result.set("ok", false);
  // Status 0 is a network, CORS or timeout failure (TOOLCHAIN G12): no HTTP response at all.
  if (f->status == 0 || f->status == static_cast<unsigned short>(-1)) {
    result.set("networkError", true);
    result.set("cause", val::take_ownership(imagegate_fetch_error(f->id)));
  } else {
    result.set("networkError", false);
    const auto* p = static_cast<const Pending*>(f->userData);
    ApiErrorInfo info = parse_error_response(f->status, reinterpret_cast<const uint8_t*>(f->data),
                                             static_cast<size_t>(f->numBytes), p->secret);
    result.set("error", api_error_val(info));
  }
  finish(f, result);
}

// Stops an in-flight fetch without any callback: aborts the XHR (3.1.6's Fetch.js reports no callback for an
// abort), and clears the callbacks so that emscripten_fetch_close() does not report it as an error either.
void silence(emscripten_fetch_t* f) {
  imagegate_fetch_abort(f->id);
  f->__attributes.onerror = nullptr;
  f->__attributes.onsuccess = nullptr;
  f->__attributes.onprogress = nullptr;
}

void on_progress(emscripten_fetch_t* f) {
  const double seen = static_cast<double>(f->totalBytes > f->dataOffset ? f->totalBytes : f->dataOffset);
  if (seen <= max_response_bytes) return;
  silence(f);
  val result = val::object();
  result.set("ok", false);
  result.set("networkError", false);
  result.set("tooLarge", true);
  result.set("size", seen);
  result.set("limit", max_response_bytes);
  finish(f, result);
}

// Starts a request. `headers` is a flat JS array [name, value, ...]; the body (may be 0/0) is heap memory
// that JS keeps alive until the callback has run or the request was aborted. Returns the id for
// abort_request. The callback may run before this returns (a synchronous send failure).
IMAGEGATE_MINSIZE
uint32_t start_request(const std::string& method, const std::string& url, val headers, uintptr_t body_ptr,
                       uint32_t body_len, ParseKind kind, const std::string& secret, val callback) {
  auto p = std::make_unique<Pending>();
  p->id = next_id++;
  p->kind = kind;
  p->method = method;
  p->secret = secret;
  p->body = reinterpret_cast<const uint8_t*>(body_ptr);
  p->body_len = body_len;
  p->callback = callback;
  const unsigned n = headers["length"].as<unsigned>();
  p->header_storage.reserve(n);
  for (unsigned i = 0; i < n; ++i) p->header_storage.push_back(headers[i].as<std::string>());
  for (const auto& h : p->header_storage) p->header_ptrs.push_back(h.c_str());
  p->header_ptrs.push_back(nullptr);

  emscripten_fetch_attr_t attr;
  emscripten_fetch_attr_init(&attr);
  std::strncpy(attr.requestMethod, p->method.c_str(), sizeof attr.requestMethod - 1);
  attr.attributes = EMSCRIPTEN_FETCH_LOAD_TO_MEMORY | EMSCRIPTEN_FETCH_REPLACE;
  attr.requestHeaders = p->header_ptrs.data();
  attr.requestData = reinterpret_cast<const char*>(p->body);
  attr.requestDataSize = p->body_len;
  attr.userData = p.get();
  attr.onsuccess = on_success;
  attr.onerror = on_error;
  attr.onprogress = on_progress;
  const uint32_t id = p->id;
  pending()[id] = std::move(p);
  // If emscripten_fetch throws (a runtime whose XMLHttpRequest cannot be constructed), the JS exception unwinds
  // past this frame: the caller then forgets the request with abort_request(last_request_id()).
  emscripten_fetch_t* f = emscripten_fetch(&attr, url.c_str());
  // A synchronous failure has already finished (and erased) the request: only record live ones.
  if (auto* live = pending().find(id)) (*live)->fetch = f;
  return id;
}

// Cancels a request: its callback is never called. Safe on finished or unknown ids.
void abort_request(uint32_t id) {
  auto* live = pending().find(id);
  if (!live) return;
  std::unique_ptr<Pending> p = std::move(*live);
  pending().erase(id);
  if (emscripten_fetch_t* f = p->fetch) {
    silence(f);
    emscripten_fetch_close(f);
  }
}

uint32_t last_request_id() { return next_id - 1; }

uint32_t pending_count() { return static_cast<uint32_t>(pending().size()); }
void set_max_response_bytes(double n) { max_response_bytes = n; }
double get_max_response_bytes() { return max_response_bytes; }

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_transport) {
  emscripten::function("_startRequest", &start_request);
  emscripten::function("_abortRequest", &abort_request);
  emscripten::function("_pendingRequests", &pending_count);
  emscripten::function("_setMaxResponseBytes", &set_max_response_bytes);
  emscripten::function("_maxResponseBytes", &get_max_response_bytes);
  emscripten::function("_lastRequestId", &last_request_id);
}
