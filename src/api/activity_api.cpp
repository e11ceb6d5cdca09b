// The stock page's market activity (issue 11, docs/api.md), public: a symbol's tape
// (GET /api/stocks/{symbol}/trades) and its top holders among players with a public profile
// (GET /api/stocks/{symbol}/holders: weights, never shares). Handlers run on io threads; the
// reads run on the pool, the tape's once per new fill heard (db::tape_events' version), the
// holders' at most once every 5 s per symbol.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/read_cache.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/activity_reads.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace activity = db::activity_repo;

namespace {

constexpr int max_trades = 100;
constexpr int max_holders = 50;

// The route's `limit`, or an error naming its bounds.
result<int> limit_of(const request_context& ctx, int fallback, int max) {
  auto text = ctx.query_value("limit");
  if (!text) return fallback;
  auto n = parse_int_param(*text, 1, max);
  if (!n)
    return fail(errc::bad_request, fmt::format("limit must be a whole number from 1 to {}", max));
  return static_cast<int>(*n);
}

// What one symbol's cached read holds: always the most a request may ask for, cut per request.
struct holders_read {
  std::int64_t as_of_ms = 0;
  std::vector<json> holders;  // largest first, with their weights
};

}  // namespace

void register_activity_routes(http::router& routes, const market_services& s) {
  // Without the live tape (tests wiring routes alone) a read is good for a second.
  auto trades = std::make_shared<read_cache<std::vector<trading::tape_trade>>>(
      s.tape ? std::chrono::seconds(60) : std::chrono::seconds(1));
  routes.add(
      "GET", "/api/stocks/{symbol}/trades",
      answering([s, trades](request_context& ctx) -> asio::awaitable<outcome> {
        const auto symbol = upper_ascii(ctx.params.at("symbol"));
        if (!s.quotes.contains(symbol)) co_return fail(errc::not_found, "unknown symbol " + symbol);
        auto limit = limit_of(ctx, 50, max_trades);
        if (!limit) co_return std::unexpected(limit.error());
        const std::uint64_t version = s.tape ? s.tape->version(symbol) : 0;
        auto [cached, must_read] = trades->get(symbol, version);
        if (must_read) {
          auto read = co_await run(s.pool, [&](db::connection& c) {
            return activity::recent_trades(c, symbol, max_trades);
          });
          if (!read) {
            trades->store(symbol, version, nullptr);
            co_return std::unexpected(read.error());
          }
          auto fresh = std::make_shared<const std::vector<trading::tape_trade>>(std::move(*read));
          cached = fresh;
          trades->store(symbol, version, std::move(fresh));
        }
        json out = json::array();
        for (std::size_t i = 0; i < cached->size() && i < static_cast<std::size_t>(*limit); ++i)
          out.push_back(trading::tape_json((*cached)[i]));
        co_return http::json_response(200, {{"symbol", symbol}, {"trades", std::move(out)}});
      }));

  auto holders = std::make_shared<read_cache<holders_read>>(std::chrono::seconds(5));
  routes.add(
      "GET", "/api/stocks/{symbol}/holders",
      answering([s, holders](request_context& ctx) -> asio::awaitable<outcome> {
        const auto symbol = upper_ascii(ctx.params.at("symbol"));
        if (!s.quotes.contains(symbol)) co_return fail(errc::not_found, "unknown symbol " + symbol);
        auto limit = limit_of(ctx, 10, max_holders);
        if (!limit) co_return std::unexpected(limit.error());
        auto [cached, must_read] = holders->get(symbol, 0);
        if (must_read) {
          auto read = co_await run(s.pool, [&](db::connection& c) {
            return activity::top_holders(c, symbol, max_holders);
          });
          if (!read) {
            holders->store(symbol, 0, nullptr);
            co_return std::unexpected(read.error());
          }
          // Weighed at today's prices once per read, not per request.
          auto fresh = std::make_shared<holders_read>();
          fresh->as_of_ms = s.feed.market_time_ms();
          const auto price_of = [&s](std::string_view sym) -> std::optional<trading::price_e4> {
            auto q = s.quotes.find(sym);
            return q ? q->price : std::nullopt;
          };
          for (const auto& h : *read)
            if (auto ppm = trading::weight_ppm(h, symbol, price_of))
              fresh->holders.push_back(trading::holder_json(h, *ppm));
          cached = fresh;
          holders->store(symbol, 0, std::move(fresh));
        }
        json out = json::array();
        for (std::size_t i = 0; i < cached->holders.size() && i < static_cast<std::size_t>(*limit);
             ++i)
          out.push_back(cached->holders[i]);
        co_return http::json_response(
            200, {{"symbol", symbol},
                  {"as_of", cached->as_of_ms ? json(format_time(cached->as_of_ms)) : json(nullptr)},
                  {"holders", std::move(out)}});
      }));
}

}  // namespace marketsim::api
