// Registration of the market and health endpoints (/api/stocks, candles, movers, status, the
// SSE stream, /healthz, /readyz). Handlers run on io threads; database reads go through the pool.
#pragma once
#include "marketsim/api/settings.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/db/market_repo.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/db/tape_events.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/market/candles.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/halts.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::api {

class home_feed;
class user_changes;

struct market_services {
  const settings& cfg;
  market::quote_cache& quotes;
  market::history_buffer& history;
  market::feed& feed;
  sse::hub& hub;
  db::pool& pool;
  const market::halt_list& halts;
  auth::session_manager& sessions;  // a signed-in stream ends with its session
  // The live tape, whose versions tell the tape route that a new fill came (null: the route
  // keeps what it read for a second).
  db::tape_events* tape = nullptr;
  home_feed* home = nullptr;  // the application's; null: the feed routes make their own
  // Players who changed their account lately (null: none are followed; the route table's test).
  const user_changes* changed_users = nullptr;
};

void register_health_routes(http::router& routes, const market_services& s);
void register_market_routes(http::router& routes, market_services services);
// GET /api/leaderboard (leaderboard_api.cpp).
void register_leaderboard_routes(http::router& routes, const market_services& s);
// GET /api/stocks/{symbol}/trades and /holders (activity_api.cpp).
void register_activity_routes(http::router& routes, const market_services& s);
// GET /api/feed, /api/sectors, /api/sectors/{sector} (home_feed_api.cpp).
void register_feed_routes(http::router& routes, const market_services& s);
// GET /api/users/{tag} and /api/users/{tag}/equity: public profiles (public_profile_api.cpp);
// `clock` dates the fills they may show.
void register_public_profile_routes(http::router& routes, const market_services& s,
                                    const account_clock& clock);

// Candles of one symbol: stored ones merged with the ticks not yet flushed (newest `limit`).
[[nodiscard]] boost::asio::awaitable<result<std::vector<market::candle>>> load_candles(
    const market_services& s, const db::market_repo::candle_query& q);

// Alpaca's market-data shapes (/v2/stocks/{symbol}/bars, /v2/stocks/snapshots), for players.
void register_market_data_routes(http::router& routes, market_services s);

// JSON shape of one stock (docs/api.md); `detail` adds the day statistics; `simulated`: its price
// is invented, not real history or a live quote.
[[nodiscard]] nlohmann::json stock_json(const market::quote& q, bool detail, bool halted,
                                        bool simulated);
// Whether the quote's price is invented rather than real history or a live quote: the invented
// companies always, the others from the market time the provider's simulation starts.
[[nodiscard]] bool simulated_price(const market::quote_provider& provider, const market::quote& q);

}  // namespace marketsim::api
