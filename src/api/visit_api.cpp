// "Since you were away" (issue 11; docs/api.md): GET /api/account/since-last-visit summarizes
// what happened between the end of the player's previous visit and now (equity then and now,
// fills of their resting orders meanwhile, the biggest moves among their holdings, their rank
// on the all-time leaderboard then and now), and POST .../dismiss hides the summary card for
// the rest of the visit. Browser sessions only: a visit is the player's own time on the site
// (db/visits.hpp), which a program's API key does not make. Handlers run on io threads; the
// reads, one pool job, on a db pool thread; the present is valued at the quote cache's prices.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/leaderboard.hpp"
#include "marketsim/db/visits.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;
namespace visit_repo = db::visit_repo;
namespace board = db::leaderboard_repo;

namespace {

constexpr std::size_t moves_shown = 3;

// A visit is named by its start on the sessions' clock, in epoch ms: opaque to clients.
std::string visit_id(const visit_repo::visit& v) {
  return std::to_string(v.started_ms);
}

json time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json(format_time(*ms)) : json(nullptr);
}

struct gathered {
  visit_repo::visit visit;
  trading_repo::account_state state;
  visit_repo::away_summary away;
  std::vector<board::standing> board_now;
};

json rank_json(const gathered& g, std::int64_t user_id) {
  auto rank = [](std::optional<std::size_t> r) { return r ? json(*r) : json(nullptr); };
  return {{"then", rank(visit_repo::rank_of(g.away.board_then, user_id))},
          {"now", rank(visit_repo::rank_of(g.board_now, user_id))},
          {"players_then", g.away.board_then.size()},
          {"players_now", g.board_now.size()}};
}

json moves_json(const gathered& g, const market::quote_cache& quotes) {
  std::vector<visit_repo::holding_move> moves;
  for (const auto& p : g.state.positions) {
    visit_repo::holding_move m{p.symbol, p.qty, 0, 0};
    for (const auto& [symbol, price] : g.away.prices_then)
      if (symbol == p.symbol) m.then = price;
    auto q = quotes.find(p.symbol);
    if (!q || !q->price) continue;
    m.now = *q->price;
    moves.push_back(std::move(m));
  }
  json out = json::array();
  for (const auto& m : visit_repo::biggest_moves(std::move(moves), moves_shown)) {
    const double percent =
        static_cast<double>(m.now - m.then) * 100.0 / static_cast<double>(m.then);
    out.push_back({{"symbol", m.symbol},
                   {"qty", std::to_string(m.qty)},
                   {"price_then", market::format_price(m.then)},
                   {"price_now", market::format_price(m.now)},
                   {"change", market::format_price(m.now - m.then)},
                   {"change_percent", std::round(percent * 100.0) / 100.0}});
  }
  return out;
}

asio::awaitable<outcome> since_last_visit(const trading_services& s, const request_context&,
                                          trading_repo::player player) {
  const auto now = s.clock.now_ms();
  auto read = co_await run(s.pool, [&](db::connection& c) {
    gathered g;
    g.visit = visit_repo::note_activity(c, player.user_id, now);
    g.state = trading_repo::read_account(c, player);
    std::vector<std::string> held;
    for (const auto& p : g.state.positions) held.push_back(p.symbol);
    g.away = visit_repo::read_away_summary(c, player.user_id, player.account_id, held);
    if (g.away.then.away_from_ms) {
      // The leaderboard's own standings, as GET /api/leaderboard?period=all ranks them.
      g.board_now = board::read_board(c, board::period::all).standings;
      board::rank_by_return(g.board_now);
    }
    return g;
  });
  if (!read) co_return std::unexpected(read.error());
  const auto& g = *read;
  const auto v = trading::value_positions(g.state.positions, s.quotes);
  const auto equity_now = g.state.account.cash + v.long_market_value;
  json fills = json::array();
  for (const auto& f : g.away.fills)
    fills.push_back({{"order_id", f.order_id},
                     {"symbol", f.symbol},
                     {"side", f.side},
                     {"qty", std::to_string(f.qty)},
                     {"price", market::format_price(f.price)},
                     {"time", format_time(f.at_ms)}});
  const bool away = g.away.then.away_from_ms.has_value();
  co_return http::json_response(
      200, {{"visit_id", visit_id(g.visit)},
            {"visit_started_at", format_time(g.visit.started_ms)},
            {"previous_visit_ended_at", time_or_null(g.away.then.away_from_ms)},
            {"dismissed", g.visit.dismissed},
            {"equity_then", market::format_price(g.away.then.equity)},
            {"equity_now", market::format_price(equity_now)},
            {"change", market::format_price(equity_now - g.away.then.equity)},
            {"fills", std::move(fills)},
            {"fill_count", g.away.fill_count},
            {"moves", away ? moves_json(g, s.quotes) : json::array()},
            {"rank", away ? rank_json(g, player.user_id) : json(nullptr)}});
}

result<std::int64_t> dismissal_of(const trading_services&, const request_context& ctx) {
  auto body = object_body(ctx, {"visit_id"});
  if (!body) return std::unexpected(body.error());
  auto id = required_string(*body, "visit_id");
  if (!id) return std::unexpected(id.error());
  auto started = parse_int_param(*id, 0, std::numeric_limits<std::int64_t>::max());
  if (!started) return fail(errc::bad_request, "visit_id is not one this API gave");
  return *started;
}

asio::awaitable<outcome> dismiss(const trading_services& s, const request_context&,
                                 trading_repo::player player, const std::int64_t& started_ms) {
  const auto now = s.clock.now_ms();
  auto done = co_await run(s.pool, [&](db::connection& c) {
    // A dismissal is activity too; a visit that already ended keeps nothing to hide, and the
    // new one's card stays.
    (void)visit_repo::note_activity(c, player.user_id, now);
    return visit_repo::dismiss(c, player.user_id, started_ms);
  });
  if (!done) co_return std::unexpected(done.error());
  co_return no_content();
}

}  // namespace

void register_visit_routes(http::router& routes, const trading_services& s) {
  routes.add("GET", "/api/account/since-last-visit",
             {player_route(s, since_last_visit), auth::access::user});
  routes.add("POST", "/api/account/since-last-visit/dismiss",
             {player_route(s, dismissal_of, dismiss), auth::access::user});
}

}  // namespace marketsim::api
