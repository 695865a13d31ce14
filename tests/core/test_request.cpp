#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "imagegate/request.hpp"

using namespace imagegate;
using nlohmann::json;

static BuiltRequest images(const std::string& s) {
  return build_images_request(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
static BuiltRequest chat(const std::string& s, bool stream) {
  return build_chat_request(reinterpret_cast<const uint8_t*>(s.data()), s.size(), stream);
}

TEST_CASE("images request: valid bodies pass through with unknown fields kept", "[request]") {
  auto r = images(R"({"model":"bfl/flux-2-pro","prompt":"a cat","n":3,"size":"1024x768",
    "providerOptions":{"blackForestLabs":{"outputFormat":"jpeg"}},"quality":"hd","seed":null})");
  REQUIRE(r.ok());
  auto j = json::parse(r.body);
  CHECK(j["n"] == 3);
  CHECK(j["providerOptions"]["blackForestLabs"]["outputFormat"] == "jpeg");
  CHECK(j["quality"] == "hd");
  CHECK(j.contains("seed"));
  CHECK(images(R"({"model":"m","prompt":"p","size":"auto","response_format":"url"})").ok());
}

TEST_CASE("images request: each invalid field is named", "[request]") {
  struct Case { const char* body; const char* param; };
  const Case cases[] = {
      {R"({"prompt":"p"})", "model"},
      {R"({"model":"","prompt":"p"})", "model"},
      {R"({"model":7,"prompt":"p"})", "model"},
      {R"({"model":"m"})", "prompt"},
      {R"({"model":"m","prompt":""})", "prompt"},
      {R"({"model":"m","prompt":"p","n":0})", "n"},
      {R"({"model":"m","prompt":"p","n":11})", "n"},
      {R"({"model":"m","prompt":"p","n":1.5})", "n"},
      {R"({"model":"m","prompt":"p","n":"2"})", "n"},
      {R"({"model":"m","prompt":"p","size":"1024"})", "size"},
      {R"({"model":"m","prompt":"p","size":"x1024"})", "size"},
      {R"({"model":"m","prompt":"p","size":"0x10"})", "size"},
      {R"({"model":"m","prompt":"p","size":"10x-1"})", "size"},
      {R"({"model":"m","prompt":"p","size":1024})", "size"},
      {R"({"model":"m","prompt":"p","response_format":"png"})", "response_format"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    auto r = images(c.body);
    CHECK_FALSE(r.ok());
    CHECK(r.param == c.param);
    CHECK_FALSE(r.error.empty());
  }
  CHECK_FALSE(images("[1]").ok());
  CHECK_FALSE(images("{").ok());
  CHECK_FALSE(images("").ok());
}

TEST_CASE("chat request: validation and stream options", "[request]") {
  const std::string ok = R"({"model":"google/gemini-2.5-flash-image","modalities":["text","image"],
    "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true})";
  auto plain = chat(ok, false);
  REQUIRE(plain.ok());
  CHECK_FALSE(json::parse(plain.body).contains("stream"));
  auto streamed = chat(ok, true);
  REQUIRE(streamed.ok());
  auto j = json::parse(streamed.body);
  CHECK(j["stream"] == true);
  CHECK(j["stream_options"]["include_usage"] == true);
  auto kept = json::parse(chat(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "stream_options":{"include_usage":false}})", true).body);
  CHECK(kept["stream_options"]["include_usage"] == false);

  CHECK(chat(R"({"messages":[{"role":"user","content":"x"}]})", false).param == "model");
  CHECK(chat(R"({"model":"m","messages":[]})", false).param == "messages");
  CHECK(chat(R"({"model":"m","messages":[{"content":"x"}]})", false).param == "messages");
  CHECK(chat(R"({"model":"m","messages":[{"role":"user"}],"modalities":"image"})", false).param == "modalities");
}
