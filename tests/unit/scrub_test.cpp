// Secret scrubbing (core/scrub.hpp) for stored diagnostics: which names count as secret,
// "name=value" and "Name: value" pairs inside text (URLs, cookies, headers, messages) losing
// their values while the rest stays as it was, and JSON scrubbed recursively (secret keys
// replaced whatever their value, other strings scrubbed as text, other values kept).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "marketsim/core/scrub.hpp"

using namespace marketsim;
using json = nlohmann::json;

TEST(Scrub, SecretNames) {
  for (std::string_view name :
       {"password",     "Password",      "new_password", "current_password", "passwd",
        "secret",       "client_secret", "token",        "csrf_token",       "X-CSRF-Token",
        "access_token", "Cookie",        "Set-Cookie",   "Authorization",    "sessionId",
        "session",      "ms_session",    "ms_csrf",      "apikey",           "API_KEY",
        "ApiKey"}) {
    EXPECT_TRUE(is_secret_name(name)) << name;
  }
  for (std::string_view name : {"", "email", "user_tag", "message", "page", "request_id", "stack",
                                "symbol", "x", "display_name", "status"}) {
    EXPECT_FALSE(is_secret_name(name)) << name;
  }
}

TEST(Scrub, QueryStringToken) {
  EXPECT_EQ(scrub_text("GET /verify/?token=abc&x=1"), "GET /verify/?token=[scrubbed]&x=1");
  EXPECT_EQ(scrub_text("https://example.com/verify/?token=Zm9vYmFy"),
            "https://example.com/verify/?token=[scrubbed]");
  EXPECT_EQ(scrub_text("a=1&reset_token=s3cr3t&b=2"), "a=1&reset_token=[scrubbed]&b=2");
  EXPECT_EQ(scrub_text("?x=1&password=hunter2"), "?x=1&password=[scrubbed]");
}

TEST(Scrub, CookieAndFormPairs) {
  EXPECT_EQ(scrub_text("password=hunter2; other=1"), "password=[scrubbed]; other=1");
  EXPECT_EQ(scrub_text("ms_session=abc.def; ms_csrf=ghi.jkl; theme=dark"),
            "ms_session=[scrubbed]; ms_csrf=[scrubbed]; theme=dark");
  EXPECT_EQ(scrub_text("login failed: Password=hunter2, retry"),
            "login failed: Password=[scrubbed], retry");
  EXPECT_EQ(scrub_text("password=hunter2\nnext line"), "password=[scrubbed]\nnext line");
  EXPECT_EQ(scrub_text("password="), "password=[scrubbed]");
  const auto out = scrub_text("test crash with password=hunter2 in it");
  EXPECT_EQ(out, "test crash with password=[scrubbed] in it");
}

TEST(Scrub, HeaderLines) {
  auto out = scrub_text("Authorization: Bearer x");
  EXPECT_TRUE(out.starts_with("Authorization: [scrubbed]")) << out;
  EXPECT_EQ(scrub_text("Cookie: ms_session=abc; theme=dark"), "Cookie: [scrubbed]; theme=dark");
  EXPECT_EQ(scrub_text("X-CSRF-Token: abc.def"), "X-CSRF-Token: [scrubbed]");
}

// "Bearer <token>", "Basic <base64>": the credential after the scheme word goes too.
TEST(Scrub, AuthorizationCredentialIsRemoved) {
  auto out = scrub_text("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig");
  EXPECT_EQ(out.find("eyJhbGciOiJIUzI1NiJ9"), std::string::npos) << out;
  out = scrub_text("Authorization: Basic dXNlcjpodW50ZXIy");
  EXPECT_EQ(out.find("dXNlcjpodW50ZXIy"), std::string::npos) << out;
  out = scrub_text("authorization: bearer abc123; next=1");
  EXPECT_EQ(out.find("abc123"), std::string::npos) << out;
  EXPECT_NE(out.find("next=1"), std::string::npos) << out;
  EXPECT_EQ(scrub_text("Authorization: Bearer x"), "Authorization: [scrubbed]");
  // Only those scheme words: another first word is the whole value.
  EXPECT_EQ(scrub_text("token: abc rest"), "token: [scrubbed] rest");
}

// A quoted value is scrubbed to its closing quote, and JSON-shaped text inside a string (a
// client's JSON.stringify of a rejection reason, say) is recognized too.
TEST(Scrub, QuotedAndJsonShapedValuesAreRemoved) {
  auto out = scrub_text("password=\"hunter2\"");
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  out = scrub_text("token='abc123'");
  EXPECT_EQ(out.find("abc123"), std::string::npos) << out;
  out = scrub_text("Unhandled rejection: {\"email\":\"a@b.c\",\"password\":\"hunter2\"}");
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
}

TEST(Scrub, TextWithoutSecretsIsUnchanged) {
  for (std::string_view text : {"", "plain text", "GET /api/stocks/AAPL/candles?interval=1m&from=0",
                                "TypeError: cannot read properties of undefined (reading 'x')",
                                "user_tag=alice; symbol=AAPL", "a=b=c", "=value", "x: y",
                                "tokenless text: no pairs", "the password is long", "token"}) {
    EXPECT_EQ(scrub_text(text), text) << text;
  }
}

TEST(Scrub, NamesAreRunsOfNameCharacters) {
  EXPECT_EQ(scrub_text("mytoken=1"), "mytoken=[scrubbed]");
  EXPECT_EQ(scrub_text("tok=1"), "tok=1");
  EXPECT_EQ(scrub_text("x.token=1"), "x.token=[scrubbed]");
  EXPECT_EQ(scrub_text("a token=1 b"), "a token=[scrubbed] b");
}

TEST(Scrub, JsonNestedObjectsAndArrays) {
  json report = {{"message", "login failed with password=hunter2"},
                 {"password", "hunter2"},
                 {"Cookie", "ms_session=abc"},
                 {"count", 3},
                 {"ok", true},
                 {"nothing", nullptr},
                 {"context",
                  {{"csrf_token", "tok"},
                   {"sessionId", 12345},
                   {"page", "/verify/?token=abc&x=1"},
                   {"user", {{"email", "a@example.com"}, {"secret", {{"nested", "deep"}}}}},
                   {"list", json::array({json{{"token", "t1"}, {"name", "n1"}}, "password=p2; a=b",
                                         7, json::array({"apikey=k3"})})}}}};
  scrub_json(report);
  EXPECT_EQ(report["message"], "login failed with password=[scrubbed]");
  EXPECT_EQ(report["password"], "[scrubbed]");
  EXPECT_EQ(report["Cookie"], "[scrubbed]");
  EXPECT_EQ(report["count"], 3);
  EXPECT_EQ(report["ok"], true);
  EXPECT_TRUE(report["nothing"].is_null());
  const auto& ctx = report["context"];
  EXPECT_EQ(ctx["csrf_token"], "[scrubbed]");
  EXPECT_EQ(ctx["sessionId"], "[scrubbed]");  // not only strings
  EXPECT_EQ(ctx["page"], "/verify/?token=[scrubbed]&x=1");
  EXPECT_EQ(ctx["user"]["email"], "a@example.com");
  EXPECT_EQ(ctx["user"]["secret"], "[scrubbed]");  // a whole object
  ASSERT_EQ(ctx["list"].size(), 4u);
  EXPECT_EQ(ctx["list"][0]["token"], "[scrubbed]");
  EXPECT_EQ(ctx["list"][0]["name"], "n1");
  EXPECT_EQ(ctx["list"][1], "password=[scrubbed]; a=b");
  EXPECT_EQ(ctx["list"][2], 7);
  EXPECT_EQ(ctx["list"][3][0], "apikey=[scrubbed]");
  EXPECT_EQ(report.dump().find("hunter2"), std::string::npos);
  EXPECT_EQ(report.dump().find("deep"), std::string::npos);
}

TEST(Scrub, JsonScalarsAndTopLevelStrings) {
  json s = "token=abc";
  scrub_json(s);
  EXPECT_EQ(s, "token=[scrubbed]");
  json n = 5;
  scrub_json(n);
  EXPECT_EQ(n, 5);
  json a = json::array({"password=x", 1});
  scrub_json(a);
  EXPECT_EQ(a, json::array({"password=[scrubbed]", 1}));
  json empty = json::object();
  scrub_json(empty);
  EXPECT_EQ(empty, json::object());
}
