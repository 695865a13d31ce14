// embind surface of the edits request builder (POST /images/edits) and the scalar base64 reference (tests compare
// the SIMD128 kernel with it). Internal: wasm/js/resources/images.mjs owns every pointer.
#include <emscripten/bind.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "imagegate/base64.hpp"
#include "imagegate/minsize.hpp"
#include "imagegate/request.hpp"

namespace {

using emscripten::val;
using namespace imagegate;

// {ptr, len} (heap bytes) or {url}; optional name (the multipart filename).
EditImage edit_image(const val& v) {
  EditImage e;
  if (v["url"].isString()) {
    e.url = v["url"].as<std::string>();
  } else {
    e.bytes = reinterpret_cast<const uint8_t*>(v["ptr"].as<uintptr_t>());
    e.len = v["len"].as<uint32_t>();
  }
  if (v["name"].isString()) e.filename = v["name"].as<std::string>();
  return e;
}

// Returns {error, param} or {ptr, len, contentType}: the body in a heap block the caller frees with _free.
IMAGEGATE_MINSIZE
val build_edit(uintptr_t params, uint32_t params_len, val images, val mask, bool multipart, const std::string& boundary) {
  std::vector<EditImage> inputs;
  const unsigned n = images["length"].as<unsigned>();
  inputs.reserve(n);
  for (unsigned i = 0; i < n; ++i) inputs.push_back(edit_image(images[i]));
  EditImage m;
  const bool has_mask = !mask.isNull() && !mask.isUndefined();
  if (has_mask) m = edit_image(mask);
  BuiltRequest r = build_edit_request(reinterpret_cast<const uint8_t*>(params), params_len, inputs, has_mask ? &m : nullptr,
                                      multipart, boundary);
  val o = val::object();
  if (!r.ok()) {
    o.set("error", r.error);
    o.set("param", r.param);
    return o;
  }
  auto* body = static_cast<uint8_t*>(std::malloc(r.body.size() + 1));
  if (!body) {
    o.set("error", std::string("cannot allocate the request body in the wasm heap"));
    o.set("param", std::string());
    return o;
  }
  std::memcpy(body, r.body.data(), r.body.size());
  o.set("ptr", reinterpret_cast<uintptr_t>(body));
  o.set("len", static_cast<uint32_t>(r.body.size()));
  o.set("contentType", r.content_type);
  return o;
}

uint32_t encode_scalar_into(uintptr_t in, uint32_t len, uintptr_t out, bool url, bool pad) {
  return static_cast<uint32_t>(encode_base64_scalar(reinterpret_cast<const uint8_t*>(in), len, reinterpret_cast<char*>(out),
                                                    url ? Base64Alphabet::url : Base64Alphabet::standard, pad));
}

}  // namespace

EMSCRIPTEN_BINDINGS(imagegate_edits) {
  emscripten::function("_buildEditRequest", &build_edit);
  emscripten::function("_encodeBase64ScalarInto", &encode_scalar_into);
}
