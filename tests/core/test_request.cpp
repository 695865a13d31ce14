#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "imagegate/json_util.hpp"
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

TEST_CASE("request bodies: write_json gives the same text as nlohmann's dump()", "[request]") {
  const char* docs[] = {
      R"({"model":"m","prompt":"p","n":3,"temperature":0.7,"top_p":1e-7,"big":1.5e300,"neg":-2.25,"z":-0.0,"zero":0.0})",
      R"({"a":[1,-2,18446744073709551615,-9223372036854775808,true,false,null,[],{},[[{}]]],"b":{"c":{"d":"e"}}})",
      R"({"s":"quote \" backslash \\ slash / \b\f\n\r\t \u0000\u0001\u001f\u007f \u00e9 \u20ac \ud83d\ude00 é € 😀"})",
      R"({"\u0001key\n":"v","":"","x y":"\u2028\u2029"})",
      R"([0.1,0.2,0.30000000000000004,100,1e21,1e-5,123456789012345678901234567890,5e-324,1.7976931348623157e308])",
  };
  for (const char* d : docs) {
    const json j = json::parse(d);
    std::string out;
    write_json(j, out);
    CHECK(out == j.dump());
  }
  // and through the builders
  auto r = images(R"({"model":"m","prompt":"caf\u00e9 \"x\"\n","seed":-1,"guidance":3.5})");
  REQUIRE(r.ok());
  CHECK(r.body == json::parse(r.body).dump());
}
