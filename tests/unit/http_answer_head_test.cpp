// The hand-written head of an ordinary answer (src/http/answer_head.hpp) against what Beast's
// fields would have said for the same answer (set_answer_headers, keep_alive, prepare_payload):
// the same headers with the same values, parsed back by Beast's own response parser, for a
// plain answer, a handler's own policy and cache header, a signed-in answer, HTTP/1.0 and a
// closing answer; no Content-Length on 204; a header that would split the answer left out.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../../src/http/answer_head.hpp"

using namespace marketsim;
namespace bhttp = boost::beast::http;

namespace {

using header_list = std::multimap<std::string, std::string>;

header_list parse_head(const std::string& head, bhttp::response<bhttp::empty_body>* out = nullptr) {
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a head only: never wait for a body
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << head;
  EXPECT_TRUE(parser.is_header_done());
  header_list h;
  for (const auto& f : parser.get())
    h.emplace(std::string(f.name_string()), std::string(f.value()));
  if (out) *out = parser.get();
  return h;
}

// What the answer's head was before: Beast's fields, filled as set_answer_headers fills them,
// with Beast's own keep_alive and prepare_payload.
header_list beast_head(const http::response& r, const http::request_context& ctx, unsigned version,
                       bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  auto add = [&res](std::string_view name, std::string_view value) { res.insert(name, value); };
  http::connection::for_each_answer_header(r, ctx, add, [&](bool with_csp) {
    http::connection::for_each_security_header(false, with_csp, add);
  });
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream text;
  text << res.base();
  return parse_head(text.str());
}

header_list hand_head(const http::response& r, const http::request_context& ctx, unsigned version,
                      bool keep_alive, std::string* raw = nullptr) {
  std::string head;
  http::connection::write_answer_head(head, r, ctx, false, version, keep_alive, r.body.size());
  if (raw) *raw = head;
  return parse_head(head);
}

http::request_context context() {
  http::request_context ctx;
  ctx.request_id = "0123456789abcdef";
  return ctx;
}

}  // namespace

TEST(AnswerHead, SameHeadersAsBeastForAPlainAnswer) {
  auto r = http::json_response(200, {{"ok", true}});
  auto ctx = context();
  std::string raw;
  auto mine = hand_head(r, ctx, 11, true, &raw);
  EXPECT_EQ(mine, beast_head(r, ctx, 11, true));
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200 OK\r\n")) << raw;
  EXPECT_EQ(mine.count("Content-Length"), 1u);
  EXPECT_EQ(mine.find("Content-Length")->second, std::to_string(r.body.size()));
  EXPECT_EQ(mine.find("Cache-Control")->second, "no-store");
  EXPECT_EQ(mine.find("X-Request-Id")->second, "0123456789abcdef");
  EXPECT_EQ(mine.count("Connection"), 0u);
}

TEST(AnswerHead, HandlerPolicyReplacesTheDefaultAndItsCacheHeaderStays) {
  http::response r;
  r.status = 404;
  r.body = "<html></html>";
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'self'");
  auto ctx = context();
  auto mine = hand_head(r, ctx, 11, true);
  EXPECT_EQ(mine, beast_head(r, ctx, 11, true));
  EXPECT_EQ(mine.count("Content-Security-Policy"), 1u);
  EXPECT_EQ(mine.find("Content-Security-Policy")->second, "default-src 'self'");
  EXPECT_EQ(mine.find("Cache-Control")->second, "no-cache");
}

TEST(AnswerHead, SignedInAnswerIsNeverCachedWhateverTheHandlerSaid) {
  http::response r = http::json_response(200, {{"me", 1}});
  r.headers.emplace_back("Cache-Control", "public, max-age=60");
  r.headers.emplace_back("Set-Cookie", "session=abc; HttpOnly");
  auto ctx = context();
  ctx.principal = std::make_shared<const auth::principal>();
  auto mine = hand_head(r, ctx, 11, true);
  EXPECT_EQ(mine, beast_head(r, ctx, 11, true));
  EXPECT_EQ(mine.count("Cache-Control"), 1u);
  EXPECT_EQ(mine.find("Cache-Control")->second, "no-store");
  EXPECT_EQ(mine.find("Set-Cookie")->second, "session=abc; HttpOnly");
}

TEST(AnswerHead, ConnectionHeaderFollowsTheVersionAsBeastSetsIt) {
  auto r = http::json_response(200, {{"ok", true}});
  auto ctx = context();
  for (unsigned version : {10u, 11u})
    for (bool keep_alive : {true, false}) {
      auto mine = hand_head(r, ctx, version, keep_alive);
      EXPECT_EQ(mine, beast_head(r, ctx, version, keep_alive)) << version << " " << keep_alive;
    }
  EXPECT_EQ(hand_head(r, ctx, 11, false).find("Connection")->second, "close");
  EXPECT_EQ(hand_head(r, ctx, 10, true).find("Connection")->second, "keep-alive");
}

TEST(AnswerHead, NoContentHasNoLength) {
  http::response r;
  r.status = 204;
  auto ctx = context();
  std::string raw;
  auto mine = hand_head(r, ctx, 11, true, &raw);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 204 No Content\r\n")) << raw;
  EXPECT_EQ(mine.count("Content-Length"), 0u);
}

TEST(AnswerHead, AHeaderThatWouldSplitTheAnswerIsLeftOut) {
  http::response r = http::json_response(200, {{"ok", true}});
  r.headers.emplace_back("Location", "/x\r\nSet-Cookie: stolen=1");
  r.headers.emplace_back("X-Fine", "yes");
  auto ctx = context();
  std::string raw;
  auto mine = hand_head(r, ctx, 11, true, &raw);
  EXPECT_EQ(raw.find("stolen"), std::string::npos) << raw;
  EXPECT_EQ(mine.count("Location"), 0u);
  EXPECT_EQ(mine.find("X-Fine")->second, "yes");
}

TEST(AnswerHead, SharedBodyIsTheBodySent) {
  http::response r;
  r.shared_body = std::make_shared<const std::string>("{\"shared\":true}");
  EXPECT_EQ(http::connection::answer_body(r), "{\"shared\":true}");
  r.shared_body.reset();
  r.body = "own";
  EXPECT_EQ(http::connection::answer_body(r), "own");
}
