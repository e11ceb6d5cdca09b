// The trading endpoints' table (see trading_api.hpp and docs/api.md) and what their files
// share: the player directory, the resolution of the caller's trading account, the market view
// orders meet, the /v2 route kind and the price test hook. The routes themselves live one file
// per resource: account_trading_api (account, activities, portfolio history), orders_api,
// positions_api, assets_api (assets, clock, book) and watchlists_api; API keys beside the
// account API (api_keys_api). Handlers run on io threads; every database step goes through the
// pool.
#include "marketsim/api/trading_api.hpp"

#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

std::optional<std::int64_t> player_directory::find(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(user_id);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

void player_directory::put(std::int64_t user_id, std::int64_t account_id) {
  std::lock_guard lock(mutex_);
  if (accounts_.size() >= 1'000'000) accounts_.clear();
  accounts_[user_id] = account_id;
}

asio::awaitable<result<trading_repo::player>> player_of(const trading_services& s,
                                                        const request_context& ctx) {
  const auto user_id = ctx.principal->user->id;
  if (auto id = s.players.find(user_id)) co_return trading_repo::player{*id, user_id};
  const auto cash = s.cfg.starting_cash_e4;
  auto who = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::ensure_account(c, user_id, cash); });
  if (!who) co_return std::unexpected(who.error());
  s.players.put(user_id, who->account_id);
  co_return *who;
}

trading_repo::market_view view_of(const trading_services& s, const std::string& symbol) {
  return trading_repo::market_view_of(s.quotes, s.feed.market_time_ms(), s.cfg.half_spread_e4,
                                      s.cfg.max_open_orders, symbol);
}

result<void> read_time_window(const request_context& ctx, std::optional<std::int64_t>& after_ms,
                              std::optional<std::int64_t>& until_ms) {
  bool bad = false;
  auto time_param = [&](std::string_view name) -> std::optional<std::int64_t> {
    auto v = ctx.query_value(name);
    if (!v || v->empty()) return std::nullopt;
    auto t = parse_time(*v);
    if (!t) bad = true;
    return t;
  };
  after_ms = time_param("after");
  until_ms = time_param("until");
  if (bad) return fail(errc::bad_request, "after and until must be times");
  return {};
}

json asset_json(const market::quote& q, bool halted) {
  return json{{"id", trading::asset_id(q.info.symbol)},
              {"class", "us_equity"},
              {"exchange", "MARKETSIM"},
              {"symbol", q.info.symbol},
              {"name", q.info.name},
              {"status", "active"},
              {"tradable", q.info.kind != market::instrument_kind::index && !halted},
              {"marginable", false},
              {"maintenance_margin_requirement", 100},
              {"shortable", false},
              {"easy_to_borrow", false},
              {"fractionable", false},
              {"attributes", json::array()}};
}

void add_v2_route(http::router& routes, const char* method, const char* path, http::handler fn) {
  http::endpoint ep(std::move(fn), auth::access::user);
  ep.api_keys = true;
  routes.add(method, path, std::move(ep));
}

void register_trading_routes(http::router& routes, trading_services s) {
  register_trading_account_routes(routes, s);
  register_order_routes(routes, s);
  register_position_routes(routes, s);
  register_asset_routes(routes, s);
  register_watchlist_routes(routes, s);
  register_rule_routes(routes, s);
}

void register_trading_test_hooks(http::router& routes, trading_services s) {
  http::endpoint set_price{answering([s](request_context& ctx) -> asio::awaitable<outcome> {
    auto body = object_body(ctx, {"symbol", "price", "time"});
    if (!body) co_return std::unexpected(body.error());
    auto symbol = required_string(*body, "symbol");
    if (!symbol) co_return std::unexpected(symbol.error());
    auto price = trading::parse_order_price(body->value("price", json()), "price");
    if (!price) co_return std::unexpected(price.error());
    auto q = s.quotes.find(*symbol);
    if (!q) co_return fail(errc::not_found, "unknown symbol " + *symbol);
    market::tick t{*symbol, *price, 100, q->updated_ms ? q->updated_ms : s.feed.market_time_ms()};
    if (body->contains("time")) {
      auto at = (*body)["time"].is_string() ? parse_time((*body)["time"].get<std::string>())
                                            : std::nullopt;
      if (!at) co_return fail(errc::bad_request, "time must be a time");
      t.ts_ms = *at;
    }
    if (s.inject_tick) s.inject_tick(t);
    co_return http::json_response(200, {{"symbol", t.symbol},
                                        {"price", market::format_price(t.price)},
                                        {"time", format_time(t.ts_ms)}});
  })};
  set_price.csrf = false;
  routes.add("POST", "/api/test/price", std::move(set_price));
}

}  // namespace marketsim::api
