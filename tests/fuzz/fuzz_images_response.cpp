// Differential fuzzing of the images-response fast path (span scanner + in-place decode + skeleton through
// nlohmann) against the nlohmann-DOM reference: same error kind, image index and base64 error; on success the
// same image bytes and the same metadata. The fast path runs on an exact-size heap copy (it decodes in place),
// so ASan catches any read or write outside the response.
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_common.hpp"
#include "imagegate/images_response.hpp"

using namespace imagegate;

namespace {

std::string describe(const char* who, const ResponseError& e) {
  return std::string(who) + ": " + to_string(e.kind) + " index=" + std::to_string(e.image_index) +
         " b64=" + to_string(e.base64_error) + " pos=" + std::to_string(e.position) + " msg=" + e.message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> buf(new uint8_t[size ? size : 1]);
  if (size) std::memcpy(buf.get(), data, size);

  const ImagesResponse fast = parse_images_response(buf.get(), size);
  const ReferenceImages ref = parse_images_response_reference(data, size);

  const std::string d = describe("fast", fast.error) + "\n" + describe("reference", ref.error);
  FUZZ_CHECK(fast.error.kind == ref.error.kind, d);
  FUZZ_CHECK(fast.error.image_index == ref.error.image_index, d);
  FUZZ_CHECK(fast.error.base64_error == ref.error.base64_error, d);
  if (!fast.error.ok()) {
    FUZZ_CHECK(!fast.error.message.empty(), d);
    FUZZ_CHECK(fast.error.position <= size, d);
    FUZZ_CHECK(fast.images.empty());
    if (fast.error.kind == ResponseErrorKind::error_body) FUZZ_CHECK(fast.metadata == ref.metadata, d);
    return 0;
  }
  FUZZ_CHECK(fast.images.size() == ref.images.size(),
             std::to_string(fast.images.size()) + " vs " + std::to_string(ref.images.size()));
  for (size_t k = 0; k < fast.images.size(); ++k) {
    const GeneratedImage& img = fast.images[k];
    const auto& want = ref.images[k];
    FUZZ_CHECK(img.offset <= size && img.length <= size - img.offset, "image outside the buffer");
    const size_t n = img.has_bytes ? img.length : 0;
    FUZZ_CHECK(n == want.size(), "image " + std::to_string(k) + ": " + std::to_string(n) + " bytes vs " +
                                     std::to_string(want.size()));
    FUZZ_CHECK(n == 0 || std::memcmp(buf.get() + img.offset, want.data(), n) == 0,
               "image " + std::to_string(k) + " bytes differ: " + fuzz::hex(buf.get() + img.offset, n) + " vs " +
                   fuzz::hex(want.data(), want.size()));
    if (!img.has_bytes) FUZZ_CHECK(!img.url.empty() || want.empty());
    const ImageInfo info = sniff_image(want.data(), want.size());
    FUZZ_CHECK(img.info.format == info.format && img.info.width == info.width && img.info.height == info.height);
  }
  FUZZ_CHECK(fast.metadata == ref.metadata, fast.metadata.dump() + "\n" + ref.metadata.dump());
  return 0;
}
