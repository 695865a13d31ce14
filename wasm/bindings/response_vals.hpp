#pragma once
// Core results → plain JS objects, shared by the transport and the low-level parse functions.
#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "imagegate/api_error.hpp"
#include "imagegate/chat_images.hpp"
#include "to_val.hpp"

namespace imagegate_bindings {

// {errorClass, status, message, type, code, param, generationId}
emscripten::val api_error_val(const imagegate::ApiErrorInfo& info);
// Parses an images response IN PLACE: {images, metadata} | {apiError} | {invalid: {reason, message, position, imageIndex}}
// Each image's bytes become a new JS Uint8Array (a copy out of the heap), unless `write_back` is a Uint8Array
// holding this same response (at least `len` bytes): then the image is copied back into it at the offset where the
// core decoded it and handed out as write_back.subarray(). That buffer's pages are already warm, so no fresh
// multi-MiB allocation is paid per image (20-40 ms per 6 MiB in Chromium on our VMs); its base64 text is overwritten.
emscripten::val images_response_val(uint8_t* data, size_t len, emscripten::val write_back = emscripten::val::undefined());
// {bytes, format, mimeType (sniffed), mediaType (declared), width, height, url}
emscripten::val image_val(const imagegate::DecodedImage& img, const std::string& url);
// The same with the bytes already made (e.g. a view of a buffer filled while streaming).
emscripten::val image_val(const imagegate::DecodedImage& img, const std::string& url, emscripten::val bytes);
// Parses a non-streamed chat completion in place; message.images[j] become image objects:
// {completion} | {apiError} | {invalid}
emscripten::val chat_completion_val(uint8_t* data, size_t len);
// {apiError} | {invalid} for a chat completion that is not ok.
emscripten::val chat_failure_val(const imagegate::ChatCompletionResult& r);
// Converts a core chat completion (create()'s or a stream's): the document, with each image placed where the core
// says it is; `image_of(img)` gives the JS image object for an image with bytes (a copy, or one already handed out).
template <typename ImageOf>
emscripten::val chat_completion_val(const imagegate::ChatCompletionResult& r, ImageOf&& image_of) {
  using emscripten::val;
  if (r.kind != imagegate::ChatCompletionResult::Kind::ok) return chat_failure_val(r);
  val completion = to_val(r.completion);
  for (const imagegate::ChatImage& img : r.images) {
    val image = img.has_bytes ? image_of(img) : image_val(img.image, img.url);
    completion["choices"][static_cast<unsigned>(img.choice_position)]["message"]["images"].set(static_cast<unsigned>(img.index), image);
  }
  val o = val::object();
  o.set("completion", completion);
  return o;
}
// Parses any JSON document: {value} | {apiError} (a gateway error object, imagegate::is_error_body) | {invalid}
emscripten::val json_document_val(const uint8_t* data, size_t len);

}  // namespace imagegate_bindings
