#include "imagegate/json_util.hpp"

// nlohmann::detail is used below (the SAX DOM parser, to_chars): internals, pinned to the tested release (CMakeLists.txt).
static_assert(NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR == 11 && NLOHMANN_JSON_VERSION_PATCH == 2,
              "imagegate is tested with nlohmann_json 3.11.2 only: see IMAGEGATE_NLOHMANN_TESTED in CMakeLists.txt");
#include "imagegate/minsize.hpp"

#include <cmath>
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

IMAGEGATE_MINSIZE
void write_json_string(const std::string& s, std::string& out) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\f': out += 'f'; break;
      case '\n': out += 'n'; break;
      case '\r': out += 'r'; break;
      case '\t': out += 't'; break;
      default:  // the other control characters, as nlohmann's "\\u%04x"
        out += "u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s, run, std::string::npos);
  out += '"';
}

}  // namespace

IMAGEGATE_MINSIZE
void write_json(const nlohmann::json& j, std::string& out) {
  using value_t = nlohmann::json::value_t;
  switch (j.type()) {
    case value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : j.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        write_json_string(key, out);
        out += ':';
        write_json(value, out);
      }
      out += '}';
      return;
    }
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& value : j.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        write_json(value, out);
      }
      out += ']';
      return;
    }
    case value_t::string: write_json_string(j.get_ref<const std::string&>(), out); return;
    case value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case value_t::number_integer: out += std::to_string(j.get<int64_t>()); return;
    case value_t::number_unsigned: out += std::to_string(j.get<uint64_t>()); return;
    case value_t::number_float: {
      const double x = j.get<double>();
      if (!std::isfinite(x)) { out += "null"; return; }
      char buf[64];  // nlohmann's own shortest round-trip formatting (what dump() uses for doubles)
      out.append(buf, nlohmann::detail::to_chars(buf, buf + sizeof buf, x));
      return;
    }
    case value_t::discarded: out += "<discarded>"; return;
    default: out += "null"; return;  // null (binary values never come out of parse_json)
  }
}

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
    // The parser with the plain DOM builder: json::parse would also instantiate the callback parser (never used
    // here), which is a tenth of the shipped wasm; json::sax_parse would instantiate the CBOR/MessagePack/
    // UBJSON/BSON/BJData reader behind its input format switch (its messages stayed in the wasm).
    using Adapter = decltype(nlohmann::detail::input_adapter(data, data + len));
    nlohmann::detail::json_sax_dom_parser<nlohmann::json> sax(out, true);
    nlohmann::detail::parser<nlohmann::json, Adapter>(nlohmann::detail::input_adapter(data, data + len))
        .sax_parse(&sax, true);
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
