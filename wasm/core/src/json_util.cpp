#include "imagegate/json_util.hpp"

#include <cstring>
#include <string>

namespace imagegate {

namespace {

// nlohmann's what() for people: without the "[json.exception.parse_error.101] " tag, and without the
// "; last read: '...'" excerpt, which echoes raw response bytes (control characters, and anything a proxy
// reflected, such as an Authorization header) into error messages.
std::string readable_parse_error(const char* what) {
  std::string m = what;
  if (m.rfind("[json.exception.", 0) == 0) {
    const size_t close = m.find("] ");
    if (close != std::string::npos) m.erase(0, close + 2);
  }
  const size_t lr = m.find("; last read: '");
  if (lr != std::string::npos) {
    const size_t expected = m.rfind("'; expected ");
    if (expected != std::string::npos && expected >= lr) m.erase(lr, expected + 1 - lr);
    else m.erase(lr);
  }
  return m;
}

}  // namespace

size_t json_nesting_depth(const uint8_t* data, size_t len, size_t limit) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; ++i) {
    const uint8_t c = data[i];
    if (in_string) {
      if (c == '\\') ++i;                 // skip the escaped character
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth && (max_depth = depth) > limit) return max_depth;
    } else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return max_depth;
}

JsonParseError parse_json(const uint8_t* data, size_t len, nlohmann::json& out) {
  JsonParseError err;
  out = nullptr;
  // JSON text never contains a NUL byte (not between tokens, and not raw inside a string), but nlohmann's lexer
  // takes '\0' for the end of the input, so "{...}\0<anything>" would parse as "{...}" (found by fuzz_images_response).
  if (const void* nul = len ? std::memchr(data, 0, len) : nullptr) {
    err.failed = true;
    err.position = static_cast<size_t>(static_cast<const uint8_t*>(nul) - data);
    err.message = "invalid JSON: a NUL byte at byte " + std::to_string(err.position);
    return err;
  }
  if (json_nesting_depth(data, len) > kMaxJsonDepth) {
    err.failed = true;
    err.message = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return err;
  }
  try {
    // sax_parse with the plain DOM builder: json::parse would also instantiate the callback parser (never used
    // here), which is a tenth of the shipped wasm.
    nlohmann::detail::json_sax_dom_parser<nlohmann::json> sax(out, true);
    nlohmann::json::sax_parse(data, data + len, &sax);
  } catch (const nlohmann::json::parse_error& e) {
    err.failed = true;
    err.position = e.byte > 0 ? e.byte - 1 : 0;  // nlohmann counts bytes read, 1-based
    err.message = readable_parse_error(e.what());
    out = nullptr;
  } catch (const std::exception& e) {
    err.failed = true;
    err.message = e.what();
    out = nullptr;
  }
  return err;
}

}  // namespace imagegate
