#include "imagegate/request.hpp"

#include <string>

#include "imagegate/json_util.hpp"
#include "imagegate/minsize.hpp"

namespace imagegate {

namespace {

BuiltRequest fail(std::string param, std::string message) {
  BuiltRequest r;
  r.param = std::move(param);
  r.error = std::move(message);
  return r;
}

bool parse_params(const uint8_t* data, size_t len, nlohmann::json& j, BuiltRequest& err) {
  if (parse_json(data, len, j).failed || !j.is_object()) {
    err = fail("", "The request parameters must be a JSON object");
    return false;
  }
  return true;
}

bool non_empty_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

bool valid_size(const std::string& s) {
  if (s == "auto") return true;
  const size_t x = s.find('x');
  if (x == std::string::npos || x == 0 || x + 1 == s.size() || s.size() > 11) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == x) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return s[0] != '0' && s[x + 1] != '0';
}

}  // namespace

IMAGEGATE_MINSIZE
BuiltRequest build_images_request(const uint8_t* params_json, size_t len) {
  nlohmann::json j;
  BuiltRequest r;
  if (!parse_params(params_json, len, j, r)) return r;
  if (!non_empty_string(j, "model")) return fail("model", "`model` is required: a model id such as \"bfl/flux-2-pro\"");
  if (!non_empty_string(j, "prompt")) return fail("prompt", "`prompt` is required: a non-empty string");
  if (auto it = j.find("n"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 10)
      return fail("n", "`n` must be an integer from 1 to 10");
  }
  if (auto it = j.find("size"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || !valid_size(it->get<std::string>()))
      return fail("size", "`size` must look like \"1024x1024\" (width x height in pixels) or \"auto\"");
  }
  if (auto it = j.find("response_format"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || (it->get_ref<const std::string&>() != "b64_json" && it->get_ref<const std::string&>() != "url"))
      return fail("response_format", "`response_format` must be \"b64_json\" or \"url\"");
  }
  write_json(j, r.body);
  return r;
}

IMAGEGATE_MINSIZE
BuiltRequest build_chat_request(const uint8_t* params_json, size_t len, bool stream) {
  nlohmann::json j;
  BuiltRequest r;
  if (!parse_params(params_json, len, j, r)) return r;
  if (!non_empty_string(j, "model")) return fail("model", "`model` is required: a model id such as \"google/gemini-2.5-flash-image\"");
  auto messages = j.find("messages");
  if (messages == j.end() || !messages->is_array() || messages->empty())
    return fail("messages", "`messages` must be a non-empty array of {role, content} objects");
  for (const auto& m : *messages) {
    if (!m.is_object() || !non_empty_string(m, "role"))
      return fail("messages", "every message must be an object with a `role` (\"system\", \"user\", \"assistant\", ...)");
  }
  if (auto it = j.find("modalities"); it != j.end() && !it->is_null()) {
    bool ok = it->is_array();
    if (ok)
      for (const auto& m : *it) ok = ok && m.is_string();
    if (!ok) return fail("modalities", "`modalities` must be an array of strings, e.g. [\"text\", \"image\"]");
  }
  if (stream) {
    j["stream"] = true;
    auto& so = j["stream_options"];
    if (!so.is_object()) so = nlohmann::json(nlohmann::json::value_t::object);
    if (!so.contains("include_usage")) so["include_usage"] = true;
  } else {
    auto& fields = j.get_ref<nlohmann::json::object_t&>();  // an object: parse_params checked
    fields.erase("stream");
    fields.erase("stream_options");
  }
  write_json(j, r.body);
  return r;
}

}  // namespace imagegate
