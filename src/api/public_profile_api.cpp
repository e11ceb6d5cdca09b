// Public profiles (issue 11, docs/api.md): GET /api/users/{tag}, the summary (who, returns and
// ranks per period of market time, allocation as weights, fills at least
// MARKETSIM_PROFILE_TRADE_DELAY old), and GET /api/users/{tag}/equity?period=, the equity curve
// in market time. Published only while the player's switch is on: every request first reads the
// owner (one indexed look-up), so switching off takes everything down at the next request on
// every instance, whatever the caches below still hold. Holdings never leave as shares or money:
// only weights. The routes are public, so what costs more than that look-up (the standings, an
// account's allocation and fills, a curve) is read at most once every few seconds per key
// (kept_reads) and bounded in size. Handlers on io threads; SQL on the db pool.
#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/kept_reads.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/equity.hpp"
#include "marketsim/db/leaderboard.hpp"
#include "marketsim/db/order_reads.hpp"
#include "marketsim/db/public_profiles.hpp"
#include "marketsim/trading/allocation.hpp"
#include "marketsim/trading/bot_strategies.hpp"
#include "marketsim/trading/order_request.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace board = db::leaderboard_repo;
namespace trading_repo = db::trading_repo;

namespace {

constexpr std::array periods{board::period::day, board::period::week, board::period::month,
                             board::period::all};
constexpr int shown_trades = 10;
constexpr std::int64_t max_curve_points = 250;
constexpr std::int64_t day_ms = 86'400'000;
constexpr auto max_age = std::chrono::seconds(5);
constexpr std::size_t max_players_kept = 4096;

struct ranked_board {
  std::int64_t as_of_ms = 0;
  std::vector<board::standing> standings;  // best first
};

struct caches {
  kept_reads<board::period, ranked_board> boards{max_age, periods.size()};
  kept_reads<std::int64_t, json> holdings{max_age, max_players_kept};  // by account
  kept_reads<std::pair<std::int64_t, board::period>, json> curves{max_age, max_players_kept};
};

json market_time_or_null(std::int64_t ms) {
  return ms ? json(format_time(ms)) : json(nullptr);
}

// The standings of a period, ranked as the leaderboard ranks them.
asio::awaitable<result<std::shared_ptr<const ranked_board>>> standings(const market_services& s,
                                                                       caches& cache,
                                                                       board::period p) {
  co_return co_await cache.boards.get(p, [&s, p]() -> asio::awaitable<result<ranked_board>> {
    const auto now_ms = s.feed.market_time_ms();
    auto read = co_await run(
        s.pool, [p, now_ms](db::connection& c) { return board::read_board(c, p, now_ms); });
    if (!read) co_return std::unexpected(read.error());
    ranked_board out{read->as_of_ms, std::move(read->standings)};
    board::rank_by_return(out.standings);
    co_return out;
  });
}

const board::standing* find_standing(const ranked_board& b, std::int64_t user_id,
                                     std::size_t* rank) {
  for (std::size_t i = 0; i < b.standings.size(); ++i)
    if (b.standings[i].user_id == user_id) {
      *rank = i + 1;
      return &b.standings[i];
    }
  return nullptr;
}

json identity_json(const auth::user_record& u) {
  json j{{"user_tag", u.user_tag},
         {"display_name", u.display_name},
         {"member_since", format_time(u.created_ms)},
         {"bot", !u.bot_strategy.empty()}};
  // A simulated trader says what it is and how it trades.
  if (!u.bot_strategy.empty()) {
    j["strategy"] = u.bot_strategy;
    if (auto kind = trading::bots::parse_strategy(u.bot_strategy)) {
      j["strategy_title"] = trading::bots::strategy_title(*kind);
      j["strategy_description"] = trading::bots::strategy_description(*kind);
    }
  }
  return j;
}

json weights_json(const trading::allocation& a) {
  json stocks = json::array(), sectors = json::array();
  for (const auto& w : a.stocks)
    stocks.push_back({{"symbol", w.key},
                      {"name", w.name},
                      {"sector", w.sector.empty() ? "Other" : w.sector},
                      {"weight", trading::percent_text(w.permille)}});
  for (const auto& w : a.sectors)
    sectors.push_back({{"sector", w.key}, {"weight", trading::percent_text(w.permille)}});
  return {{"cash_weight", trading::percent_text(a.cash_permille)},
          {"stocks", std::move(stocks)},
          {"sectors", std::move(sectors)}};
}

// The allocation at the current prices and the fills older than the delay: symbol, side,
// price and time, never the quantity.
asio::awaitable<result<json>> read_holdings(const market_services& s, const account_clock& clock,
                                            trading_repo::player who) {
  trading_repo::activity_page page;
  page.limit = shown_trades;
  page.until_ms = clock.now_ms() - s.cfg.profile_trade_delay_ms;
  struct read {
    trading_repo::account_state account;
    std::vector<trading::fill_activity> fills;
  };
  auto got = co_await run(s.pool, [&](db::connection& c) {
    return read{trading_repo::read_account(c, who), trading_repo::activities(c, who, page)};
  });
  if (!got) co_return std::unexpected(got.error());
  const auto holdings = trading::value_holdings(got->account.positions, s.quotes);
  json trades = json::array();
  for (const auto& f : got->fills)
    trades.push_back({{"symbol", f.symbol},
                      {"side", trading::side_name(f.order.order_side)},
                      {"price", market::format_price(f.price)},
                      {"time", format_time(f.at_ms)}});
  co_return json{
      {"allocation", weights_json(trading::allocate(got->account.account.cash, holdings))},
      {"trades", std::move(trades)}};
}

// The owner of a public profile, or 404 (unknown, private and disabled alike).
asio::awaitable<result<db::profile_repo::public_owner>> owner_of(const market_services& s,
                                                                 const request_context& ctx) {
  const auto& tag = ctx.params.at("tag");
  error none{errc::not_found, "no public profile for " + tag};
  if (!auth::check_user_tag(tag)) co_return std::unexpected(none);
  auto found = co_await run(
      s.pool, [&](db::connection& c) { return db::profile_repo::find_public_owner(c, tag); });
  if (!found) co_return std::unexpected(found.error());
  if (!*found) co_return std::unexpected(none);
  co_return std::move(**found);
}

asio::awaitable<outcome> summary(const market_services& s, const account_clock& clock,
                                 caches& cache, const request_context& ctx) {
  auto owner = co_await owner_of(s, ctx);
  if (!owner) co_return std::unexpected(owner.error());
  json profile = identity_json(owner->user);
  json returns = json::object();
  std::int64_t as_of = 0;
  json equity = nullptr;
  for (auto p : periods) {
    auto b = co_await standings(s, cache, p);
    if (!b) co_return std::unexpected(b.error());
    as_of = (*b)->as_of_ms;
    std::size_t rank = 0;
    const auto* mine = find_standing(**b, owner->user.id, &rank);
    returns[board::period_name(p)] = {
        {"return",
         mine ? json(trading::format_return(mine->equity, mine->start_equity)) : json(nullptr)},
        {"rank", mine ? json(rank) : json(nullptr)},
        {"of", (*b)->standings.size()}};
    if (mine) equity = market::format_price(mine->equity);
  }
  profile["as_of"] = market_time_or_null(as_of);
  profile["equity"] = std::move(equity);
  profile["returns"] = std::move(returns);
  profile["trade_delay_seconds"] = s.cfg.profile_trade_delay_ms / 1000;
  if (owner->player) {
    const auto who = *owner->player;
    auto held = co_await cache.holdings.get(
        who.account_id, [&s, &clock, who] { return read_holdings(s, clock, who); });
    if (!held) co_return std::unexpected(held.error());
    profile["allocation"] = (**held)["allocation"];
    profile["trades"] = (**held)["trades"];
  } else {
    // Never played: the account opens on first use; until then it is all cash.
    profile["allocation"] = weights_json(trading::allocate(0, {}));
    profile["trades"] = json::array();
  }
  co_return http::json_response(200, profile);
}

// The narrowest of the round widths (so that points fall on whole minutes, hours or days) that
// gives at most max_curve_points buckets over `span_ms`.
std::int64_t curve_bucket_ms(std::int64_t span_ms) {
  constexpr std::int64_t minute = 60'000, hour = 60 * minute;
  constexpr std::array widths{minute,   5 * minute, 15 * minute, 30 * minute, hour,
                              2 * hour, 4 * hour,   6 * hour,    12 * hour,   day_ms};
  const std::int64_t least = (span_ms + max_curve_points - 1) / max_curve_points;
  for (auto w : widths)
    if (w >= least) return w;
  return (least + day_ms - 1) / day_ms * day_ms;
}

// The period's curve: its snapshots in market time, the last of each bucket (at the bucket's
// start), the buckets wide enough that there are at most max_curve_points.
asio::awaitable<result<json>> read_curve(const market_services& s, trading_repo::player who,
                                         board::period p, std::int64_t as_of_ms) {
  auto points = co_await run(s.pool, [&](db::connection& c) {
    std::int64_t from = 0;
    if (p == board::period::all) {
      from = trading_repo::first_market_snapshot_ms(c, who.account_id);
    } else {
      // The leaderboard's periods: the last 1, 7 or 30 market days up to the newest snapshot's.
      const std::int64_t days = p == board::period::day ? 0 : p == board::period::week ? 6 : 29;
      from = as_of_ms / day_ms * day_ms - days * day_ms;
    }
    std::vector<trading_repo::equity_point> out;
    if (from <= 0 || as_of_ms < from) return out;
    const std::int64_t bucket = curve_bucket_ms(as_of_ms - from + 1);
    return trading_repo::equity_history(c, who, from, as_of_ms, bucket,
                                        trading_repo::snapshot_clock::market);
  });
  if (!points) co_return std::unexpected(points.error());
  json out = json::array();
  for (const auto& pt : *points)
    out.push_back(
        {{"market_at", format_time(pt.at_ms)}, {"equity", market::format_price(pt.equity)}});
  co_return out;
}

asio::awaitable<outcome> equity_curve(const market_services& s, caches& cache,
                                      const request_context& ctx) {
  const auto p = board::parse_period(ctx.query_value("period").value_or("all"));
  if (!p) co_return fail(errc::bad_request, "period must be day, week, month or all");
  auto owner = co_await owner_of(s, ctx);
  if (!owner) co_return std::unexpected(owner.error());
  auto b = co_await standings(s, cache, *p);
  if (!b) co_return std::unexpected(b.error());
  const std::int64_t as_of = (*b)->as_of_ms;
  std::size_t rank = 0;
  const auto* mine = find_standing(**b, owner->user.id, &rank);
  json answer{
      {"user_tag", owner->user.user_tag},
      {"period", board::period_name(*p)},
      {"as_of", market_time_or_null(as_of)},
      {"start_equity", mine ? json(market::format_price(mine->start_equity)) : json(nullptr)},
      {"return",
       mine ? json(trading::format_return(mine->equity, mine->start_equity)) : json(nullptr)},
      {"points", json::array()}};
  if (owner->player && as_of > 0) {
    const auto who = *owner->player;
    const auto period = *p;
    auto curve = co_await cache.curves.get({who.account_id, period}, [&s, who, period, as_of] {
      return read_curve(s, who, period, as_of);
    });
    if (!curve) co_return std::unexpected(curve.error());
    answer["points"] = **curve;
  }
  co_return http::json_response(200, answer);
}

}  // namespace

void register_public_profile_routes(http::router& routes, const market_services& s,
                                    const account_clock& clock) {
  auto cache = std::make_shared<caches>();
  routes.add("GET", "/api/users/{tag}",
             answering([s, &clock, cache](request_context& ctx) -> asio::awaitable<outcome> {
               co_return co_await summary(s, clock, *cache, ctx);
             }));
  routes.add("GET", "/api/users/{tag}/equity",
             answering([s, cache](request_context& ctx) -> asio::awaitable<outcome> {
               co_return co_await equity_curve(s, *cache, ctx);
             }));
}

}  // namespace marketsim::api
