// Positions in Alpaca's shapes: list, one, close one and close all (docs/api.md). Closing sells
// at market through the same order path as any order. Handlers run on io threads; the reads and
// each closing order's transaction go through the pool, values come from the quote cache.
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

namespace {

constexpr std::string_view no_position = "position does not exist";

// GET /v2/positions, or with {symbol} the one position.
asio::awaitable<outcome> positions(const trading_services& s, const request_context& ctx,
                                   trading_repo::player player) {
  auto state = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::read_account(c, player); });
  if (!state) co_return std::unexpected(state.error());
  if (auto symbol = ctx.params.find("symbol"); symbol != ctx.params.end()) {
    const auto wanted = upper_ascii(symbol->second);
    for (const auto& p : state->positions)
      if (p.symbol == wanted)
        co_return http::json_response(200, trading::position_json(p, s.quotes));
    co_return fail(errc::not_found, std::string(no_position));
  }
  co_return http::json_response(200, array_of(state->positions, [&](const auto& p) {
                                  return trading::position_json(p, s.quotes);
                                }));
}

// Closing sells what is not already held back by open sells, at market.
asio::awaitable<result<trading_repo::placed>> close_position(const trading_services& s,
                                                             trading_repo::player player,
                                                             const trading::position_record& p) {
  trading::order_request req;
  req.symbol = p.symbol;
  req.qty = p.qty - p.reserved_qty;
  req.order_side = trading::side::sell;
  req.type = trading::order_type::market;
  req.tif = trading::time_in_force::day;
  if (req.qty <= 0) co_return fail(errc::insufficient_qty, "every share is held by an open order");
  if (s.halts.halted(p.symbol)) co_return fail(errc::symbol_halted, p.symbol + " is halted");
  const auto mv = view_of(s, p.symbol);
  co_return co_await s.orders.place(player, req, mv);
}

asio::awaitable<outcome> close_one(const trading_services& s, const request_context& ctx,
                                   trading_repo::player player) {
  const auto symbol = upper_ascii(ctx.params.at("symbol"));
  auto state = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::read_account(c, player); });
  if (!state) co_return std::unexpected(state.error());
  for (const auto& p : state->positions) {
    if (p.symbol != symbol) continue;
    auto placed = co_await close_position(s, player, p);
    if (!placed) co_return std::unexpected(placed.error());
    co_return http::json_response(200, trading::order_json(placed->order));
  }
  co_return fail(errc::not_found, std::string(no_position));
}

asio::awaitable<outcome> close_all(const trading_services& s, const request_context&,
                                   trading_repo::player player) {
  auto state = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::read_account(c, player); });
  if (!state) co_return std::unexpected(state.error());
  json out = json::array();
  for (const auto& p : state->positions) {
    auto placed = co_await close_position(s, player, p);
    out.push_back(placed ? status_item("symbol", p.symbol, trading::order_json(placed->order))
                         : status_item("symbol", p.symbol, placed.error()));
  }
  co_return http::json_response(207, out);
}

}  // namespace

void register_position_routes(http::router& routes, const trading_services& s) {
  add_v2_route(routes, "GET", "/v2/positions", player_route(s, positions));
  add_v2_route(routes, "GET", "/v2/positions/{symbol}", player_route(s, positions));
  add_v2_route(routes, "DELETE", "/v2/positions/{symbol}", player_route(s, close_one));
  add_v2_route(routes, "DELETE", "/v2/positions", player_route(s, close_all));
}

}  // namespace marketsim::api
