// What the trading handler files share (account_trading_api, orders_api, positions_api,
// watchlists_api, assets_api): `player_route`, the one way a route reaches the caller's trading
// account, the market view an order is executed against, and each file's registration.
// Handlers run on io threads; their database steps run on the pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/trading_api.hpp"
#include "marketsim/db/orders.hpp"

namespace marketsim::api {

// The signed-in caller's trading account, opened with the starting grant on first use; cached in
// s.players after the first look-up.
[[nodiscard]] boost::asio::awaitable<result<db::trading_repo::player>> player_of(
    const trading_services& s, const http::request_context& ctx);

// A player's route. The request is read first, `read(s, ctx) -> result<R>`, so bad input is
// refused before any database work; then the caller's account is resolved, and
// `handle(s, ctx, player, const R&) -> awaitable<outcome>` does the work. Every error on the
// way is answered by error_answer.
template <class Read, class Handle>
[[nodiscard]] http::handler player_route(const trading_services& s, Read read, Handle handle) {
  return [s, read = std::move(read), handle = std::move(handle)](
             http::request_context& ctx) -> boost::asio::awaitable<http::response> {
    auto request = read(s, ctx);
    if (!request) co_return error_answer(request.error(), ctx);
    auto who = co_await player_of(s, ctx);
    if (!who) co_return error_answer(who.error(), ctx);
    const db::trading_repo::player p = *who;
    auto out = co_await handle(s, ctx, p, *request);
    co_return answer(std::move(out), ctx);
  };
}

// A player's route that reads nothing from the request before the account:
// `handle(s, ctx, player) -> awaitable<outcome>`.
template <class Handle>
[[nodiscard]] http::handler player_route(const trading_services& s, Handle handle) {
  struct nothing {};
  auto read = [](const trading_services&, const http::request_context&) -> result<nothing> {
    return nothing{};
  };
  auto handle_only = [handle = std::move(handle)](
                         const trading_services& s, const http::request_context& ctx,
                         db::trading_repo::player p, nothing) { return handle(s, ctx, p); };
  return player_route(s, read, std::move(handle_only));
}

// The market an order meets: the reference price, the half-spread, the open-order cap and the
// market day.
[[nodiscard]] db::trading_repo::market_view view_of(const trading_services& s,
                                                    const std::string& symbol);
// ?after= and ?until=, each an RFC 3339 time or a date when given; 400 when either is neither.
[[nodiscard]] result<void> read_time_window(const http::request_context& ctx,
                                            std::optional<std::int64_t>& after_ms,
                                            std::optional<std::int64_t>& until_ms);
// Alpaca's asset shape.
[[nodiscard]] nlohmann::json asset_json(const market::quote& q, bool halted);

// Each file's routes (register_trading_routes calls them in this order).
void register_trading_account_routes(http::router& routes, const trading_services& s);
void register_order_routes(http::router& routes, const trading_services& s);
void register_position_routes(http::router& routes, const trading_services& s);
void register_asset_routes(http::router& routes, const trading_services& s);
void register_watchlist_routes(http::router& routes, const trading_services& s);
void register_rule_routes(http::router& routes, const trading_services& s);  // rules_api.cpp

}  // namespace marketsim::api
