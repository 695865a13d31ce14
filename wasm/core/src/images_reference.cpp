// The slow reference for images responses: an nlohmann DOM parse, then each payload decoded on its own (the scalar
// base64 decoder for b64_json, decode_data_url's WHATWG processor for data URLs). The oracle of the engine's tests,
// fuzzer and benchmarks: the same images' bytes, metadata and error kinds, by a different route.
#include <string>
#include <vector>

#include "images_common.hpp"
#include "imagegate/data_url.hpp"
#include "imagegate/image_string.hpp"
#include "imagegate/json_util.hpp"

namespace imagegate {

using namespace images_detail;

ReferenceImages parse_images_response_reference(const uint8_t* buf, size_t len) {
  ReferenceImages out;
  nlohmann::json doc;
  if (!buf || len == 0) {
    set_error(out, ResponseErrorKind::invalid_json, 0, -1, "the response body is empty");
    return out;
  }
  const JsonParseError pe = parse_json(buf, len, doc);
  if (pe.failed) {
    set_error(out, ResponseErrorKind::invalid_json, pe.position, -1, pe.message);
    return out;
  }
  const nlohmann::json* data = nullptr;
  const size_t doc_pos = first_non_space(buf, len);
  if (!check_document(doc, out, doc_pos, doc_pos, data)) return out;
  for (size_t k = 0; k < data->size(); ++k) {
    const nlohmann::json& item = (*data)[k];
    const int index = static_cast<int>(k);
    auto fail = [&](ResponseErrorKind kind, std::string msg, Base64Error e = Base64Error::none, size_t pos = 0) {
      set_error(out, kind, pos, index, std::move(msg), e);  // positions are offsets within the string here
      out.images.clear();
      return out;
    };
    if (!item.is_object()) return fail(ResponseErrorKind::unexpected_shape, "not an object");
    auto b64 = item.find("b64_json");
    auto url = item.find("url");
    const bool has_b64 = b64 != item.end() && !b64->is_null();
    const bool has_url = url != item.end() && !url->is_null();
    std::vector<uint8_t> bytes;
    if (has_b64) {
      if (!b64->is_string()) return fail(ResponseErrorKind::unexpected_shape, "b64_json is not a string");
      const std::string& s = b64->get_ref<const std::string&>();
      bytes.resize(base64_max_decoded_size(s.size()));
      const Base64Result r = decode_base64_scalar(reinterpret_cast<const uint8_t*>(s.data()), s.size(), bytes.data(),
                                                  bytes.size(), image_base64_options(ImageField::base64));
      if (!r.ok()) return fail(ResponseErrorKind::bad_base64, "bad base64", r.error, r.position);
      bytes.resize(r.written);
    } else if (has_url) {
      if (!url->is_string()) return fail(ResponseErrorKind::unexpected_shape, "url is not a string");
      const std::string& s = url->get_ref<const std::string&>();
      const auto* p = reinterpret_cast<const uint8_t*>(s.data());
      if (!has_data_url_scheme(p, s.size())) {
        out.images.emplace_back();  // a remote URL: no bytes
        continue;
      }
      const DataUrlResult d = decode_data_url(p, s.size(), bytes, DataUrlMode::whatwg);
      if (!d.ok())
        return fail(d.error == DataUrlError::bad_base64 ? ResponseErrorKind::bad_base64 : ResponseErrorKind::bad_data_url,
                    to_string(d.error), d.base64_error, d.position);
    } else {
      return fail(ResponseErrorKind::no_images, "neither b64_json nor url");
    }
    out.images.push_back(std::move(bytes));
  }
  return out;
}

}  // namespace imagegate
