#include "imagegate/json_util.hpp"

#include <string>

namespace imagegate {

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
  if (json_nesting_depth(data, len) > kMaxJsonDepth) {
    err.failed = true;
    err.message = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return err;
  }
  try {
    out = nlohmann::json::parse(data, data + len);
  } catch (const nlohmann::json::parse_error& e) {
    err.failed = true;
    err.position = e.byte > 0 ? e.byte - 1 : 0;  // nlohmann counts bytes read, 1-based
    err.message = e.what();
    out = nullptr;
  } catch (const std::exception& e) {
    err.failed = true;
    err.message = e.what();
    out = nullptr;
  }
  return err;
}

}  // namespace imagegate
