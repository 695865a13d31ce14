#include <catch2/catch.hpp>

#include <string>

#include "imagegate/api_error.hpp"

using namespace imagegate;

static ApiErrorInfo parse(int status, const std::string& body) {
  return parse_error_response(status, reinterpret_cast<const uint8_t*>(body.data()), body.size());
}

TEST_CASE("status codes map to openai-node's classes", "[api_error]") {
  CHECK(std::string(error_class_for_status(400)) == "BadRequestError");
  CHECK(std::string(error_class_for_status(401)) == "AuthenticationError");
  CHECK(std::string(error_class_for_status(403)) == "PermissionDeniedError");
  CHECK(std::string(error_class_for_status(404)) == "NotFoundError");
  CHECK(std::string(error_class_for_status(409)) == "ConflictError");
  CHECK(std::string(error_class_for_status(422)) == "UnprocessableEntityError");
  CHECK(std::string(error_class_for_status(429)) == "RateLimitError");
  CHECK(std::string(error_class_for_status(500)) == "InternalServerError");
  CHECK(std::string(error_class_for_status(503)) == "InternalServerError");
  CHECK(std::string(error_class_for_status(424)) == "APIError");
  CHECK(std::string(error_class_for_status(302)) == "APIError");
}

TEST_CASE("the documented gateway error body", "[api_error]") {
  auto e = parse(400, R"({"error":{"message":"Invalid request: missing required parameter 'model'",
    "type":"invalid_request_error","param":"model","code":"missing_parameter"},"generationId":"gen_01ABC"})");
  CHECK(e.error_class == "BadRequestError");
  CHECK(e.message == "Invalid request: missing required parameter 'model'");
  CHECK(e.type == "invalid_request_error");
  CHECK(e.param == "model");
  CHECK(e.code == "missing_parameter");
  CHECK(e.generation_id == "gen_01ABC");
  CHECK(e.body.is_object());
}

TEST_CASE("object params, numeric codes and arbitrary types are kept as sent", "[api_error]") {
  auto e = parse(404, R"({"error":{"message":"Model 'x/y' not found","type":"model_not_found","param":{"modelId":"x/y"}}})");
  CHECK(e.error_class == "NotFoundError");
  CHECK(e.param["modelId"] == "x/y");
  CHECK(e.code.is_null());
  auto o = parse(402, R"({"error":{"message":"Insufficient credits","code":402,"metadata":{}}})");
  CHECK(o.code == 402);
  CHECK(o.error_class == "APIError");
  auto u = parse(429, R"({"error":{"message":"upstream","type":"AI_APICallError","param":{"statusCode":429,"isRetryable":true}}})");
  CHECK(u.type == "AI_APICallError");
  CHECK(u.param["isRetryable"] == true);
}

TEST_CASE("bodies without an error object, or not JSON at all, still give a message", "[api_error]") {
  CHECK(parse(500, R"({"error":"boom"})").message == "boom");
  CHECK(parse(500, R"({"detail":"x"})").message.find("500") != std::string::npos);
  auto html = parse(502, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>");
  CHECK(html.message.find("HTML page") != std::string::npos);
  CHECK(html.body.is_null());
  CHECK(parse(503, "").message.find("empty body") != std::string::npos);
  auto text = parse(500, std::string("upstream \x01\xff failed\n", 18));
  CHECK(text.message.find("not JSON: upstream ?? failed") != std::string::npos);
  CHECK(parse(500, "[1,2]").message.find("not JSON") != std::string::npos);
  CHECK(parse(400, std::string(100000, '[')).message.find("not JSON") != std::string::npos);  // no stack overflow
  CHECK(parse(400, R"({"error":{"message":"trunc)").message.find("not JSON") != std::string::npos);
}

TEST_CASE("the request's secret is redacted from a text excerpt before it is cut", "[api_error]") {
  const std::string key = "sk-live-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2";
  for (size_t offset = 150; offset <= 260; ++offset) {
    const std::string body = std::string(offset, 'x') + key + std::string(300, 'y');
    const std::string message = parse_error_response(503, reinterpret_cast<const uint8_t*>(body.data()), body.size(), key).message;
    INFO(offset);
    for (size_t i = 0; i + 8 <= key.size(); ++i) CHECK(message.find(key.substr(i, 8)) == std::string::npos);
    if (offset + kRedactedSecret.size() <= 200) CHECK(message.find("[redacted key]") != std::string::npos);
    CHECK(message.size() < 300);
    CHECK(message.substr(message.size() - 3) == "...");
  }
  // Without a secret (no key sent) the excerpt is as before.
  CHECK(parse(503, "plain " + key).message.find(key) != std::string::npos);
}

TEST_CASE("one rule for a 2xx body that carries an error instead of its payload", "[api_error]") {
  using nlohmann::json;
  CHECK(is_error_body(json::parse(R"({"error":{"message":"x"}})")));
  CHECK(is_error_body(json::parse(R"({"error":"x","choices":[]})")));
  CHECK_FALSE(is_error_body(json::parse(R"({"error":"x","data":[]})"), "data"));
  CHECK(is_error_body(json::parse(R"({"error":"x"})"), "data"));
  CHECK_FALSE(is_error_body(json::parse(R"({"data":[]})")));
  CHECK_FALSE(is_error_body(json::parse(R"(["error"])")));
}
