// Registration of the trading endpoints: the Alpaca-compatible /v2 routes (account, orders,
// positions, activities, portfolio history, assets, clock, watchlists) and the order book depth
// (the player's API keys are registered beside the account API, account_api.hpp). Handlers run
// on io threads; every database step goes through the pool. See docs/api.md.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "marketsim/api/settings.hpp"
#include "marketsim/auth/api_keys.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/core/concurrency_gate.hpp"
#include "marketsim/db/order_batches.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/halts.hpp"
#include "marketsim/market/quote_cache.hpp"

namespace marketsim::api {

// user id → trading account id. The mapping never changes once made, so it is cached forever
// (bounded). io threads; one mutex.
class player_directory {
 public:
  [[nodiscard]] std::optional<std::int64_t> find(std::int64_t user_id) const;
  void put(std::int64_t user_id, std::int64_t account_id);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, std::int64_t> accounts_;
};

struct trading_services {
  const settings& cfg;
  db::pool& pool;
  market::quote_cache& quotes;
  market::feed& feed;
  const market::halt_list& halts;
  player_directory& players;
  auth::api_key_store& keys;
  db::order_batches& orders;   // new orders go through group commit
  const account_clock& clock;  // the sessions' clock: a player's visits (db/visits.hpp)
  // Test hook: applies a tick as if the feed produced it (quotes and the order flow).
  std::function<void(const market::tick&)> inject_tick = {};
  // A player's backtests running at once (POST /api/rules/backtest), shared by every copy.
  std::shared_ptr<concurrency_gate> backtests = std::make_shared<concurrency_gate>(2);
};

void register_trading_routes(http::router& routes, trading_services s);
// GET /api/account/since-last-visit and its dismissal (visit_api.cpp): browser sessions only.
void register_visit_routes(http::router& routes, const trading_services& s);
// GET /api/insights: the player's analytics over a period of market time (insights_api.cpp).
void register_insights_routes(http::router& routes, const trading_services& s);
// One Alpaca route: signed-in players, by session cookie or API key.
void add_v2_route(http::router& routes, const char* method, const char* path, http::handler fn);
// POST /api/test/price {"symbol","price","day"?}: sets a price (tests drive the order flow).
void register_trading_test_hooks(http::router& routes, trading_services s);

}  // namespace marketsim::api
