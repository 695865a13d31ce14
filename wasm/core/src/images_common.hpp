#pragma once
// Internal to the images-response parsers (images_response.cpp, the fast engine; images_reference.cpp, the nlohmann
// oracle): the document checks and messages both apply, so they agree by construction.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "imagegate/api_error.hpp"
#include "imagegate/images_response.hpp"

namespace imagegate {
namespace images_detail {

inline size_t first_non_space(const uint8_t* buf, size_t len) {
  size_t i = 0;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) ++i;
  return i;
}

inline std::string field_name(size_t k, const char* field) { return "data[" + std::to_string(k) + "]." + field; }

template <typename Result>
inline void set_error(Result& out, ResponseErrorKind kind, size_t position, int index, std::string message,
               Base64Error b64 = Base64Error::none) {
  out.error.kind = kind;
  out.error.position = position;
  out.error.image_index = index;
  out.error.base64_error = b64;
  out.error.message = std::move(message);
}

inline std::string base64_message(const std::string& where, Base64Error e, size_t in_string, size_t in_response) {
  std::string what;
  switch (e) {
    case Base64Error::invalid_character: what = "invalid base64 character"; break;
    case Base64Error::bad_padding: what = "misplaced base64 padding"; break;
    case Base64Error::partial_chunk: what = "truncated base64 (a lone final character)"; break;
    default: what = std::string("base64 error ") + to_string(e); break;
  }
  return where + ": " + what + " at offset " + std::to_string(in_string) + " of the image (byte " +
         std::to_string(in_response) + " of the response)";
}

// Checks shared by the fast path and the reference: the document is an images response. Returns false (with
// the error set) when it is not; `data` is set to the data array otherwise.
template <typename Result>
inline bool check_document(const nlohmann::json& doc, Result& out, size_t doc_pos, size_t data_pos, const nlohmann::json*& data) {
  if (!doc.is_object()) {
    set_error(out, ResponseErrorKind::unexpected_shape, doc_pos, -1, "the response is not a JSON object");
    return false;
  }
  auto d = doc.find("data");
  if (is_error_body(doc, "data")) {
    out.metadata = doc;
    const auto& e = doc["error"];
    std::string msg = "the gateway returned an error body";
    if (e.is_object() && e.contains("message") && e["message"].is_string()) msg += ": " + e["message"].get<std::string>();
    else if (e.is_string()) msg += ": " + e.get<std::string>();
    set_error(out, ResponseErrorKind::error_body, doc_pos, -1, msg);
    return false;
  }
  if (d == doc.end() || d->is_null()) {
    set_error(out, ResponseErrorKind::no_images, doc_pos, -1, "the response has no \"data\" array");
    return false;
  }
  if (!d->is_array()) {
    set_error(out, ResponseErrorKind::unexpected_shape, data_pos, -1, "\"data\" is not an array");
    return false;
  }
  if (d->empty()) {
    set_error(out, ResponseErrorKind::no_images, data_pos, -1, "the response's \"data\" array is empty");
    return false;
  }
  out.metadata = nlohmann::json(nlohmann::json::value_t::object);
  for (const auto& [key, value] : doc.get_ref<const nlohmann::json::object_t&>())
    if (key != "data") out.metadata[key] = value;
  data = &*d;
  return true;
}

}  // namespace images_detail
}  // namespace imagegate
