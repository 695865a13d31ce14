// build_edit_request on arbitrary parameters and image bytes: never crashes or reads outside its inputs (ASan), and
// whatever it accepts is a well-formed body: JSON that parses back with exactly the images given, each a data URL
// whose base64 decodes to those bytes (or the URL as given), or multipart that ends with its closing delimiter and
// carries each file byte for byte. Input layout: byte 0 picks the number of images (0..17), byte 1 flags (mask,
// multipart, images as data:/https: URLs); then the parameters JSON up to the first 0xFF byte; the rest is split
// evenly among the images and the mask.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "imagegate/base64.hpp"
#include "imagegate/request.hpp"

using namespace imagegate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t count = data[0] % 18;
  const uint8_t flags = data[1];
  const bool with_mask = flags & 1, multipart = flags & 2, as_data_url = flags & 4, as_https = flags & 8;
  size_t i = 2;
  while (i < size && data[i] != 0xFF) ++i;
  const std::string params(reinterpret_cast<const char*>(data + 2), i - 2);
  const uint8_t* rest = data + (i < size ? i + 1 : size);
  const size_t rest_len = data + size - rest;
  const size_t parts = count + (with_mask ? 1 : 0);
  const size_t each = parts ? rest_len / parts : 0;

  std::vector<EditImage> images(count);
  EditImage mask;
  for (size_t k = 0; k < parts; ++k) {
    EditImage e;
    const uint8_t* p = rest + k * each;
    if (as_data_url && k % 2 == 0) {
      std::string u = "data:image/png;base64,";
      append_base64(u, p, each);
      e.url = u;
    } else if (as_https && k % 3 == 1) {
      e.url = "https://example.com/" + std::string(reinterpret_cast<const char*>(p), each);
    } else {
      e.bytes = p;
      e.len = each;
    }
    if (k < count) images[k] = e;
    else mask = e;
  }
  const BuiltRequest r = build_edit_request(reinterpret_cast<const uint8_t*>(params.data()), params.size(), images,
                                            with_mask ? &mask : nullptr, multipart, "fuzz-boundary-0123456789");
  if (!r.ok()) {
    FUZZ_CHECK(r.body.empty());
    return 0;
  }
  FUZZ_CHECK(count >= 1 && count <= kMaxEditImages);
  if (!multipart) {
    FUZZ_CHECK(r.content_type == "application/json");
    const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    FUZZ_CHECK(!j.is_discarded(), r.body.substr(0, 200));
    FUZZ_CHECK(j["images"].is_array() && j["images"].size() == count);
    for (size_t k = 0; k < count; ++k) {
      const std::string url = j["images"][k]["image_url"].get<std::string>();
      if (!images[k].url.empty() && url.rfind("https://", 0) == 0) { FUZZ_CHECK(url == images[k].url); continue; }
      const size_t comma = url.find(',');
      FUZZ_CHECK(url.rfind("data:image/", 0) == 0 && comma != std::string::npos);
      std::vector<uint8_t> decoded;
      FUZZ_CHECK(decode_base64(reinterpret_cast<const uint8_t*>(url.data()) + comma + 1, url.size() - comma - 1, decoded).ok());
      if (images[k].url.empty()) FUZZ_CHECK(decoded == std::vector<uint8_t>(images[k].bytes, images[k].bytes + images[k].len));
    }
    FUZZ_CHECK(j.contains("mask") == with_mask);
  } else {
    const std::string close = "--fuzz-boundary-0123456789--\r\n";
    FUZZ_CHECK(r.body.size() >= close.size() && r.body.compare(r.body.size() - close.size(), close.size(), close) == 0);
    for (const auto& e : images) {
      if (e.url.empty()) FUZZ_CHECK(r.body.find(std::string(reinterpret_cast<const char*>(e.bytes), e.len)) != std::string::npos);
    }
  }
  return 0;
}
