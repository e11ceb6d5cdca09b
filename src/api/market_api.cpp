// Market endpoints (see market_api.hpp and docs/api.md). Handlers run on io threads: quotes
// come from the in-memory cache; candles read the database through the pool plus the
// unflushed history buffer.
#include "marketsim/api/market_api.hpp"

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cmath>
#include <mutex>

#include "marketsim/core/time.hpp"
#include "marketsim/db/market_repo.hpp"
#include "marketsim/market/candles.hpp"
#include "marketsim/market/history.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using http::response;
using json = nlohmann::json;

namespace {

json price_or_null(const std::optional<market::price_e4>& p) {
  return p ? json(market::format_price(*p)) : json(nullptr);
}

// Up to a second, until the hub has published `id`.
asio::awaitable<void> await_id(const sse::hub& hub, std::int64_t id) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int i = 0; i < 50 && hub.last_id() < id; ++i) {
    timer.expires_after(std::chrono::milliseconds(20));
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace

bool simulated_price(const market::quote_provider& provider, const market::quote& q) {
  if (q.info.kind == market::instrument_kind::simulated) return true;
  const auto from = provider.simulated_from_ms();
  return from && q.price && q.updated_ms >= *from;
}

json stock_json(const market::quote& q, bool detail, bool halted, bool simulated) {
  json j{{"symbol", q.info.symbol},
         {"name", q.info.name},
         {"sector", q.info.sector},
         {"kind", market::kind_name(q.info.kind)},
         {"price", price_or_null(q.price)},
         {"change", nullptr},
         {"change_percent", nullptr},
         {"updated_at", q.price ? json(format_time(q.updated_ms)) : json(nullptr)},
         {"halted", halted},
         {"simulated", simulated}};
  if (auto ch = market::change_of(q)) {
    j["change"] = market::format_price(ch->amount);
    j["change_percent"] = std::round(ch->percent * 100.0) / 100.0;
  }
  if (detail) {
    j["day_open"] = price_or_null(q.day_open);
    j["day_high"] = price_or_null(q.day_high);
    j["day_low"] = price_or_null(q.day_low);
    j["previous_close"] = price_or_null(q.previous_close);
    j["volume"] = q.day_volume;
  }
  return j;
}

asio::awaitable<result<std::vector<market::candle>>> load_candles(
    const market_services& s, const db::market_repo::candle_query& q) {
  // The watermark and the unflushed ticks are taken together, so nothing is counted twice.
  auto snap = s.history.for_symbol(q.symbol);
  auto query = q;
  query.max_seq = snap.flushed_seq;
  auto stored = co_await run(
      s.pool, [&query](db::connection& c) { return db::market_repo::candles(c, query); });
  if (!stored) co_return std::unexpected(stored.error());
  std::erase_if(snap.unflushed, [&](const market::tick& t) {
    return (q.from_ms && t.ts_ms < *q.from_ms) || (q.to_ms && t.ts_ms >= *q.to_ms);
  });
  auto recent = market::aggregate(snap.unflushed, q.interval_ms);
  auto merged = market::merge(*stored, recent);
  if (merged.size() > q.limit)
    merged.erase(merged.begin(), merged.end() - static_cast<std::ptrdiff_t>(q.limit));
  co_return merged;
}

void register_market_routes(http::router& routes, market_services s) {
  // The list changes once per feed step but is read by every visitor: serialize it once per
  // step (keyed by the feed's sequence number) and share the text.
  struct cached_body {
    std::mutex mutex;
    std::int64_t seq = -1;
    std::uint64_t halts = 0;
    std::shared_ptr<const std::string> body;
  };
  auto stocks_cache = std::make_shared<cached_body>();
  routes.add("GET", "/api/stocks",
             [s, stocks_cache](request_context&) -> asio::awaitable<response> {
               std::int64_t seq = s.feed.last_seq();
               std::uint64_t halts = s.halts.version();
               std::shared_ptr<const std::string> body;
               {
                 std::lock_guard lock(stocks_cache->mutex);
                 if (stocks_cache->seq == seq && stocks_cache->halts == halts)
                   body = stocks_cache->body;
               }
               if (!body) {
                 json list = json::array();
                 std::int64_t newest = 0;
                 for (const auto& q : s.quotes.all()) {
                   list.push_back(stock_json(q, false, s.halts.halted(q.info.symbol),
                                             simulated_price(s.feed.provider(), q)));
                   if (q.price) newest = std::max(newest, q.updated_ms);
                 }
                 json doc{{"stocks", std::move(list)},
                          {"as_of", newest ? json(format_time(newest)) : json(nullptr)}};
                 body = std::make_shared<const std::string>(doc.dump());
                 std::lock_guard lock(stocks_cache->mutex);
                 stocks_cache->seq = seq;
                 stocks_cache->halts = halts;
                 stocks_cache->body = body;
               }
               response r;
               r.shared_body = std::move(body);
               co_return r;
             });

  routes.add("GET", "/api/stocks/{symbol}",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               auto symbol = upper_ascii(ctx.params.at("symbol"));
               auto q = s.quotes.find(symbol);
               if (!q) co_return fail(errc::not_found, "unknown symbol " + symbol);
               co_return http::json_response(200,
                                             stock_json(*q, true, s.halts.halted(symbol),
                                                        simulated_price(s.feed.provider(), *q)));
             }));

  routes.add(
      "GET", "/api/stocks/{symbol}/candles",
      answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto symbol = upper_ascii(ctx.params.at("symbol"));
        if (!s.quotes.contains(symbol)) co_return fail(errc::not_found, "unknown symbol " + symbol);
        auto interval_text = ctx.query_value("interval").value_or("1m");
        auto interval = market::parse_interval(interval_text);
        if (!interval)
          co_return fail(errc::invalid_range,
                         fmt::format("interval '{}' is not one of 1m, 5m, 1h, 1d", interval_text));
        db::market_repo::candle_query q;
        q.symbol = symbol;
        q.interval_ms = *interval;
        for (auto [name, target] : {std::pair{"from", &q.from_ms}, std::pair{"to", &q.to_ms}}) {
          if (auto text = ctx.query_value(name)) {
            auto t = parse_time(*text);
            if (!t)
              co_return fail(errc::invalid_range,
                             fmt::format("{} '{}' is not an RFC 3339 time or a date", name, *text));
            *target = *t;
          }
        }
        if (q.from_ms && q.to_ms && *q.from_ms >= *q.to_ms)
          co_return fail(errc::invalid_range, "from must be earlier than to");
        if (auto text = ctx.query_value("limit")) {
          auto limit = parse_int_param(*text, 1, 5000);
          if (!limit)
            co_return fail(errc::bad_request, "limit must be a whole number from 1 to 5000");
          q.limit = static_cast<std::size_t>(*limit);
        }
        auto merged = co_await load_candles(s, q);
        if (!merged) co_return std::unexpected(merged.error());
        json out = json::array();
        for (const auto& c : *merged)
          out.push_back({{"time", format_time(c.start_ms)},
                         {"open", market::format_price(c.open)},
                         {"high", market::format_price(c.high)},
                         {"low", market::format_price(c.low)},
                         {"close", market::format_price(c.close)},
                         {"volume", c.volume}});
        co_return http::json_response(
            200, {{"symbol", symbol}, {"interval", interval_text}, {"candles", std::move(out)}});
      }));

  routes.add("GET", "/api/market/movers",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               std::size_t count = 5;
               if (auto text = ctx.query_value("count")) {
                 auto n = parse_int_param(*text, 1, 50);
                 if (!n) co_return fail(errc::bad_request, "count must be 1 to 50");
                 count = static_cast<std::size_t>(*n);
               }
               auto m = s.quotes.top_movers(count);
               auto list = [&s](const std::vector<market::quote>& qs) {
                 json a = json::array();
                 for (const auto& q : qs) {
                   auto j = stock_json(q, false, s.halts.halted(q.info.symbol),
                                       simulated_price(s.feed.provider(), q));
                   j["volume"] = q.day_volume;
                   a.push_back(std::move(j));
                 }
                 return a;
               };
               co_return http::json_response(200, {{"gainers", list(m.gainers)},
                                                   {"losers", list(m.losers)},
                                                   {"most_active", list(m.most_active)}});
             }));

  routes.add("GET", "/api/market/status", [s](request_context&) -> asio::awaitable<response> {
    auto t = s.feed.market_time_ms();
    // Since when the prices are a simulation: a replay's continuation after its real history
    // (null for a market that is simulated throughout, or never).
    const auto from = s.feed.provider().simulated_from_ms();
    json since =
        from && *from > 0 ? json(market::format_iso_date(market::day_of_ms(*from))) : json(nullptr);
    co_return http::json_response(200, {{"provider", s.feed.provider().name()},
                                        {"market_time", t ? json(format_time(t)) : json(nullptr)},
                                        {"simulated", from && t >= *from},
                                        {"simulated_since", std::move(since)},
                                        {"tick_interval_ms", s.feed.interval().count()},
                                        {"last_event_id", s.feed.last_seq()}});
  });

  routes.add(
      "GET", "/api/stream", answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        std::set<std::string, std::less<>> filter;
        auto wanted = split_symbols(ctx.query_value("symbols").value_or(""));
        for (auto& sym : wanted) {
          if (!s.quotes.contains(sym)) co_return fail(errc::not_found, "unknown symbol " + sym);
          filter.insert(std::move(sym));
        }
        std::optional<std::int64_t> last_id;
        if (auto h = ctx.header("Last-Event-ID"))
          last_id = sse::parse_last_event_id(*h);
        else if (auto q = ctx.query_value("last_event_id"))
          last_id = sse::parse_last_event_id(*q);
        // On a follower the id may be one the leader published a moment ago: give the relay a
        // second to bring it before taking it for an unknown id (a reset). The leader gave out
        // every id itself, so one beyond its last is unknown at once.
        if (last_id && *last_id > s.hub.last_id() && !s.feed.leading())
          co_await await_id(s.hub, *last_id);
        auto executor = co_await asio::this_coro::executor;
        auto sub =
            s.hub.subscribe(executor, sse::subscription{std::move(filter), last_id,
                                                        ctx.principal ? ctx.principal->user->id : 0,
                                                        ctx.client_address});
        if (!sub) {
          // A slot frees only when some stream closes: a short, fixed wait.
          co_return http::with_retry_after(error_answer(sub.error(), ctx), std::chrono::seconds(5));
        }
        response r;
        r.stream = *sub;
        sse::hub* hub = &s.hub;
        if (ctx.principal) {
          auto* sessions = &s.sessions;
          auto hash = ctx.principal->session_hash;
          sessions->attach_stream(hash, ctx.principal->user->id, *sub,
                                  [weak = std::weak_ptr(*sub)] {
                                    if (auto open = weak.lock()) open->close();
                                  });
          r.on_stream_end = [hub, sub = *sub, sessions, hash] {
            sessions->detach_stream(hash, sub.get());
            hub->unsubscribe(sub);
          };
        } else {
          r.on_stream_end = [hub, sub = *sub] { hub->unsubscribe(sub); };
        }
        co_return r;
      }));
}

}  // namespace marketsim::api
