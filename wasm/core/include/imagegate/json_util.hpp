#pragma once
// nlohmann parsing for the small documents (requests, error bodies, model lists, SSE chunks), made safe
// for untrusted input: no exception escapes, and nesting is bounded before nlohmann's recursive parser runs.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace imagegate {

constexpr size_t kMaxJsonDepth = 256;

struct JsonParseError {
  bool failed = false;
  size_t position = 0;   // byte offset of the problem
  std::string message;   // for people
};

// Returns the nesting depth, counting brackets outside strings; stops early once `limit` is exceeded.
size_t json_nesting_depth(const uint8_t* data, size_t len, size_t limit = kMaxJsonDepth);

// Parses `data` into `out`. On failure `out` is null and the error says where and why.
JsonParseError parse_json(const uint8_t* data, size_t len, nlohmann::json& out);

// Appends the same text as `j.dump()` (compact, UTF-8 kept as is) to `out`. For documents from parse_json
// (every string valid UTF-8, no binary values). Not nlohmann's serializer: that one drags snprintf and
// its own output-adapter machinery into the wasm (about 4 KiB gzip).
void write_json(const nlohmann::json& j, std::string& out);

}  // namespace imagegate
