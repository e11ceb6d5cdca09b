// The JSON nesting limit of request bodies: a body nested deeper than http::max_json_depth is
// refused with 400 invalid_json before it is parsed (8,000 levels once exhausted the stack when
// an error report was scrubbed and stored), brackets inside strings do not count, and bodies
// the API really takes pass.
#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "marketsim/api/json_body.hpp"
#include "marketsim/core/error.hpp"
#include "marketsim/http/message.hpp"

using namespace marketsim;

namespace {

std::string nested_arrays(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

struct json_request {
  boost::beast::http::fields fields;
  http::request_context ctx;
  explicit json_request(std::string body) {
    fields.set("Content-Type", "application/json");
    ctx.headers = &fields;
    ctx.body = std::move(body);
  }
};

}  // namespace

TEST(JsonDepth, CountsArraysAndObjectsButNotStrings) {
  EXPECT_FALSE(http::json_nesting_exceeds("", 1));
  EXPECT_FALSE(http::json_nesting_exceeds("[]", 1));
  EXPECT_TRUE(http::json_nesting_exceeds("[[]]", 1));
  EXPECT_TRUE(http::json_nesting_exceeds("[{}]", 1));
  // Siblings do not add up: depth is what is open at once.
  EXPECT_FALSE(http::json_nesting_exceeds("[[],[],{\"a\":1}]", 2));
  EXPECT_TRUE(http::json_nesting_exceeds("[[],[],{\"a\":[]}]", 2));
  EXPECT_FALSE(http::json_nesting_exceeds(R"({"a":"[[[[[[{{{{"})", 1));
  // An escaped quote does not end the string, so the brackets after it are still text.
  EXPECT_FALSE(http::json_nesting_exceeds(R"(["\"[[[["])", 1));
  EXPECT_TRUE(http::json_nesting_exceeds(R"(["\\",[[]]])", 2));
  // Stray closers (invalid JSON, refused by the parser later) cannot buy depth.
  EXPECT_TRUE(http::json_nesting_exceeds("]]]][[[", 2));
}

TEST(JsonDepth, TheLimitItself) {
  const int limit = http::max_json_depth;
  EXPECT_FALSE(http::json_nesting_exceeds(nested_arrays(limit), limit));
  EXPECT_TRUE(http::json_nesting_exceeds(nested_arrays(limit + 1), limit));
  json_request at_limit(nested_arrays(limit));
  EXPECT_TRUE(http::parse_json_body(at_limit.ctx));
  json_request over(nested_objects(limit + 1));
  auto refused = http::parse_json_body(over.ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::invalid_json);
}

TEST(JsonDepth, EightThousandLevelsAreInvalidJsonForEveryReader) {
  for (const auto& body : {nested_arrays(8000), nested_objects(8000),
                           "{\"symbol\":\"AAPL\",\"qty\":" + nested_arrays(8000) + "}"}) {
    json_request r(body);
    auto parsed = http::parse_json_body(r.ctx);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, errc::invalid_json);
    EXPECT_EQ(http_status(parsed.error().code), 400);
    auto object = api::object_body(r.ctx, {"symbol", "qty", "a"});
    ASSERT_FALSE(object);
    EXPECT_EQ(object.error().code, errc::invalid_json);
  }
}

TEST(JsonDepth, RealBodiesPass) {
  json_request order(
      R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","time_in_force":"day",)"
      R"("limit_price":"101.5","client_order_id":"a[b{c"})");
  EXPECT_TRUE(http::parse_json_body(order.ctx));
  json_request report(
      R"j({"message":"TypeError: x is undefined","context":{"stack":["at f (a.js:1)"],)j"
      R"j("extra":{"route":"/stock"}}})j");
  EXPECT_TRUE(http::parse_json_body(report.ctx));
}
