#pragma once
// The two parsers of an images response, for tests that compare them: the fast path, which decodes in place
// (so it gets its own copy of the text, kept to read the images from), and the nlohmann reference.
#include <cstdint>
#include <string>
#include <vector>

#include "imagegate/images_response.hpp"

namespace imagegate_test {

struct Parsed {
  imagegate::ImagesResponse r;
  std::vector<uint8_t> buf;  // the response after the in-place decode
  std::vector<uint8_t> image(size_t i) const {
    const auto& img = r.images.at(i);
    return std::vector<uint8_t>(buf.begin() + img.offset, buf.begin() + img.offset + img.length);
  }
};

inline Parsed parse(const std::string& json) {
  Parsed p;
  p.buf.assign(json.begin(), json.end());
  p.r = imagegate::parse_images_response(p.buf.data(), p.buf.size());
  return p;
}

inline imagegate::ReferenceImages reference(const std::string& json) {
  return imagegate::parse_images_response_reference(reinterpret_cast<const uint8_t*>(json.data()), json.size());
}

}  // namespace imagegate_test
