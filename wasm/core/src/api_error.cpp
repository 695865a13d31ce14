#include "imagegate/api_error.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "imagegate/json_util.hpp"
#include "imagegate/minsize.hpp"

namespace imagegate {

const char* error_class_for_status(int status) {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 409: return "ConflictError";
    case 422: return "UnprocessableEntityError";
    case 429: return "RateLimitError";
    default: return status >= 500 ? "InternalServerError" : "APIError";
  }
}

namespace {

std::string string_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool looks_like_html(const uint8_t* body, size_t len) {
  size_t i = 0;
  while (i < len && std::isspace(body[i])) ++i;
  if (i >= len || body[i] != '<') return false;
  std::string head;
  for (size_t j = i; j < len && head.size() < 64; ++j) head += static_cast<char>(std::tolower(body[j]));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0 || head.rfind("<head", 0) == 0 ||
         head.rfind("<body", 0) == 0 || head.rfind("<title", 0) == 0 || head.rfind("<h1", 0) == 0;
}

// A short, printable excerpt of a non-JSON body (control characters and invalid bytes become '?').
std::string excerpt(const uint8_t* body, size_t len, size_t max = 200) {
  std::string out;
  for (size_t i = 0; i < len && out.size() < max; ++i) {
    const uint8_t c = body[i];
    if (c == '\n' || c == '\r' || c == '\t') out += ' ';
    else out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (len > max) out += "...";
  return out;
}

// `text` with every occurrence of `secret` replaced (nothing when `secret` is empty).
std::string without_secret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kRedactedSecret.size())) {
    text.replace(at, secret.size(), kRedactedSecret);
  }
  return text;
}

}  // namespace

bool is_error_body(const nlohmann::json& doc, const char* payload_key) {
  return doc.is_object() && doc.contains("error") && (payload_key == nullptr || !doc.contains(payload_key));
}

IMAGEGATE_MINSIZE
ApiErrorInfo api_error_from_json(int status, const nlohmann::json& body) {
  ApiErrorInfo info;
  info.status = status;
  info.error_class = error_class_for_status(status);
  info.body = body;
  // openai-node wraps a body without an `error` key as {error: body} (makeStatusError).
  const nlohmann::json* err = &body;
  if (body.is_object()) {
    auto it = body.find("error");
    if (it != body.end() && (it->is_object() || it->is_string())) err = &*it;
    info.generation_id = string_or_empty(body, "generationId");
  }
  if (err->is_string()) {
    info.message = err->get<std::string>();
  } else if (err->is_object()) {
    info.message = string_or_empty(*err, "message");
    info.type = string_or_empty(*err, "type");
    if (auto it = err->find("code"); it != err->end() && (it->is_string() || it->is_number())) info.code = *it;
    if (auto it = err->find("param"); it != err->end()) info.param = *it;
    if (info.generation_id.empty()) info.generation_id = string_or_empty(*err, "generationId");
  }
  if (info.message.empty()) {
    info.message = status ? "The gateway answered " + std::to_string(status) + " without an error message"
                          : "The gateway sent an error without a message";
  }
  return info;
}

IMAGEGATE_MINSIZE
ApiErrorInfo parse_error_response(int status, const uint8_t* body, size_t len, std::string_view secret) {
  nlohmann::json parsed;
  if (len > 0 && !parse_json(body, len, parsed).failed && parsed.is_object()) return api_error_from_json(status, parsed);
  ApiErrorInfo info;
  info.status = status;
  info.error_class = error_class_for_status(status);
  const std::string code = std::to_string(status);
  if (len == 0) {
    info.message = "The gateway answered " + code + " with an empty body";
  } else if (looks_like_html(body, len)) {
    info.message = "The gateway answered " + code +
                   " with an HTML page instead of JSON (an error page from a proxy or CDN in between?)";
  } else {
    // Redact first, then cut: any occurrence that starts inside the excerpt lies wholly inside `head`.
    constexpr size_t kExcerpt = 200;
    const size_t head_len = std::min(len, kExcerpt + secret.size());
    const std::string head = without_secret(std::string(reinterpret_cast<const char*>(body), head_len), secret);
    info.message = "The gateway answered " + code + " with a body that is not JSON: " +
                   excerpt(reinterpret_cast<const uint8_t*>(head.data()), head.size(), kExcerpt);
    if (len > head_len && head.size() <= kExcerpt) info.message += "...";  // excerpt() only sees `head`
  }
  return info;
}

}  // namespace imagegate
