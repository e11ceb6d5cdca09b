// The route privilege table: the real routes, registered exactly as application.cpp does
// (health, market, account, admin, error reports, and the test hooks), over service objects
// that are never used (a pool pointing nowhere, an empty quote cache, a provider with no
// instruments). Every route's access level and CSRF flag is checked against the table below,
// so a new route fails this test until someone decides who may call it; the admin routes must
// be exactly the expected set, all at auth::access::admin.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/routes.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/feed.hpp"

using namespace marketsim;

namespace {

class no_provider final : public market::quote_provider {
 public:
  std::string_view name() const override { return "none"; }
  const std::vector<market::instrument>& instruments() const override { return none_; }
  std::optional<market::price_e4> previous_close(std::string_view) const override {
    return std::nullopt;
  }
  std::vector<market::tick> next_batch(std::int64_t) override { return {}; }

 private:
  std::vector<market::instrument> none_;
};

struct route_info {
  auth::access need;
  bool csrf;
};
using route_key = std::pair<std::string, std::string>;  // method, pattern

// Everything application.cpp builds before registering routes, unused.
struct wiring {
  api::settings cfg;
  db::pool pool{"postgresql:///marketsim_unit?host=/nonexistent/marketsim-unit-test", 1};
  db::order_batches orders{pool};
  auth::signer sign{std::string(32, 'r')};
  auth::session_cache cache{16};
  account_clock clock;
  auth::session_manager sessions{pool, sign, cache, clock, auth::session_settings{}};
  auth::hash_pool hashes{1, 1};
  auth::password_policy policy = auth::password_policy::from_list("");
  auth::attempt_budget account_throttle{auth::attempt_budget::settings{}};
  auth::attempt_budget address_throttle{auth::attempt_budget::settings{.free_failures = 20}};
  auth::rate_limiter register_limit{20.0 / 60.0, 20.0};
  auth::rate_limiter reset_limit{5.0 / 60.0, 5.0};
  auth::rate_limiter report_limit{30.0, 30.0};
  api::account_metrics metrics;
  std::string dummy_hash = "$argon2id$unused";
  market::halt_list halts;
  market::quote_cache quotes;
  sse::hub hub{16, 16, 16};
  market::history_buffer history{0};
  market::feed feed{std::make_unique<no_provider>(), quotes, hub, history, 0,
                    std::chrono::milliseconds(1000)};
  api::player_directory players;
  auth::api_key_store keys{pool};
  http::router routes;

  explicit wiring(bool test_hooks) {
    api::account_services accounts{cfg,
                                   pool,
                                   hashes,
                                   sessions,
                                   policy,
                                   account_throttle,
                                   address_throttle,
                                   register_limit,
                                   reset_limit,
                                   report_limit,
                                   clock,
                                   metrics,
                                   dummy_hash,
                                   halts};
    // The very function the application registers its routes with.
    api::register_all_routes(
        routes, api::market_services{cfg, quotes, history, feed, hub, pool, halts, sessions},
        accounts,
        api::trading_services{cfg, pool, quotes, feed, halts, players, keys, orders, clock},
        test_hooks);
  }

  std::map<route_key, route_info> table() const {
    std::map<route_key, route_info> out;
    routes.for_each(
        [&](const std::string& method, const std::string& pattern, const http::endpoint& ep) {
          EXPECT_TRUE(ep.fn) << method << " " << pattern << " has no handler";
          auto [it, fresh] = out.emplace(route_key{method, pattern}, route_info{ep.need, ep.csrf});
          // Only the Alpaca routes take API keys.
          EXPECT_EQ(ep.api_keys, pattern.starts_with("/v2/")) << method << " " << pattern;
          EXPECT_TRUE(fresh) << method << " " << pattern << " registered twice";
        });
    return out;
  }

  ~wiring() { EXPECT_EQ(pool.jobs_run(), 0u); }
};

// Who may call each route. A new route must be added here on purpose.
const std::map<route_key, auth::access>& expected_access() {
  static const std::map<route_key, auth::access> table{
      {{"GET", "/healthz"}, auth::access::anyone},
      {{"GET", "/readyz"}, auth::access::anyone},
      {{"GET", "/api/openapi.json"}, auth::access::anyone},
      {{"GET", "/api/stocks"}, auth::access::anyone},
      {{"GET", "/api/stocks/{symbol}"}, auth::access::anyone},
      {{"GET", "/api/stocks/{symbol}/candles"}, auth::access::anyone},
      {{"GET", "/api/market/movers"}, auth::access::anyone},
      {{"GET", "/api/market/status"}, auth::access::anyone},
      {{"GET", "/api/stream"}, auth::access::anyone},
      {{"GET", "/api/auth/me"}, auth::access::anyone},
      {{"POST", "/api/auth/register"}, auth::access::anyone},
      {{"POST", "/api/auth/verify"}, auth::access::anyone},
      {{"POST", "/api/auth/login"}, auth::access::anyone},
      {{"POST", "/api/auth/logout"}, auth::access::anyone},
      {{"POST", "/api/auth/password"}, auth::access::user},
      {{"POST", "/api/auth/password-reset"}, auth::access::anyone},
      {{"POST", "/api/auth/password-reset/confirm"}, auth::access::anyone},
      {{"PATCH", "/api/account/profile"}, auth::access::user},
      {{"GET", "/api/users/{tag}"}, auth::access::anyone},
      {{"GET", "/api/users/{tag}/equity"}, auth::access::anyone},
      {{"GET", "/api/leaderboard"}, auth::access::anyone},
      {{"GET", "/api/stocks/{symbol}/trades"}, auth::access::anyone},
      {{"GET", "/api/stocks/{symbol}/holders"}, auth::access::anyone},
      {{"GET", "/api/feed"}, auth::access::anyone},
      {{"GET", "/api/sectors"}, auth::access::anyone},
      {{"GET", "/api/sectors/{sector}"}, auth::access::anyone},
      {{"GET", "/api/admin/users"}, auth::access::admin},
      {{"POST", "/api/admin/users/{id}/disable"}, auth::access::admin},
      {{"POST", "/api/admin/users/{id}/enable"}, auth::access::admin},
      {{"POST", "/api/admin/users/{id}/role"}, auth::access::admin},
      {{"GET", "/api/admin/outbox"}, auth::access::admin},
      {{"GET", "/api/admin/errors"}, auth::access::admin},
      {{"GET", "/api/admin/flags"}, auth::access::admin},
      {{"POST", "/api/admin/symbols/{symbol}/halt"}, auth::access::admin},
      {{"POST", "/api/admin/symbols/{symbol}/resume"}, auth::access::admin},
      {{"GET", "/api/admin/runtime"}, auth::access::admin},
      {{"GET", "/api/admin/metrics"}, auth::access::admin},
      {{"POST", "/api/errors"}, auth::access::anyone},
      {{"GET", "/v2/account"}, auth::access::user},
      {{"POST", "/v2/orders"}, auth::access::user},
      {{"GET", "/v2/orders"}, auth::access::user},
      {{"DELETE", "/v2/orders"}, auth::access::user},
      {{"GET", "/v2/orders:by_client_order_id"}, auth::access::user},
      {{"GET", "/v2/orders/{id}"}, auth::access::user},
      {{"PATCH", "/v2/orders/{id}"}, auth::access::user},
      {{"DELETE", "/v2/orders/{id}"}, auth::access::user},
      {{"GET", "/v2/positions"}, auth::access::user},
      {{"DELETE", "/v2/positions"}, auth::access::user},
      {{"GET", "/v2/positions/{symbol}"}, auth::access::user},
      {{"DELETE", "/v2/positions/{symbol}"}, auth::access::user},
      {{"GET", "/v2/account/activities"}, auth::access::user},
      {{"GET", "/v2/account/activities/{type}"}, auth::access::user},
      {{"GET", "/v2/assets"}, auth::access::user},
      {{"GET", "/v2/assets/{symbol}"}, auth::access::user},
      {{"GET", "/v2/clock"}, auth::access::user},
      {{"GET", "/v2/account/portfolio/history"}, auth::access::user},
      {{"GET", "/v2/watchlists"}, auth::access::user},
      {{"POST", "/v2/watchlists"}, auth::access::user},
      {{"GET", "/v2/watchlists/{id}"}, auth::access::user},
      {{"PUT", "/v2/watchlists/{id}"}, auth::access::user},
      {{"POST", "/v2/watchlists/{id}"}, auth::access::user},
      {{"DELETE", "/v2/watchlists/{id}/{symbol}"}, auth::access::user},
      {{"DELETE", "/v2/watchlists/{id}"}, auth::access::user},
      {{"GET", "/v2/stocks/{symbol}/bars"}, auth::access::user},
      {{"GET", "/v2/stocks/bars"}, auth::access::user},
      {{"GET", "/v2/stocks/snapshots"}, auth::access::user},
      {{"GET", "/v2/stocks/{symbol}/snapshot"}, auth::access::user},
      {{"GET", "/v2/stocks/{symbol}/trades/latest"}, auth::access::user},
      {{"GET", "/v2/stocks/trades/latest"}, auth::access::user},
      {{"GET", "/v2/stocks/{symbol}/quotes/latest"}, auth::access::user},
      {{"GET", "/v2/stocks/quotes/latest"}, auth::access::user},
      {{"GET", "/v2/stocks/{symbol}/bars/latest"}, auth::access::user},
      {{"GET", "/v2/stocks/bars/latest"}, auth::access::user},
      {{"GET", "/api/stocks/{symbol}/book"}, auth::access::anyone},
      {{"GET", "/api/account/keys"}, auth::access::user},
      {{"POST", "/api/account/keys"}, auth::access::user},
      {{"DELETE", "/api/account/keys/{id}"}, auth::access::user},
      {{"GET", "/api/account/since-last-visit"}, auth::access::user},
      {{"POST", "/api/account/since-last-visit/dismiss"}, auth::access::user},
      // Trading actions: the player's own rules (a session, not an API key).
      {{"GET", "/api/rules"}, auth::access::user},
      {{"POST", "/api/rules"}, auth::access::user},
      {{"POST", "/api/rules/backtest"}, auth::access::user},
      {{"GET", "/api/rules/{id}"}, auth::access::user},
      {{"PATCH", "/api/rules/{id}"}, auth::access::user},
      {{"DELETE", "/api/rules/{id}"}, auth::access::user},
      {{"POST", "/api/rules/{id}/pause"}, auth::access::user},
      {{"POST", "/api/rules/{id}/resume"}, auth::access::user},
      {{"GET", "/api/rules/{id}/firings"}, auth::access::user},
      {{"GET", "/api/forecasts/accuracy"}, auth::access::anyone},
      {{"GET", "/api/forecasts/portfolio"}, auth::access::user},
      {{"GET", "/api/forecasts/{symbol}"}, auth::access::anyone},
      {{"GET", "/api/insights"}, auth::access::user},
  };
  return table;
}

std::string describe(const route_key& k) {
  return k.first + " " + k.second;
}

}  // namespace

TEST(AuthRoutes, EveryRouteHasTheExpectedAccessLevel) {
  wiring w(false);
  auto actual = w.table();
  const auto& expected = expected_access();
  for (const auto& [key, info] : actual) {
    auto it = expected.find(key);
    if (it == expected.end()) {
      ADD_FAILURE() << describe(key) << " (access " << auth::access_name(info.need)
                    << ") is not in the privilege table of this test: decide who may call it";
      continue;
    }
    EXPECT_EQ(auth::access_name(info.need), auth::access_name(it->second)) << describe(key);
  }
  for (const auto& [key, need] : expected)
    EXPECT_TRUE(actual.contains(key)) << describe(key) << " is no longer registered";
}

TEST(AuthRoutes, AdminRoutesAreExactlyTheExpectedSetAndAllNeedAdmin) {
  wiring w(true);
  std::set<route_key> admin_paths;
  std::set<route_key> admin_level;
  for (const auto& [key, info] : w.table()) {
    if (key.second.starts_with("/api/admin/") || key.second == "/api/admin") {
      admin_paths.insert(key);
      EXPECT_EQ(auth::access_name(info.need), "admin") << describe(key);
    }
    if (info.need == auth::access::admin) {
      admin_level.insert(key);
      EXPECT_TRUE(key.second.starts_with("/api/admin/")) << describe(key);
    }
  }
  const std::set<route_key> expected{
      {"GET", "/api/admin/users"},
      {"POST", "/api/admin/users/{id}/disable"},
      {"POST", "/api/admin/users/{id}/enable"},
      {"POST", "/api/admin/users/{id}/role"},
      {"GET", "/api/admin/outbox"},
      {"GET", "/api/admin/errors"},
      {"GET", "/api/admin/flags"},
      {"POST", "/api/admin/symbols/{symbol}/halt"},
      {"POST", "/api/admin/symbols/{symbol}/resume"},
      {"GET", "/api/admin/runtime"},
      {"GET", "/api/admin/metrics"},
  };
  EXPECT_EQ(admin_paths, expected);
  EXPECT_EQ(admin_level, expected);
}

TEST(AuthRoutes, SignedInRoutes) {
  wiring w(false);
  auto t = w.table();
  ASSERT_TRUE(t.contains({"POST", "/api/auth/password"}));
  ASSERT_TRUE(t.contains({"PATCH", "/api/account/profile"}));
  EXPECT_EQ(t.at({"POST", "/api/auth/password"}).need, auth::access::user);
  EXPECT_EQ(t.at({"PATCH", "/api/account/profile"}).need, auth::access::user);
  for (const route_key& k : std::vector<route_key>{{"POST", "/api/auth/login"},
                                                   {"POST", "/api/auth/register"},
                                                   {"POST", "/api/auth/verify"},
                                                   {"GET", "/api/auth/me"},
                                                   {"POST", "/api/auth/logout"},
                                                   {"POST", "/api/auth/password-reset"},
                                                   {"POST", "/api/auth/password-reset/confirm"},
                                                   {"POST", "/api/errors"}}) {
    ASSERT_TRUE(t.contains(k)) << describe(k);
    EXPECT_EQ(t.at(k).need, auth::access::anyone) << describe(k);
  }
}

TEST(AuthRoutes, MarketReadsAreOpenToAnyone) {
  wiring w(false);
  int market_gets = 0;
  for (const auto& [key, info] : w.table()) {
    bool market = key.second.starts_with("/api/stocks") || key.second.starts_with("/api/market") ||
                  key.second == "/api/stream";
    if (!market) continue;
    EXPECT_EQ(key.first, "GET") << describe(key);
    EXPECT_EQ(info.need, auth::access::anyone) << describe(key);
    ++market_gets;
  }
  EXPECT_EQ(market_gets, 9);  // with the order book, the tape and the holders
}

TEST(AuthRoutes, OnlyTestHooksSkipCsrf) {
  for (bool hooks : {false, true}) {
    wiring w(hooks);
    std::vector<route_key> no_csrf;
    for (const auto& [key, info] : w.table()) {
      if (key.first == "GET") {
        EXPECT_TRUE(info.csrf) << describe(key);
      }
      if (!info.csrf) no_csrf.push_back(key);
    }
    if (hooks) {
      EXPECT_EQ(no_csrf,
                (std::vector<route_key>{{"POST", "/api/test/clock"}, {"POST", "/api/test/price"}}));
    } else {
      EXPECT_TRUE(no_csrf.empty());
    }
  }
}

TEST(AuthRoutes, TestHooksOnlyWhenEnabled) {
  wiring without(false);
  wiring with(true);
  auto a = without.table();
  auto b = with.table();
  for (const auto& [key, info] : a) EXPECT_FALSE(key.second.starts_with("/api/test/"));
  std::set<route_key> hooks;
  for (const auto& [key, info] : b)
    if (key.second.starts_with("/api/test/")) hooks.insert(key);
  EXPECT_EQ(hooks, (std::set<route_key>{{"POST", "/api/test/clock"},
                                        {"GET", "/api/test/crash"},
                                        {"POST", "/api/test/price"},
                                        {"GET", "/api/test/routes"}}));
  EXPECT_EQ(b.size(), a.size() + 4);
}
