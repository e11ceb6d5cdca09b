// Orders in Alpaca's shapes: place, list, find (by id or client_order_id), replace, cancel one
// and cancel all (docs/api.md). Handlers run on io threads; each order's transaction runs on the
// pool, and an order is answered only after it committed.
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/db/order_reads.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

namespace {

constexpr std::string_view no_order = "order not found";

// POST /v2/orders: the order, of a symbol that is known, tradable and not halted.
result<trading::order_request> new_order_of(const trading_services& s, const request_context& ctx) {
  auto body = http::parse_json_body(ctx);
  if (!body) return std::unexpected(body.error());
  auto req = trading::parse_order_request(*body);
  if (!req) return req;
  auto q = s.quotes.find(req->symbol);
  if (!q) return fail(errc::not_found, "unknown symbol " + req->symbol);
  if (q->info.kind == market::instrument_kind::index)
    return fail(errc::unprocessable, req->symbol + " is an index, not tradable");
  if (s.halts.halted(req->symbol)) return fail(errc::symbol_halted, req->symbol + " is halted");
  req->trace = ctx.request_id;
  return req;
}

asio::awaitable<outcome> place(const trading_services& s, const request_context&,
                               trading_repo::player player, const trading::order_request& order) {
  const auto mv = view_of(s, order.symbol);
  auto placed = co_await s.orders.place(player, order, mv);
  if (!placed) co_return std::unexpected(placed.error());
  co_return http::json_response(200, trading::order_json(placed->order));
}

result<trading_repo::order_filter> order_filter_of(const trading_services& s,
                                                   const request_context& ctx) {
  trading_repo::order_filter f;
  if (auto st = ctx.query_value("status")) {
    if (*st == "open")
      f.status = trading_repo::order_filter::state::open;
    else if (*st == "closed")
      f.status = trading_repo::order_filter::state::closed;
    else if (*st == "all")
      f.status = trading_repo::order_filter::state::all;
    else
      return fail(errc::bad_request, "status must be open, closed or all");
  }
  if (auto l = ctx.query_value("limit")) {
    auto n = parse_int_param(*l, 1, 500);
    if (!n) return fail(errc::bad_request, "limit must be 1 to 500");
    f.limit = static_cast<int>(*n);
  }
  if (auto d = ctx.query_value("direction")) {
    if (*d != "asc" && *d != "desc")
      return fail(errc::bad_request, "direction must be asc or desc");
    f.ascending = *d == "asc";
  }
  if (auto window = read_time_window(ctx, f.after_ms, f.until_ms); !window)
    return std::unexpected(window.error());
  f.symbols = split_symbols(ctx.query_value("symbols").value_or(""));
  if (f.symbols.size() > 100) return fail(errc::bad_request, "symbols: at most 100");
  for (const auto& sym : f.symbols)
    if (!s.quotes.contains(sym)) return fail(errc::bad_request, "unknown symbol " + sym);
  return f;
}

asio::awaitable<outcome> list(const trading_services& s, const request_context&,
                              trading_repo::player player, const trading_repo::order_filter& f) {
  auto orders = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::list_orders(c, player, f); });
  if (!orders) co_return std::unexpected(orders.error());
  co_return http::json_response(200, array_of(*orders, trading::order_json));
}

result<std::string> client_order_id_of(const trading_services&, const request_context& ctx) {
  auto id = ctx.query_value("client_order_id");
  if (!id || id->empty() || id->size() > trading::max_client_order_id)
    return fail(errc::bad_request, "client_order_id is required");
  return std::string(*id);
}

asio::awaitable<outcome> by_client_order_id(const trading_services& s, const request_context&,
                                            trading_repo::player player,
                                            const std::string& client_id) {
  auto o = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(trading_repo::find_order_by_client_id(c, player, client_id), errc::not_found,
                   no_order);
  });
  if (!o) co_return std::unexpected(o.error());
  co_return http::json_response(200, trading::order_json(*o));
}

asio::awaitable<outcome> by_id(const trading_services& s, const request_context& ctx,
                               trading_repo::player player) {
  const std::string id = ctx.params.at("id");
  auto o = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(trading_repo::find_order(c, player, id), errc::not_found, no_order);
  });
  if (!o) co_return std::unexpected(o.error());
  co_return http::json_response(200, trading::order_json(*o));
}

result<trading::replace_request> replacement_of(const trading_services&,
                                                const request_context& ctx) {
  auto body = http::parse_json_body(ctx);
  if (!body) return std::unexpected(body.error());
  return trading::parse_replace_request(*body);
}

asio::awaitable<outcome> replace(const trading_services& s, const request_context& ctx,
                                 trading_repo::player player, const trading::replace_request& r) {
  const std::string id = ctx.params.at("id");
  // The symbol is only known from the order: read it for the market view first.
  auto existing = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(trading_repo::find_order(c, player, id), errc::not_found, no_order);
  });
  if (!existing) co_return std::unexpected(existing.error());
  const auto mv = view_of(s, existing->symbol);
  auto replaced = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::replace_order(c, player, id, r, mv); });
  if (!replaced) co_return std::unexpected(replaced.error());
  co_return http::json_response(200, trading::order_json(*replaced));
}

asio::awaitable<outcome> cancel(const trading_services& s, const request_context& ctx,
                                trading_repo::player player) {
  const std::string id = ctx.params.at("id");
  auto done = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::cancel_order(c, player, id); });
  if (!done) co_return std::unexpected(done.error());
  co_return no_content();
}

// One transaction per order; each order's own answer in the 207's list.
asio::awaitable<outcome> cancel_all(const trading_services& s, const request_context&,
                                    trading_repo::player player) {
  auto ids = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::open_order_ids(c, player); });
  if (!ids) co_return std::unexpected(ids.error());
  json out = json::array();
  for (const auto& id : *ids) {
    // Each order's own answer, its failure's code included (as close-all gives them).
    auto done = co_await run(
        s.pool, [&](db::connection& c) { return trading_repo::cancel_order(c, player, id); });
    if (done)
      out.push_back(status_item("id", id, trading::order_json(*done)));
    else
      out.push_back(status_item("id", id, done.error()));
  }
  co_return http::json_response(207, out);
}

}  // namespace

void register_order_routes(http::router& routes, const trading_services& s) {
  add_v2_route(routes, "POST", "/v2/orders", player_route(s, new_order_of, place));
  add_v2_route(routes, "GET", "/v2/orders", player_route(s, order_filter_of, list));
  add_v2_route(routes, "GET", "/v2/orders:by_client_order_id",
               player_route(s, client_order_id_of, by_client_order_id));
  add_v2_route(routes, "GET", "/v2/orders/{id}", player_route(s, by_id));
  add_v2_route(routes, "PATCH", "/v2/orders/{id}", player_route(s, replacement_of, replace));
  add_v2_route(routes, "DELETE", "/v2/orders/{id}", player_route(s, cancel));
  add_v2_route(routes, "DELETE", "/v2/orders", player_route(s, cancel_all));
}

}  // namespace marketsim::api
