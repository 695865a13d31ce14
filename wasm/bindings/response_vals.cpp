#include "response_vals.hpp"

#include "imagegate/data_url.hpp"
#include "imagegate/image_info.hpp"

#include <string>

#include "imagegate/images_response.hpp"
#include "imagegate/json_util.hpp"
#include "to_val.hpp"

namespace imagegate_bindings {

using emscripten::val;
using namespace imagegate;

val api_error_val(const ApiErrorInfo& info) {
  val e = val::object();
  e.set("errorClass", info.error_class);
  e.set("status", info.status);
  e.set("message", info.message);
  e.set("type", info.type.empty() ? val::null() : val(info.type));
  e.set("code", to_val(info.code));
  e.set("param", to_val(info.param));
  e.set("generationId", info.generation_id.empty() ? val::null() : val(info.generation_id));
  return e;
}

namespace {

val invalid_val(const char* reason, const std::string& message, size_t position, int image_index) {
  val inv = val::object();
  inv.set("reason", std::string(reason));
  inv.set("message", message);
  inv.set("position", static_cast<double>(position));
  inv.set("imageIndex", image_index);
  val o = val::object();
  o.set("invalid", inv);
  return o;
}

}  // namespace

val images_response_val(uint8_t* data, size_t len, val write_back) {
  ImagesResponse r = parse_images_response(data, len);
  const bool reuse = !write_back.isUndefined() && !write_back.isNull();
  auto image_bytes = [&](const GeneratedImage& img) {
    if (!reuse) return copy_bytes(data + img.offset, img.length);
    const double begin = static_cast<double>(img.offset), end = static_cast<double>(img.offset + img.length);
    write_back.call<void>("set", val(emscripten::typed_memory_view(img.length, data + img.offset)), begin);
    return write_back.call<val>("subarray", begin, end);
  };
  if (r.error.kind == ResponseErrorKind::error_body) {
    val o = val::object();
    o.set("apiError", api_error_val(api_error_from_json(200, r.metadata)));
    return o;
  }
  if (!r.error.ok())
    return invalid_val(to_string(r.error.kind), r.error.message, r.error.position, r.error.image_index);
  val images = val::array();
  unsigned i = 0;
  for (const GeneratedImage& img : r.images) {
    val o = val::object();
    o.set("bytes", img.has_bytes ? image_bytes(img) : val::null());
    o.set("format", std::string(to_string(img.info.format)));
    o.set("mimeType", img.has_bytes ? val(std::string(mime_type(img.info.format))) : val::null());
    o.set("width", img.info.width);
    o.set("height", img.info.height);
    o.set("mediaType", img.media_type.empty() ? val::null() : val(img.media_type));
    o.set("url", img.url.empty() ? val::null() : val(img.url));
    o.set("revisedPrompt", img.has_revised_prompt ? val(img.revised_prompt) : val::null());
    images.set(i++, o);
  }
  val o = val::object();
  o.set("images", images);
  o.set("metadata", to_val(r.metadata));
  return o;
}

val image_val(const DecodedImage& img, const std::string& url) {
  return image_val(img, url, url.empty() ? copy_bytes(img.bytes.data(), img.bytes.size()) : val::null());
}

val image_val(const DecodedImage& img, const std::string& url, val bytes) {
  val o = val::object();
  const bool has_bytes = url.empty();
  o.set("bytes", bytes);
  o.set("format", std::string(to_string(img.info.format)));
  o.set("mimeType", has_bytes ? val(std::string(mime_type(img.info.format))) : val::null());
  o.set("mediaType", img.media_type.empty() ? val::null() : val(img.media_type));
  o.set("width", img.info.width);
  o.set("height", img.info.height);
  o.set("url", url.empty() ? val::null() : val(url));
  return o;
}

val chat_failure_val(const ChatCompletionResult& r) {
  if (r.kind == ChatCompletionResult::Kind::invalid) return invalid_val(r.reason.c_str(), r.message, r.position, -1);
  val o = val::object();
  o.set("apiError", api_error_val(r.error));
  return o;
}

val chat_completion_val(uint8_t* data, size_t len) {
  return chat_completion_val(parse_chat_completion(data, len), [&](const ChatImage& img) {
    return image_val(img.image, "", copy_bytes(data + img.offset, img.image.length));
  });
}

val json_document_val(const uint8_t* data, size_t len) {
  nlohmann::json j;
  JsonParseError err = parse_json(data, len, j);
  if (err.failed) return invalid_val("invalid_json", "The response is not valid JSON: " + err.message, err.position, -1);
  val o = val::object();
  if (imagegate::is_error_body(j)) o.set("apiError", api_error_val(imagegate::api_error_from_json(200, j)));
  else o.set("value", to_val(j));
  return o;
}

}  // namespace imagegate_bindings
