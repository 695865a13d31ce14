#pragma once
// Turns a gateway error response (status + body) into the fields of a typed API error. Bodies may be the
// documented {"error":{message,type,param,code},"generationId"}, a bare object, HTML from a proxy or CDN, text,
// or nothing at all (API.md §4.2, §6.4 item 5).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace imagegate {

struct ApiErrorInfo {
  int status = 0;
  std::string error_class;       // "BadRequestError", "AuthenticationError", ... "InternalServerError", "APIError"
  std::string message;           // for people; never empty
  std::string type;              // error.type when present
  nlohmann::json code = nullptr; // string or number, as sent
  nlohmann::json param = nullptr;// string or object, as sent
  std::string generation_id;     // top-level generationId (or error.generationId)
  nlohmann::json body = nullptr; // the parsed JSON body, null when it was not JSON
};

// The class openai-node would choose for `status` (API.md §6.2), "APIError" for the rest.
const char* error_class_for_status(int status);

// `status` 0 is not an HTTP status and is never passed here (that's a connection error).
// `secret` (the request's credential, may be empty) is replaced by "[redacted key]" in any excerpt of the body
// BEFORE the excerpt is cut: a cut must never leave part of it behind (a server may echo the key anywhere).
ApiErrorInfo parse_error_response(int status, const uint8_t* body, size_t len, std::string_view secret = {});

// The one rule for a successful response that carries a gateway error instead of its payload: a JSON object with
// an "error" member and, when `payload_key` is given, without that member (images: "data"; chat, models: none).
bool is_error_body(const nlohmann::json& doc, const char* payload_key = nullptr);

// What replaces a secret in any text the core builds from a response.
constexpr std::string_view kRedactedSecret = "[redacted key]";

// Same, for an error object that arrived inside a successful response or mid-stream ({"error": {...}}).
ApiErrorInfo api_error_from_json(int status, const nlohmann::json& body);

}  // namespace imagegate
