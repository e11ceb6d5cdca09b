// What can be traded and when: Alpaca's /v2/assets and /v2/clock, and the public order book
// depth of a symbol (/api/stocks/{symbol}/book) with the house's bid and ask (docs/api.md).
// Handlers run on io threads; assets and the clock come from memory (quote cache, halts, the
// feed's market time), the book from the database through the pool.
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/order_reads.hpp"
#include "marketsim/trading/matcher.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using http::response;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

namespace {

// The simulated market's session: 9:30 to 16:00 New York time (14:30-21:00 UTC), weekdays.
json clock_json(std::int64_t now_ms) {
  constexpr std::int64_t day = 86'400'000, open = (14 * 60 + 30) * 60'000, close = 21 * 3'600'000;
  auto weekday = [](std::int64_t d) {
    return ((d % 7) + 11) % 7 < 5;
  };  // 1970-01-01 was a Thursday
  const std::int64_t today = now_ms / day;
  const std::int64_t in_day = now_ms % day;
  const bool is_open = weekday(today) && in_day >= open && in_day < close;
  std::int64_t next_open_day = today + (in_day < open ? 0 : 1);
  while (!weekday(next_open_day)) ++next_open_day;
  std::int64_t next_close_day = today + (in_day < close ? 0 : 1);
  while (!weekday(next_close_day)) ++next_close_day;
  return json{{"timestamp", format_time(now_ms)},
              {"is_open", is_open},
              {"next_open", format_time(next_open_day * day + open)},
              {"next_close", format_time(next_close_day * day + close)}};
}

json level_json(const trading_repo::book_level& l) {
  return {{"price", market::format_price(l.price)},
          {"qty", std::to_string(l.qty)},
          {"orders", l.orders},
          {"bot_qty", std::to_string(l.bot_qty)},
          {"bot_orders", l.bot_orders}};
}

}  // namespace

void register_asset_routes(http::router& routes, const trading_services& s) {
  add_v2_route(
      routes, "GET", "/v2/assets", answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        if (auto st = ctx.query_value("status"); st && *st != "active" && *st != "inactive")
          co_return fail(errc::bad_request, "status must be active or inactive");
        json out = json::array();
        if (ctx.query_value("status") != std::optional<std::string_view>("inactive"))
          for (const auto& q : s.quotes.all())
            out.push_back(asset_json(q, s.halts.halted(q.info.symbol)));
        co_return http::json_response(200, out);
      }));
  add_v2_route(routes, "GET", "/v2/assets/{symbol}",
               answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                 auto q = s.quotes.find(upper_ascii(ctx.params.at("symbol")));
                 if (!q) co_return fail(errc::not_found, "asset not found");
                 co_return http::json_response(200, asset_json(*q, s.halts.halted(q->info.symbol)));
               }));
  add_v2_route(routes, "GET", "/v2/clock", [s](request_context&) -> asio::awaitable<response> {
    auto t = s.feed.market_time_ms();
    co_return http::json_response(200, clock_json(t ? t : system_now_ms()));
  });

  routes.add("GET", "/api/stocks/{symbol}/book",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               const auto symbol = upper_ascii(ctx.params.at("symbol"));
               auto q = s.quotes.find(symbol);
               if (!q) co_return fail(errc::not_found, "unknown symbol " + symbol);
               int depth = 10;
               if (auto d = ctx.query_value("depth")) {
                 auto n = parse_int_param(*d, 1, 100);
                 if (!n) co_return fail(errc::bad_request, "depth must be 1 to 100");
                 depth = static_cast<int>(*n);
               }
               auto book = co_await run(s.pool, [&](db::connection& c) {
                 return trading_repo::read_book(c, symbol, depth);
               });
               if (!book) co_return std::unexpected(book.error());
               json j{{"symbol", symbol},
                      {"reference", nullptr},
                      {"house_bid", nullptr},
                      {"house_ask", nullptr},
                      {"bids", array_of(book->bids, level_json)},
                      {"asks", array_of(book->asks, level_json)}};
               if (q->price) {
                 j["reference"] = market::format_price(*q->price);
                 j["house_bid"] =
                     market::format_price(trading::house_bid(*q->price, s.cfg.half_spread_e4));
                 j["house_ask"] =
                     market::format_price(trading::house_ask(*q->price, s.cfg.half_spread_e4));
               }
               co_return http::json_response(200, j);
             }));
}

}  // namespace marketsim::api
