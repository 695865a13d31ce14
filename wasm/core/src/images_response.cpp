// The images-response fast path: JsonImageScanner (the one engine for JSON that carries images) reads the raw bytes
// once and decodes data[k].b64_json and base64 data: URLs in data[k].url IN PLACE, each into the bytes of its own
// string; the small skeleton left over goes through nlohmann for well-formedness, the shape checks and the metadata.
// The reference (images_reference.cpp) gets the same results through an nlohmann DOM (the fuzzer checks it).
#include "imagegate/images_response.hpp"

#include <string>
#include <utility>
#include <vector>

#include "images_common.hpp"
#include "imagegate/json_image_scanner.hpp"
#include "imagegate/json_util.hpp"

namespace imagegate {

using namespace images_detail;

const char* to_string(ResponseErrorKind k) {
  switch (k) {
    case ResponseErrorKind::none: return "none";
    case ResponseErrorKind::invalid_json: return "invalid_json";
    case ResponseErrorKind::unexpected_shape: return "unexpected_shape";
    case ResponseErrorKind::no_images: return "no_images";
    case ResponseErrorKind::bad_base64: return "bad_base64";
    case ResponseErrorKind::bad_data_url: return "bad_data_url";
    case ResponseErrorKind::error_body: return "error_body";
  }
  return "unknown";
}

namespace {

constexpr size_t kNpos = static_cast<size_t>(-1);

JsonPath item_field(size_t k, const char* field) {
  JsonPath p(3);
  p[0].key = "data";
  p[1].is_index = true;
  p[1].index = k;
  p[2].key = field;
  return p;
}

// Sets the error for an image string that did not decode; false when it decoded.
bool string_failed(ImagesResponse& out, const ScannedImage& s, size_t k, const char* field) {
  const int index = static_cast<int>(k);
  const std::string where = field_name(k, field) + (s.data_url ? " (data URL)" : "");
  switch (s.failure) {
    case ImageStringFailure::none: return false;
    case ImageStringFailure::bad_base64:
      set_error(out, ResponseErrorKind::bad_base64, s.failure_position, index,
                base64_message(where, s.base64_error, s.failure_position - std::min(s.failure_position, s.content),
                               s.failure_position),
                s.base64_error);
      break;
    default:
      set_error(out, ResponseErrorKind::bad_data_url, s.failure_position, index,
                field_name(k, field) + ": malformed data URL (" + to_string(s.data_url_error) + ")");
      break;
  }
  out.images.clear();
  return true;
}

}  // namespace

ImagesResponse parse_images_response(uint8_t* buf, size_t len) {
  ImagesResponse out;
  if (!buf || len == 0) {
    set_error(out, ResponseErrorKind::invalid_json, 0, -1, "the response body is empty");
    return out;
  }
  JsonImageScanner s(ImageTarget::images_response, JsonImageScanner::Output::in_place);
  s.feed_in_place(buf, len);
  if (s.failed() || s.decoding_image()) {
    const size_t pos = s.failed() ? s.failure_position() : len;  // invalid JSON inside an image, or cut inside one
    set_error(out, ResponseErrorKind::invalid_json, pos, -1,
              pos >= len ? "the response is not valid JSON (it ends too early: truncated?)"
                         : "the response is not valid JSON (at byte " + std::to_string(pos) + ")");
    return out;
  }
  nlohmann::json doc;
  const std::string& skeleton = s.skeleton();
  const JsonParseError pe = parse_json(reinterpret_cast<const uint8_t*>(skeleton.data()), skeleton.size(), doc);
  if (pe.failed) {
    const size_t pos = std::min(s.input_position(pe.position), len);
    set_error(out, ResponseErrorKind::invalid_json, pos, -1,
              pos >= len ? "the response is not valid JSON (it ends too early: truncated?)"
                         : "the response is not valid JSON (at byte " + std::to_string(pos) + ")");
    return out;
  }
  const nlohmann::json* data = nullptr;
  const size_t doc_pos = first_non_space(buf, len);
  if (!check_document(doc, out, doc_pos, s.data_position() == kNpos ? doc_pos : s.data_position(), data)) return out;

  const auto& item_pos = s.item_positions();
  for (size_t k = 0; k < data->size(); ++k) {
    const nlohmann::json& item = (*data)[k];
    const size_t at = k < item_pos.size() && item_pos[k] != kNpos ? item_pos[k] : doc_pos;
    const int index = static_cast<int>(k);
    if (!item.is_object()) {
      set_error(out, ResponseErrorKind::unexpected_shape, at, index, field_name(k, "") + " is not an object");
      out.images.clear();
      return out;
    }
    GeneratedImage img;
    auto rp = item.find("revised_prompt");
    if (rp != item.end() && rp->is_string()) {
      img.has_revised_prompt = true;
      img.revised_prompt = rp->get<std::string>();
    }
    auto b64 = item.find("b64_json");
    auto url = item.find("url");
    const bool has_b64 = b64 != item.end() && !b64->is_null();
    const bool has_url = url != item.end() && !url->is_null();
    const char* field = has_b64 ? "b64_json" : "url";
    if (!has_b64 && !has_url) {
      set_error(out, ResponseErrorKind::no_images, at, index, field_name(k, "") + " has neither b64_json nor url");
      out.images.clear();
      return out;
    }
    const nlohmann::json& value = has_b64 ? *b64 : *url;
    const ScannedImage* scanned = value.is_string() ? s.find(item_field(k, field)) : nullptr;
    if (!value.is_string() || (has_b64 && !scanned)) {
      set_error(out, ResponseErrorKind::unexpected_shape, at, index, field_name(k, field) + " is not a string");
      out.images.clear();
      return out;
    }
    if (scanned) {
      if (string_failed(out, *scanned, k, field)) return out;
      img.has_bytes = true;
      img.offset = scanned->content;
      img.length = scanned->length;
      img.media_type = scanned->media_type;
      img.info = sniff_image(buf + img.offset, img.length);
    } else {
      img.url = value.get<std::string>();  // not a data: URL: reported, never fetched
    }
    out.images.push_back(std::move(img));
  }
  return out;
}

}  // namespace imagegate
