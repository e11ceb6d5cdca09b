// Alpaca's market-data shapes over marketsim's own market (see market_api.hpp, docs/api.md):
// bars from the stored and buffered ticks, snapshots from the quote cache with the house's bid
// and ask as the quote. Handlers run on io threads; candles read the database through the pool.
// These numbers are for display and analysis, so they are JSON numbers like Alpaca's; orders
// and money never go through them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/trading_api.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/trading/matcher.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using http::response;
using json = nlohmann::json;

namespace {

double number(market::price_e4 p) {
  return static_cast<double>(p) / static_cast<double>(market::price_scale);
}

json bar_json(const market::candle& c) {
  return json{{"t", format_time(c.start_ms)}, {"o", number(c.open)},  {"h", number(c.high)},
              {"l", number(c.low)},           {"c", number(c.close)}, {"v", c.volume}};
}

// Alpaca's timeframes that marketsim's candles support.
std::optional<std::int64_t> timeframe_ms(std::string_view tf) {
  static const std::pair<std::string_view, std::int64_t> table[] = {
      {"1Min", 60'000},     {"5Min", 300'000},    {"15Min", 900'000},
      {"30Min", 1'800'000}, {"1Hour", 3'600'000}, {"1H", 3'600'000},
      {"1Day", 86'400'000}, {"1D", 86'400'000},   {"1T", 60'000}};
  for (const auto& [name, ms] : table)
    if (name == tf) return ms;
  return std::nullopt;
}

// The last trade: the last tick. Only for a quote with a price.
json trade_json(const market::quote& q) {
  return {{"t", format_time(q.updated_ms)},
          {"x", "M"},
          {"p", number(*q.price)},
          {"s", 100},
          {"c", json::array({"@"})},
          {"i", 0},
          {"z", "M"}};
}

// The quote: the house's bid and ask around the last price.
json quote_json(const market::quote& q, market::price_e4 half_spread) {
  return {{"t", format_time(q.updated_ms)},
          {"ax", "M"},
          {"ap", number(trading::house_ask(*q.price, half_spread))},
          {"as", 1},
          {"bx", "M"},
          {"bp", number(trading::house_bid(*q.price, half_spread))},
          {"bs", 1},
          {"c", json::array({"R"})},
          {"z", "M"}};
}

json snapshot_json(const market::quote& q, market::price_e4 half_spread,
                   std::optional<market::candle> minute) {
  json s;
  if (!q.price)
    return json{{"latestTrade", nullptr},
                {"latestQuote", nullptr},
                {"minuteBar", nullptr},
                {"dailyBar", nullptr},
                {"prevDailyBar", nullptr}};
  s["latestTrade"] = trade_json(q);
  s["latestQuote"] = quote_json(q, half_spread);
  s["minuteBar"] = minute ? bar_json(*minute) : json(nullptr);
  auto day_start = q.updated_ms - q.updated_ms % 86'400'000;
  s["dailyBar"] = {{"t", format_time(day_start)},
                   {"o", number(q.day_open.value_or(*q.price))},
                   {"h", number(q.day_high.value_or(*q.price))},
                   {"l", number(q.day_low.value_or(*q.price))},
                   {"c", number(*q.price)},
                   {"v", q.day_volume}};
  s["prevDailyBar"] = q.previous_close ? json{{"t", format_time(day_start - 86'400'000)},
                                              {"c", number(*q.previous_close)}}
                                       : json(nullptr);
  return s;
}

// Bars of one symbol for the request's timeframe/start/end/limit.
asio::awaitable<result<json>> bars_of(const market_services& s, const request_context& ctx,
                                      const std::string& symbol) {
  if (!s.quotes.contains(symbol)) co_return fail(errc::not_found, "unknown symbol " + symbol);
  auto tf = ctx.query_value("timeframe").value_or("1Day");
  auto interval = timeframe_ms(tf);
  if (!interval)
    co_return fail(errc::invalid_range,
                   "timeframe must be 1Min, 5Min, 15Min, 30Min, 1Hour or 1Day");
  db::market_repo::candle_query q;
  q.symbol = symbol;
  q.interval_ms = *interval;
  q.limit = 1000;
  for (auto [name, target] : {std::pair{"start", &q.from_ms}, std::pair{"end", &q.to_ms}}) {
    if (auto text = ctx.query_value(name); text && !text->empty()) {
      auto t = parse_time(*text);
      if (!t) co_return fail(errc::invalid_range, fmt::format("{} is not a time", name));
      *target = *t;
    }
  }
  if (q.from_ms && q.to_ms && *q.from_ms >= *q.to_ms)
    co_return fail(errc::invalid_range, "start must be earlier than end");
  if (auto text = ctx.query_value("limit")) {
    auto limit = parse_int_param(*text, 1, 10'000);
    if (!limit) co_return fail(errc::bad_request, "limit must be 1 to 10000");
    q.limit = static_cast<std::size_t>(*limit);
  }
  auto candles = co_await load_candles(s, q);
  if (!candles) co_return std::unexpected(candles.error());
  json bars = json::array();
  for (const auto& c : *candles) bars.push_back(bar_json(c));
  co_return bars;
}

}  // namespace

void register_market_data_routes(http::router& routes, market_services s) {
  add_v2_route(
      routes, "GET", "/v2/stocks/{symbol}/bars",
      answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        const auto symbol = upper_ascii(ctx.params.at("symbol"));
        auto bars = co_await bars_of(s, ctx, symbol);
        if (!bars) co_return std::unexpected(bars.error());
        co_return http::json_response(
            200, {{"symbol", symbol}, {"bars", std::move(*bars)}, {"next_page_token", nullptr}});
      }));
  add_v2_route(routes, "GET", "/v2/stocks/bars",
               answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                 auto symbols = split_symbols(ctx.query_value("symbols").value_or(""));
                 if (symbols.empty() || symbols.size() > 100)
                   co_return fail(errc::bad_request, "symbols: 1 to 100");
                 json out = json::object();
                 for (const auto& symbol : symbols) {
                   auto bars = co_await bars_of(s, ctx, symbol);
                   if (!bars) co_return std::unexpected(bars.error());
                   out[symbol] = std::move(*bars);
                 }
                 co_return http::json_response(
                     200, {{"bars", std::move(out)}, {"next_page_token", nullptr}});
               }));
  auto snapshot = [s](const std::string& symbol) -> asio::awaitable<std::optional<json>> {
    auto q = s.quotes.find(symbol);
    if (!q) co_return std::nullopt;
    db::market_repo::candle_query cq;
    cq.symbol = symbol;
    cq.interval_ms = 60'000;
    cq.limit = 1;
    std::optional<market::candle> minute;
    auto last = co_await load_candles(s, cq);
    if (last && !last->empty()) minute = last->back();
    co_return snapshot_json(*q, s.cfg.half_spread_e4, minute);
  };
  // The latest trade, quote or minute bar, of one symbol or several.
  struct latest_kind {
    const char* path;  // "trades", "quotes", "bars"
    const char* one;   // the member of a single answer
  };
  for (auto kind : {latest_kind{"trades", "trade"}, latest_kind{"quotes", "quote"},
                    latest_kind{"bars", "bar"}}) {
    auto latest = [s, kind](const std::string& symbol) -> asio::awaitable<std::optional<json>> {
      auto q = s.quotes.find(symbol);
      if (!q || !q->price) co_return std::nullopt;
      if (kind.one == std::string_view("trade")) co_return trade_json(*q);
      if (kind.one == std::string_view("quote")) co_return quote_json(*q, s.cfg.half_spread_e4);
      db::market_repo::candle_query cq;
      cq.symbol = symbol;
      cq.interval_ms = 60'000;
      cq.limit = 1;
      auto last = co_await load_candles(s, cq);
      if (!last || last->empty()) co_return std::nullopt;
      co_return bar_json(last->back());
    };
    const auto one_path = fmt::format("/v2/stocks/{{symbol}}/{}/latest", kind.path);
    add_v2_route(routes, "GET", one_path.c_str(),
                 answering([latest, kind](request_context& ctx) -> asio::awaitable<outcome> {
                   const auto symbol = upper_ascii(ctx.params.at("symbol"));
                   auto one = co_await latest(symbol);
                   if (!one) co_return fail(errc::not_found, "no data for " + symbol);
                   co_return http::json_response(200, {{"symbol", symbol}, {kind.one, *one}});
                 }));
    const auto many_path = fmt::format("/v2/stocks/{}/latest", kind.path);
    add_v2_route(routes, "GET", many_path.c_str(),
                 answering([latest, kind](request_context& ctx) -> asio::awaitable<outcome> {
                   auto symbols = split_symbols(ctx.query_value("symbols").value_or(""));
                   if (symbols.empty() || symbols.size() > 100)
                     co_return fail(errc::bad_request, "symbols: 1 to 100");
                   json out = json::object();
                   for (const auto& symbol : symbols)
                     if (auto one = co_await latest(symbol)) out[symbol] = std::move(*one);
                   co_return http::json_response(200, {{kind.path, std::move(out)}});
                 }));
  }
  add_v2_route(routes, "GET", "/v2/stocks/snapshots",
               answering([snapshot](request_context& ctx) -> asio::awaitable<outcome> {
                 auto symbols = split_symbols(ctx.query_value("symbols").value_or(""));
                 if (symbols.empty() || symbols.size() > 100)
                   co_return fail(errc::bad_request, "symbols: 1 to 100");
                 json out = json::object();
                 for (const auto& symbol : symbols) {
                   auto snap = co_await snapshot(symbol);
                   out[symbol] = snap ? std::move(*snap) : json(nullptr);
                 }
                 co_return http::json_response(200, out);
               }));
  add_v2_route(routes, "GET", "/v2/stocks/{symbol}/snapshot",
               answering([snapshot](request_context& ctx) -> asio::awaitable<outcome> {
                 const auto symbol = upper_ascii(ctx.params.at("symbol"));
                 auto snap = co_await snapshot(symbol);
                 if (!snap) co_return fail(errc::not_found, "unknown symbol " + symbol);
                 auto body = std::move(*snap);
                 body["symbol"] = symbol;
                 co_return http::json_response(200, body);
               }));
}

}  // namespace marketsim::api
