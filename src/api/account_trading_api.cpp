// The player's trading account in Alpaca's shapes: GET /v2/account, its activities (fills) and
// its portfolio history (docs/api.md). Handlers run on io threads; the reads go through the pool,
// and equity is valued at the quote cache's prices.
#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/crypto.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/equity.hpp"
#include "marketsim/db/order_reads.hpp"
#include "marketsim/db/visits.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

namespace {

asio::awaitable<outcome> account(const trading_services& s, const request_context& ctx,
                                 trading_repo::player player) {
  const bool browser = !ctx.by_api_key && ctx.principal && !ctx.principal->session_hash.empty();
  const auto now = s.clock.now_ms();
  auto read = co_await run(s.pool, [&](db::connection& c) {
    // The player's own request is activity: the first one after an absence starts the visit
    // before the baseline is read, whichever of a page's requests comes first.
    if (browser) (void)db::visit_repo::note_activity(c, player.user_id, now);
    auto base = db::visit_repo::read_baseline(c, player.user_id, player.account_id);
    return std::pair{trading_repo::read_account(c, player), base};
  });
  if (!read) co_return std::unexpected(read.error());
  auto& [state, base] = *read;
  if (browser) {
    // The equity when this session first looked: the header's "since you signed in".
    auto v = trading::value_positions(state.positions, s.quotes);
    const auto equity = state.account.cash + v.long_market_value;
    const auto hash = hex(ctx.principal->session_hash);
    auto login = co_await run(s.pool, [&](db::connection& c) {
      return trading_repo::session_login_equity(c, hash, equity);
    });
    if (login) state.account.login_equity = *login;
  }
  auto out = trading::account_json(state.account, state.positions, s.quotes);
  // The header's change is measured from here (docs/api.md).
  out["previous_visit_equity"] = market::format_price(base.equity);
  out["previous_visit_ended_at"] =
      base.away_from_ms ? json(format_time(*base.away_from_ms)) : json(nullptr);
  co_return http::json_response(200, out);
}

// Only fills happen here: asking for other types (by path or `activity_types`) finds none.
bool asks_for_fills(const request_context& ctx) {
  std::vector<std::string> types;
  if (auto type = ctx.params.find("type"); type != ctx.params.end())
    types.push_back(upper_ascii(type->second));
  else if (auto list = ctx.query_value("activity_types"))
    types = split_symbols(*list);
  return types.empty() || std::find(types.begin(), types.end(), "FILL") != types.end();
}

asio::awaitable<http::response> no_activities() {
  co_return http::json_response(200, json::array());
}

result<trading_repo::activity_page> activity_page_of(const trading_services&,
                                                     const request_context& ctx) {
  trading_repo::activity_page p;
  if (auto d = ctx.query_value("direction")) {
    if (*d != "asc" && *d != "desc")
      return fail(errc::bad_request, "direction must be asc or desc");
    p.ascending = *d == "asc";
  }
  if (auto l = ctx.query_value("page_size")) {
    auto n = parse_int_param(*l, 1, 100);
    if (!n) return fail(errc::bad_request, "page_size must be 1 to 100");
    p.limit = static_cast<int>(*n);
  }
  if (auto t = ctx.query_value("page_token"); t && !t->empty()) {
    // "<fill id>::<order id>": the fill id orders the pages.
    auto n =
        parse_int_param(t->substr(0, t->find(':')), 1, std::numeric_limits<std::int64_t>::max());
    if (!n) return fail(errc::bad_request, "page_token is not an activity id");
    (p.ascending ? p.after_fill : p.before_fill) = *n;
  }
  if (auto window = read_time_window(ctx, p.after_ms, p.until_ms); !window)
    return std::unexpected(window.error());
  return p;
}

asio::awaitable<outcome> activities(const trading_services& s, const request_context&,
                                    trading_repo::player player,
                                    const trading_repo::activity_page& p) {
  auto list = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::activities(c, player, p); });
  if (!list) co_return std::unexpected(list.error());
  co_return http::json_response(200, array_of(*list, trading::activity_json));
}

// "1D", "2W", "1M", "3M", "1A", "all" → milliseconds (-1: all).
std::optional<std::int64_t> period_ms(std::string_view p) {
  if (p == "all") return -1;
  if (p.size() < 2) return std::nullopt;
  auto n = parse_int_param(p.substr(0, p.size() - 1), 1, 1000);
  if (!n) return std::nullopt;
  constexpr std::int64_t day = 86'400'000;
  switch (p.back()) {
    case 'D':
      return *n * day;
    case 'W':
      return *n * 7 * day;
    case 'M':
      return *n * 30 * day;
    case 'A':
      return *n * 365 * day;
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> history_timeframe_ms(std::string_view tf) {
  if (tf == "1Min") return 60'000;
  if (tf == "5Min") return 300'000;
  if (tf == "15Min") return 900'000;
  if (tf == "1H") return 3'600'000;
  if (tf == "1D") return 86'400'000;
  return std::nullopt;
}

struct history_request {
  std::int64_t span_ms = 0;  // negative: all
  std::string timeframe;
  std::int64_t bucket_ms = 0;
};

result<history_request> history_request_of(const trading_services&, const request_context& ctx) {
  auto span = period_ms(ctx.query_value("period").value_or("1M"));
  if (!span)
    return fail(errc::bad_request,
                "period is a number and D, W, M or A (1D, 1W, 1M, 3M, 1A), or all");
  std::string tf(ctx.query_value("timeframe").value_or(""));
  if (tf.empty())  // "all" (a negative span) by the day
    tf = *span < 0                   ? "1D"
         : *span <= 86'400'000LL     ? "5Min"
         : *span <= 7 * 86'400'000LL ? "15Min"
                                     : "1D";
  auto bucket = history_timeframe_ms(tf);
  if (!bucket) return fail(errc::bad_request, "timeframe must be 1Min, 5Min, 15Min, 1H or 1D");
  return history_request{*span, std::move(tf), *bucket};
}

asio::awaitable<outcome> portfolio_history(const trading_services& s, const request_context&,
                                           trading_repo::player player, const history_request& h) {
  const auto now = system_now_ms();
  const auto from = h.span_ms < 0 ? 0 : now - h.span_ms;
  const auto width = h.bucket_ms;
  auto read = co_await run(s.pool, [&](db::connection& c) {
    auto points = trading_repo::equity_history(c, player, from, now, width);
    return std::pair{std::move(points), trading_repo::read_account(c, player)};
  });
  if (!read) co_return std::unexpected(read.error());
  auto& [points, state] = *read;
  // The last point is now, at the current prices.
  auto v = trading::value_positions(state.positions, s.quotes);
  points.push_back({now, state.account.cash + v.long_market_value});
  const auto base = points.front().equity;
  auto dollars = [](trading::money_e4 m) { return static_cast<double>(m) / 10'000.0; };
  json ts = json::array(), equity = json::array(), pl = json::array(), pct = json::array();
  for (const auto& p : points) {
    ts.push_back(p.at_ms / 1000);
    equity.push_back(dollars(p.equity));
    pl.push_back(dollars(p.equity - base));
    pct.push_back(base ? static_cast<double>(p.equity - base) / static_cast<double>(base) : 0.0);
  }
  co_return http::json_response(200, {{"timestamp", ts},
                                      {"equity", equity},
                                      {"profit_loss", pl},
                                      {"profit_loss_pct", pct},
                                      {"base_value", dollars(base)},
                                      {"timeframe", h.timeframe}});
}

}  // namespace

void register_trading_account_routes(http::router& routes, const trading_services& s) {
  add_v2_route(routes, "GET", "/v2/account", player_route(s, account));
  // A filter that leaves out fills answers before the account is looked up.
  auto fills = player_route(s, activity_page_of, activities);
  http::handler list = [fills](request_context& ctx) {
    return asks_for_fills(ctx) ? fills(ctx) : no_activities();
  };
  add_v2_route(routes, "GET", "/v2/account/activities", list);
  add_v2_route(routes, "GET", "/v2/account/activities/{type}", list);
  add_v2_route(routes, "GET", "/v2/account/portfolio/history",
               player_route(s, history_request_of, portfolio_history));
}

}  // namespace marketsim::api
