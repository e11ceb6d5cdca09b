// Error mapping, routing, query parsing and request ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "marketsim/core/error.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/core/url.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/http/router.hpp"
#include "marketsim/http/server.hpp"

using namespace marketsim;

TEST(ErrorMapping, StatusAndStableCodes) {
  EXPECT_EQ(http_status(errc::bad_request), 400);
  EXPECT_EQ(http_status(errc::invalid_json), 400);
  EXPECT_EQ(http_status(errc::invalid_range), 400);
  EXPECT_EQ(http_status(errc::not_found), 404);
  EXPECT_EQ(http_status(errc::method_not_allowed), 405);
  EXPECT_EQ(http_status(errc::payload_too_large), 413);
  EXPECT_EQ(http_status(errc::unsupported_media_type), 415);
  EXPECT_EQ(http_status(errc::headers_too_large), 431);
  EXPECT_EQ(http_status(errc::unavailable), 503);
  EXPECT_EQ(http_status(errc::too_many_streams), 503);
  EXPECT_EQ(http_status(errc::internal), 500);
  EXPECT_EQ(http_status(errc::config_missing), 500);
  EXPECT_EQ(code_name(errc::not_found), "not_found");
  EXPECT_EQ(code_name(errc::too_many_streams), "too_many_streams");
}

TEST(ErrorMapping, ErrorResponseBody) {
  auto r = http::error_response({errc::not_found, "unknown symbol ZZZ"}, "rid-1");
  EXPECT_EQ(r.status, 404);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["code"], "not_found");
  EXPECT_EQ(body["message"], "unknown symbol ZZZ");
  EXPECT_EQ(body["request_id"], "rid-1");
}

TEST(ErrorMapping, JsonBodyChecks) {
  boost::beast::http::fields f;
  http::request_context ctx;
  ctx.headers = &f;
  ctx.body = "{\"a\":1}";
  auto no_type = http::parse_json_body(ctx);
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().code, errc::unsupported_media_type);
  f.set("Content-Type", "application/json; charset=utf-8");
  EXPECT_TRUE(http::parse_json_body(ctx));
  ctx.body = "{\"a\":";
  auto bad = http::parse_json_body(ctx);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_json);
}

TEST(Router, MatchesPathParametersAndReportsAllowedMethods) {
  http::basic_router<int> r;
  r.add("GET", "/api/stocks", 1);
  r.add("GET", "/api/stocks/{symbol}", 2);
  r.add("GET", "/api/stocks/{symbol}/candles", 3);
  r.add("POST", "/api/orders", 4);
  r.add("DELETE", "/api/orders/{id}", 5);
  r.add("GET", "/api/orders/{id}", 6);

  auto m = r.find("GET", "/api/stocks/AAPL/candles");
  auto* hit = std::get_if<http::basic_router<int>::match>(&m);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit->handler, 3);
  EXPECT_EQ(hit->params.at("symbol"), "AAPL");

  auto head = r.find("HEAD", "/api/stocks");
  ASSERT_NE(std::get_if<http::basic_router<int>::match>(&head), nullptr);

  auto wrong = r.find("POST", "/api/stocks");
  auto* na = std::get_if<http::basic_router<int>::method_not_allowed>(&wrong);
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->allow, "GET, HEAD");

  auto del = r.find("PUT", "/api/orders/7");
  auto* na2 = std::get_if<http::basic_router<int>::method_not_allowed>(&del);
  ASSERT_NE(na2, nullptr);
  EXPECT_EQ(na2->allow, "DELETE, GET, HEAD");

  EXPECT_TRUE(
      std::holds_alternative<http::basic_router<int>::not_found>(r.find("GET", "/api/nope")));
  EXPECT_TRUE(std::holds_alternative<http::basic_router<int>::not_found>(
      r.find("GET", "/api/stocks/A/B/C")));
  EXPECT_TRUE(r.has_path("/api/orders/1"));
}

TEST(Router, LaterRegistrationReplacesAndTrailingSlashIsTolerated) {
  http::basic_router<int> r;
  r.add("GET", "/x/{id}", 1);
  r.add("GET", "/x/{id}", 2);
  auto m = r.find("GET", "/x/5/");
  auto* hit = std::get_if<http::basic_router<int>::match>(&m);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit->handler, 2);
}

TEST(Router, ExactPathsAnswerAsTheScanWouldFirstRegisteredWins) {
  // The exact-path lookup must agree with the scan in registration order: a literal route
  // registered after a parameter route that matches its path stays behind it.
  http::basic_router<int> r;
  r.add("GET", "/api/stocks/{symbol}", 1);
  r.add("GET", "/api/stocks/sectors", 2);  // shadowed: {symbol} came first
  r.add("GET", "/api/feed", 3);
  r.add("GET", "/api/feed/{kind}", 4);
  r.add("POST", "/api/stocks/sectors", 5);  // another method: not shadowed by the GET route
  auto handler_of = [&](std::string_view method, std::string_view path) {
    auto m = r.find(method, path);
    auto* hit = std::get_if<http::basic_router<int>::match>(&m);
    return hit ? *hit->handler : -1;
  };
  EXPECT_EQ(handler_of("GET", "/api/stocks/sectors"), 1);
  EXPECT_EQ(handler_of("GET", "/api/feed"), 3);
  EXPECT_EQ(handler_of("GET", "/api/feed/"), 3);  // not the exact text: the scan still finds it
  EXPECT_EQ(handler_of("GET", "/api/feed/top"), 4);
  EXPECT_EQ(handler_of("POST", "/api/stocks/sectors"), 5);
  EXPECT_EQ(handler_of("HEAD", "/api/feed"), 3);
  auto m = r.find("GET", "/api/feed");
  ASSERT_NE(std::get_if<http::basic_router<int>::match>(&m), nullptr);
  EXPECT_EQ(*std::get<http::basic_router<int>::match>(m).pattern, "/api/feed");
  auto wrong = r.find("DELETE", "/api/feed");
  auto* na = std::get_if<http::basic_router<int>::method_not_allowed>(&wrong);
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->allow, "GET, HEAD");
}

TEST(Query, DecodesAndKeepsFirst) {
  auto q = http::parse_query("symbols=AAPL%2CMSFT&x=a+b&x=second&flag&bad=%zz");
  EXPECT_EQ(q.at("symbols"), "AAPL,MSFT");
  EXPECT_EQ(q.at("x"), "a b");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("bad"), "%zz");
}

TEST(PercentDecode, PlusIsASpaceOnlyInFormEncoding) {
  EXPECT_EQ(percent_decode("%41%"), "A%");
  EXPECT_EQ(percent_decode("%4"), "%4");
  // A path or a URL's user info keeps '+' ("/u/a+b", "smtp://me+tag:p+w@host").
  EXPECT_EQ(percent_decode("me+tag%40x"), "me+tag@x");
  EXPECT_EQ(percent_decode("me+tag%40x", true), "me tag@x");
}

TEST(PercentDecode, TextWithNothingToDecodeIsCopiedWholeAndTheRestDecodedAfterIt) {
  EXPECT_EQ(percent_decode("/api/stocks"), "/api/stocks");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("/a+b", true), "/a b");  // '+' alone starts the decoding too
  EXPECT_EQ(percent_decode("/api/stocks/BRK%2EB/x%20y"), "/api/stocks/BRK.B/x y");
  EXPECT_EQ(percent_decode("abc%"), "abc%");
}

TEST(Headers, FoundAndCountedInAnyCaseFirstValueWins) {
  boost::beast::http::fields f;
  f.insert("Host", "a.example");
  f.insert("x-request-id", "r1");
  f.insert("HOST", "b.example");
  EXPECT_EQ(http::find_header(f, "host"), "a.example");
  EXPECT_EQ(http::find_header(f, "X-Request-ID"), "r1");
  EXPECT_FALSE(http::find_header(f, "Hos").has_value());  // same prefix, not the same name
  EXPECT_FALSE(http::find_header(f, "Origin").has_value());
  EXPECT_EQ(http::count_header(f, "Host"), 2u);
  EXPECT_EQ(http::count_header(f, "X-Request-Id"), 1u);
  EXPECT_EQ(http::count_header(f, "Cookie"), 0u);
  http::request_context ctx;
  EXPECT_FALSE(ctx.header("Host").has_value());  // no fields at all
  ctx.headers = &f;
  EXPECT_EQ(ctx.header("HoSt"), "a.example");
}

TEST(RequestId, AcceptsPlainIdsAndReplacesOthers) {
  EXPECT_EQ(http::choose_request_id("abc-123_x.y"), "abc-123_x.y");
  auto generated = http::choose_request_id("");
  EXPECT_EQ(generated.size(), 16u);
  EXPECT_NE(http::choose_request_id("evil\r\nheader"), "evil\r\nheader");
  EXPECT_EQ(http::choose_request_id(std::string(65, 'a')).size(), 16u);
  EXPECT_NE(http::choose_request_id(""), generated);
}

TEST(Time, FormatsAndParsesRfc3339) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(1104762600123), "2005-01-03T14:30:00.123Z");
  EXPECT_EQ(parse_time("2005-01-03T14:30:00.123Z").value(), 1104762600123);
  EXPECT_EQ(parse_time("2005-01-03").value(), 1104710400000);
  EXPECT_EQ(parse_time("2005-01-03T16:30:00+02:00").value(), 1104762600000);
  EXPECT_FALSE(parse_time("2005-02-30"));
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time("2005-01-03T25:00:00Z"));
  EXPECT_FALSE(parse_time("2005-01-03T10:00:00"));
}
