// The request-auth guard (auth/guard.hpp) without a database: its pure parts (safe methods,
// the Origin / Fetch-Metadata check, the CSRF check for anonymous and signed-in requests) and
// its before() hook on paths that never reach PostgreSQL: no cookie, a forged cookie, and a
// session already in the session cache (user, admin, disabled). The db::pool points nowhere;
// every test checks it ran no job.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "marketsim/auth/guard.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/message.hpp"

using namespace marketsim;
using namespace marketsim::auth;

namespace {

http::response ok_response() {
  return http::response{};
}

http::endpoint endpoint_for(auth::access need, bool csrf = true) {
  http::endpoint ep([](http::request_context&) -> boost::asio::awaitable<http::response> {
    co_return ok_response();
  });
  ep.need = need;
  ep.csrf = csrf;
  return ep;
}

std::string code_of(const http::response& r) {
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("code")) return "?";
  return body["code"].get<std::string>();
}

}  // namespace

class AuthGuard : public ::testing::Test {
 protected:
  // A socket path that does not exist: a connection attempt fails at once, without DNS or network.
  db::pool pool{"postgresql:///marketsim_unit?host=/nonexistent/marketsim-unit-test", 1};
  bool expect_no_database = true;
  signer sign{std::string(32, 's')};
  session_cache cache{64};
  account_clock clock;
  session_manager sessions{pool, sign, cache, clock, session_settings{}};
  origin_policy origins{
      "http://localhost:8080",
      std::vector<std::string>{"https://app.example.com/", "http://127.0.0.1:3000"}, false};
  guard g{sessions, origins};
  boost::beast::http::fields fields;

  http::request_context request(std::string method) {
    http::request_context ctx;
    ctx.method = std::move(method);
    ctx.path = "/api/test";
    ctx.headers = &fields;
    ctx.request_id = "rid";
    return ctx;
  }

  // Runs guard.before on an io_context of its own, to completion.
  std::optional<http::response> before(http::request_context& ctx, const http::endpoint& ep) {
    boost::asio::io_context ioc;
    bool done = false;
    std::optional<http::response> out;
    boost::asio::co_spawn(ioc, g.before(ctx, ep),
                          [&](std::exception_ptr e, std::optional<http::response> r) {
                            if (e) std::rethrow_exception(e);
                            done = true;
                            out = std::move(r);
                          });
    ioc.run();
    EXPECT_TRUE(done);
    return out;
  }

  // A live session for a user, in the cache only; returns the Cookie header naming it.
  std::string cached_session(std::int64_t user_id, role r, user_status status,
                             std::string* hash_out = nullptr) {
    auto id = random_bytes(signer::id_bytes);
    auto hash = sha256(id);
    auto u = std::make_shared<user_record>();
    u->id = user_id;
    u->email = "u@example.com";
    u->user_tag = "user" + std::to_string(user_id);
    u->display_name = "U";
    u->user_role = r;
    u->status = status;
    auto now = clock.now_ms();
    session_record s{hash, user_id, now, now, now + 3'600'000};
    s.issued_for = r;
    cache.put(s, u, now);
    if (hash_out) *hash_out = hash;
    return "theme=dark; " + sessions.session_cookie_name() + "=" + sign.session_cookie(id);
  }

  void TearDown() override {
    if (expect_no_database) {
      EXPECT_EQ(pool.jobs_run(), 0u) << "a test reached the database";
    }
  }
};

TEST_F(AuthGuard, SafeMethods) {
  EXPECT_TRUE(guard::is_safe_method("GET"));
  EXPECT_TRUE(guard::is_safe_method("HEAD"));
  EXPECT_TRUE(guard::is_safe_method("OPTIONS"));
  for (std::string_view m :
       {"POST", "PUT", "PATCH", "DELETE", "get", "Get", "", "TRACE", "CONNECT"})
    EXPECT_FALSE(guard::is_safe_method(m)) << m;
}

TEST_F(AuthGuard, NoHeadersAtAllIsAllowed) {
  auto ctx = request("POST");
  EXPECT_TRUE(g.origin_allowed(ctx));
  http::request_context bare;  // headers == nullptr
  bare.method = "POST";
  EXPECT_TRUE(g.origin_allowed(bare));
}

TEST_F(AuthGuard, ForeignOriginIsRefused) {
  auto ctx = request("POST");
  fields.set(boost::beast::http::field::host, "localhost:8080");
  for (std::string_view origin :
       {"http://evil.example", "https://localhost:8080", "http://localhost:8081",
        "http://localhost:8080.evil.example", "http://localhost", "null", "",
        "https://app.example.com.evil", "https://app.example.com/", "HTTP://LOCALHOST:8080"}) {
    fields.set(boost::beast::http::field::origin, origin);
    EXPECT_FALSE(g.origin_allowed(ctx)) << origin;
  }
}

TEST_F(AuthGuard, PublicUrlAndConfiguredOriginsAreAccepted) {
  auto ctx = request("POST");
  fields.set(boost::beast::http::field::host, "marketsim.internal");
  fields.set(boost::beast::http::field::origin, "http://localhost:8080");
  EXPECT_TRUE(g.origin_allowed(ctx));
  // Configured with a trailing slash; browsers send none.
  fields.set(boost::beast::http::field::origin, "https://app.example.com");
  EXPECT_TRUE(g.origin_allowed(ctx));
  fields.set(boost::beast::http::field::origin, "http://127.0.0.1:3000");
  EXPECT_TRUE(g.origin_allowed(ctx));
  // Without a Host header, only the configured ones.
  fields.erase(boost::beast::http::field::host);
  EXPECT_TRUE(g.origin_allowed(ctx));
  fields.set(boost::beast::http::field::origin, "http://elsewhere.example");
  EXPECT_FALSE(g.origin_allowed(ctx));
}

TEST_F(AuthGuard, OriginIsNeverTakenFromTheHost) {
  // DNS rebinding: evil.example resolves to this server, and its page's requests carry its own
  // name as both Host and Origin. Once "same origin as the Host" was enough.
  auto ctx = request("POST");
  for (std::string_view host : {"evil.example:8080", "192.168.1.20:8080"}) {
    fields.set(boost::beast::http::field::host, host);
    fields.set(boost::beast::http::field::origin, "http://" + std::string(host));
    EXPECT_FALSE(g.origin_allowed(ctx)) << host;
  }
  origin_policy tls_origins{"https://marketsim.example", {}, true};
  guard tls_guard{sessions, tls_origins};
  fields.set(boost::beast::http::field::host, "192.168.1.20:8080");
  fields.set(boost::beast::http::field::origin, "https://192.168.1.20:8080");
  EXPECT_FALSE(tls_guard.origin_allowed(ctx));
  fields.set(boost::beast::http::field::origin, "https://marketsim.example");
  EXPECT_TRUE(tls_guard.origin_allowed(ctx));
}

TEST_F(AuthGuard, ScreenRefusesStateChangesToForeignHosts) {
  origins.set_bound_port(41234);
  auto ctx = request("POST");
  fields.set(boost::beast::http::field::host, "evil.example");
  auto refused = g.screen(ctx);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(code_of(*refused), "host_rejected");
  fields.set(boost::beast::http::field::host, "127.0.0.1:41234");
  EXPECT_FALSE(g.screen(ctx));
  // Two Host headers: whichever a proxy believed, neither counts.
  fields.insert(boost::beast::http::field::host, "evil.example");
  EXPECT_TRUE(g.screen(ctx));
  fields.erase(boost::beast::http::field::host);
  EXPECT_TRUE(g.screen(ctx)) << "no Host at all";
  auto read = request("GET");
  fields.set(boost::beast::http::field::host, "evil.example");
  EXPECT_FALSE(g.screen(read));
}

TEST_F(AuthGuard, FetchMetadataWithoutOrigin) {
  auto ctx = request("POST");
  fields.set(boost::beast::http::field::host, "localhost:8080");
  fields.set("Sec-Fetch-Site", "cross-site");
  EXPECT_FALSE(g.origin_allowed(ctx));
  fields.set("Sec-Fetch-Site", "same-site");
  EXPECT_FALSE(g.origin_allowed(ctx));
  fields.set("Sec-Fetch-Site", "same-origin");
  EXPECT_TRUE(g.origin_allowed(ctx));
  fields.set("Sec-Fetch-Site", "none");
  EXPECT_TRUE(g.origin_allowed(ctx));
  // An Origin, when present, decides.
  fields.set(boost::beast::http::field::origin, "http://evil.example");
  EXPECT_FALSE(g.origin_allowed(ctx));
}

TEST_F(AuthGuard, AnonymousCsrfIsASignedDoubleSubmit) {
  auto ctx = request("POST");
  const auto& csrf_name = sessions.csrf_cookie_name();
  auto token = sign.anonymous_csrf();

  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));  // nothing at all
  fields.set("X-CSRF-Token", token);
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));  // header without the cookie
  fields.set(boost::beast::http::field::cookie, "a=1; " + csrf_name + "=" + token + "; b=2");
  EXPECT_TRUE(g.csrf_ok(ctx, nullptr));

  // Header and cookie must be the same token.
  fields.set("X-CSRF-Token", sign.anonymous_csrf());
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));
  fields.set("X-CSRF-Token", "");
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));
  fields.erase("X-CSRF-Token");
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));

  // Matching but forged (an attacker who can plant a cookie cannot also sign it).
  signer other(std::string(32, 'o'));
  auto forged = other.anonymous_csrf();
  fields.set("X-CSRF-Token", forged);
  fields.set(boost::beast::http::field::cookie, csrf_name + "=" + forged);
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));
  fields.set("X-CSRF-Token", "x");
  fields.set(boost::beast::http::field::cookie, csrf_name + "=x");
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));
  // A cookie whose name only starts like ours does not count.
  fields.set("X-CSRF-Token", token);
  fields.set(boost::beast::http::field::cookie, csrf_name + "2=" + token);
  EXPECT_FALSE(g.csrf_ok(ctx, nullptr));
}

TEST_F(AuthGuard, SignedInCsrfIsBoundToTheSession) {
  auto ctx = request("POST");
  principal who;
  who.session_hash = sha256("session one");
  who.csrf_token = sign.csrf_for_session(who.session_hash);

  EXPECT_FALSE(g.csrf_ok(ctx, &who));
  fields.set("X-CSRF-Token", sign.csrf_for_session(who.session_hash));
  EXPECT_TRUE(g.csrf_ok(ctx, &who));
  fields.set("X-CSRF-Token", sign.csrf_for_session(sha256("session two")));
  EXPECT_FALSE(g.csrf_ok(ctx, &who));
  auto mangled = sign.csrf_for_session(who.session_hash);
  mangled[0] = mangled[0] == 'A' ? 'B' : 'A';
  fields.set("X-CSRF-Token", mangled);
  EXPECT_FALSE(g.csrf_ok(ctx, &who));
  fields.set("X-CSRF-Token", "");
  EXPECT_FALSE(g.csrf_ok(ctx, &who));

  // A signed-in request cannot fall back on the anonymous double-submit.
  auto anon = sign.anonymous_csrf();
  fields.set("X-CSRF-Token", anon);
  fields.set(boost::beast::http::field::cookie, sessions.csrf_cookie_name() + "=" + anon);
  EXPECT_FALSE(g.csrf_ok(ctx, &who));
}

TEST_F(AuthGuard, BeforeLetsAnonymousReadsThrough) {
  auto ctx = request("GET");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::anyone)));
  EXPECT_FALSE(ctx.principal);
  // Safe methods need neither Origin nor CSRF token.
  fields.set(boost::beast::http::field::origin, "http://evil.example");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::anyone)));
}

TEST_F(AuthGuard, BeforeRequiresASessionForUserAndAdminRoutes) {
  for (auto need : {auth::access::user, auth::access::admin}) {
    auto ctx = request("GET");
    auto r = before(ctx, endpoint_for(need));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(code_of(*r), "unauthenticated");
  }
}

TEST_F(AuthGuard, BeforeChecksOriginThenCsrfOnStateChanges) {
  auto ctx = request("POST");
  auto r = before(ctx, endpoint_for(auth::access::anyone));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(*r), "csrf_failed");

  auto token = sign.anonymous_csrf();
  fields.set("X-CSRF-Token", token);
  fields.set(boost::beast::http::field::cookie, sessions.csrf_cookie_name() + "=" + token);
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::anyone)));

  fields.set(boost::beast::http::field::origin, "http://evil.example");
  r = before(ctx, endpoint_for(auth::access::anyone));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(*r), "origin_rejected");

  for (std::string method : {"PUT", "PATCH", "DELETE"}) {
    auto other = request(method);
    r = before(other, endpoint_for(auth::access::anyone));
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(code_of(*r), "origin_rejected") << method;
  }
}

TEST_F(AuthGuard, BeforeSkipsOriginAndCsrfOnlyWhenTheRouteOptsOut) {
  auto ctx = request("POST");
  fields.set(boost::beast::http::field::origin, "http://evil.example");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::anyone, false)));
  EXPECT_TRUE(before(ctx, endpoint_for(auth::access::anyone, true)));
}

TEST_F(AuthGuard, ForgedSessionCookieIsAnonymousAndCostsNoQuery) {
  auto ctx = request("GET");
  const auto& name = sessions.session_cookie_name();
  for (std::string value :
       {std::string("garbage"), std::string("."), std::string(8 * 1024, 'A'),
        signer(std::string(32, 'o')).session_cookie(random_bytes(signer::id_bytes)),
        base64url(random_bytes(32)) + "." + base64url(random_bytes(32))}) {
    fields.set(boost::beast::http::field::cookie, name + "=" + value);
    auto r = before(ctx, endpoint_for(auth::access::user));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_FALSE(ctx.principal);
    EXPECT_FALSE(before(ctx, endpoint_for(auth::access::anyone)));
    EXPECT_FALSE(ctx.principal);
  }
  EXPECT_EQ(pool.jobs_run(), 0u);
}

TEST_F(AuthGuard, CachedSessionResolvesWithoutTheDatabase) {
  std::string hash;
  auto cookie = cached_session(7, role::user, user_status::active, &hash);
  fields.set(boost::beast::http::field::cookie, cookie);

  auto ctx = request("GET");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::user)));
  ASSERT_TRUE(ctx.principal);
  EXPECT_EQ(ctx.principal->user->id, 7);
  EXPECT_EQ(ctx.principal->session_hash, hash);
  EXPECT_EQ(ctx.principal->csrf_token, sign.csrf_for_session(hash));

  // A user is not an admin.
  auto admin_ctx = request("GET");
  auto r = before(admin_ctx, endpoint_for(auth::access::admin));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(*r), "forbidden");

  // A state change needs the session's own token...
  auto post = request("POST");
  r = before(post, endpoint_for(auth::access::user));
  ASSERT_TRUE(r);
  EXPECT_EQ(code_of(*r), "csrf_failed");
  fields.set("X-CSRF-Token", sign.csrf_for_session(hash));
  auto post2 = request("POST");
  EXPECT_FALSE(before(post2, endpoint_for(auth::access::user)));
  // ...not another session's.
  fields.set("X-CSRF-Token", sign.csrf_for_session(sha256("someone else")));
  auto post3 = request("POST");
  r = before(post3, endpoint_for(auth::access::user));
  ASSERT_TRUE(r);
  EXPECT_EQ(code_of(*r), "csrf_failed");
}

TEST_F(AuthGuard, CachedAdminPassesAdminRoutes) {
  fields.set(boost::beast::http::field::cookie,
             cached_session(1, role::admin, user_status::active));
  auto ctx = request("GET");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::admin)));
  ASSERT_TRUE(ctx.principal);
  EXPECT_EQ(ctx.principal->user->user_role, role::admin);
}

TEST_F(AuthGuard, DemotedAdminLosesAdminRoutesAtOnce) {
  // A role change rotates the session id, which needs the database; here it is unreachable,
  // so the request fails, but it must never pass as an admin.
  expect_no_database = false;
  std::string hash;
  fields.set(boost::beast::http::field::cookie,
             cached_session(3, role::admin, user_status::active, &hash));
  auto ctx = request("GET");
  EXPECT_FALSE(before(ctx, endpoint_for(auth::access::admin)));
  ASSERT_TRUE(ctx.principal);
  user_record demoted = *ctx.principal->user;
  demoted.user_role = role::user;
  sessions.user_changed(demoted);
  auto next = request("GET");
  auto r = before(next, endpoint_for(auth::access::admin));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->status == 403 || r->status == 503) << r->status << " " << r->body;
  EXPECT_TRUE(!next.principal || next.principal->user->user_role != role::admin);
}

TEST_F(AuthGuard, CachedSessionOfADisabledUserIsRefused) {
  std::string hash;
  fields.set(boost::beast::http::field::cookie,
             cached_session(9, role::admin, user_status::disabled, &hash));
  auto ctx = request("GET");
  auto r = before(ctx, endpoint_for(auth::access::user));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(ctx.principal);
  EXPECT_FALSE(cache.find(hash));  // dropped from the cache
}

// Changes other instances announce (db::change_listener) reach this instance's cache: an ended
// session is forgotten, a changed user is re-read on the next request, garbage is ignored.
TEST_F(AuthGuard, RemoteChangesEvictCachedSessionsAndUsers) {
  auto user = std::make_shared<const user_record>([] {
    user_record u;
    u.id = 42;
    u.status = user_status::active;
    return u;
  }());
  auto put = [&](char fill) {
    session_record s;
    s.id_hash = std::string(32, fill);
    s.user_id = 42;
    cache.put(s, user, 0);
    return s.id_hash;
  };
  auto first = put('a');
  auto second = put('b');
  sessions.apply_remote_change("session:" + hex(first));
  EXPECT_FALSE(cache.find(first));
  EXPECT_TRUE(cache.find(second));
  for (std::string_view junk :
       {"", "session:", "session:zz", "user:", "user:x", "user:42x", "other:42", "nonsense"})
    sessions.apply_remote_change(junk);
  EXPECT_TRUE(cache.find(second)) << "a malformed payload evicted something";
  sessions.apply_remote_change("user:42");
  EXPECT_FALSE(cache.find(second));
  put('c');
  sessions.forget_cached_sessions();
  EXPECT_EQ(cache.size(), 0u);
}
