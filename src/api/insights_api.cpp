// GET /api/insights?period= (issue 12; docs/api.md): the signed-in player's analytics over a
// period of market time (the leaderboard's periods): returns (time- and money-weighted), risk
// against the index (volatility, Sharpe, Sortino, beta, correlation), the maximum drawdown with
// its dates, contributions by holding, realized and unrealized P&L, trading statistics, the
// equity curve beside the index rebased to the same start, and the allocation by holding and by
// sector. Period figures end at the newest valuation (`as_of`); the allocation and the open P&L
// are at live prices. Handlers on io threads; the history is one job on the pool, the figures
// are trading/insights.hpp's.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/insights.hpp"
#include "marketsim/market/catalog.hpp"
#include "marketsim/trading/allocation.hpp"
#include "marketsim/trading/insights.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
using trading::money_e4;
namespace board = db::leaderboard_repo;
namespace stats = trading::insights;

namespace {

// Statistics are not money: six decimals are more than they mean.
json statistic(std::optional<double> x) {
  if (!x || !std::isfinite(*x)) return nullptr;
  return std::round(*x * 1e6) / 1e6;
}

json moment_or_null(std::optional<std::int64_t> ms) {
  return ms ? json(format_time(*ms)) : json(nullptr);
}

// What the period's figures stand on: its starting point, then its market days, cash flows
// placed on the first day after them.
struct period_points {
  std::vector<stats::point> points;
  std::vector<std::optional<market::price_e4>> index;  // the index at each point
  bool opening = false;                                // the start is the account's opening
};

period_points points_of(const db::insights_repo::history& h) {
  period_points out;
  if (h.base) {
    out.points.push_back({h.base->market_ms, h.base->equity, 0});
    out.index.push_back(h.base->index);
  } else if (h.first && h.opening_cash > 0) {
    out.points.push_back({h.first->market_ms, h.opening_cash, 0});
    out.index.push_back(h.first->index);
    out.opening = true;
  }
  for (const auto& d : h.days) {
    if (!out.points.empty() && d.market_ms < out.points.back().at_ms) continue;
    out.points.push_back({d.market_ms, d.equity, 0});
    out.index.push_back(d.index);
  }
  for (const auto& f : h.flows)
    for (std::size_t i = 1; i < out.points.size(); ++i)
      if (f.at_ms > out.points[i - 1].at_ms && f.at_ms <= out.points[i].at_ms) {
        out.points[i].flow += f.amount;
        break;
      }
  return out;
}

// The daily statistics: the returns between end-of-day valuations (the opening's partial day
// is none), and the index's on the same days where it is known on both.
json risk_json(const period_points& pp, json& why) {
  const std::size_t first_day = pp.opening ? 1 : 0;
  std::vector<stats::point> days(pp.points.begin() + std::min(first_day, pp.points.size()),
                                 pp.points.end());
  auto returns = stats::step_returns(days).value_or(std::vector<double>{});
  std::vector<double> mine, index;
  for (std::size_t i = 1; i < days.size() && i - 1 < returns.size(); ++i) {
    const auto& a = pp.index[first_day + i - 1];
    const auto& b = pp.index[first_day + i];
    if (!a || !b || *a <= 0) continue;
    mine.push_back(returns[i - 1]);
    index.push_back(static_cast<double>(*b - *a) / static_cast<double>(*a));
  }
  json out{{"daily_returns", returns.size()},
           {"min_daily_returns", stats::min_daily_returns},
           {"volatility", nullptr},
           {"sharpe", nullptr},
           {"sortino", nullptr},
           {"beta", nullptr},
           {"correlation", nullptr}};
  if (returns.size() < stats::min_daily_returns) {
    const std::string reason = fmt::format(
        "needs {} daily returns (end-of-day valuations a market day apart); the period has {}",
        stats::min_daily_returns, returns.size());
    for (const char* k : {"volatility", "sharpe", "sortino", "beta", "correlation"})
      why[k] = reason;
    return out;
  }
  out["volatility"] = statistic(stats::annualized_volatility(returns));
  out["sharpe"] = statistic(stats::annualized_sharpe(returns));
  auto sortino = stats::annualized_sortino(returns);
  out["sortino"] = statistic(sortino);
  if (!sortino) why["sortino"] = "no losing day to measure the downside against";
  if (mine.size() < stats::min_daily_returns) {
    const std::string reason = fmt::format("needs {} days with the index's price on both ends; {}",
                                           stats::min_daily_returns, mine.size());
    why["beta"] = why["correlation"] = reason;
    return out;
  }
  auto b = stats::beta(mine, index);
  auto c = stats::correlation(mine, index);
  out["beta"] = statistic(b);
  out["correlation"] = statistic(c);
  if (!b) why["beta"] = "the index did not move";
  if (!c) why["correlation"] = b ? "your equity did not move" : "the index did not move";
  return out;
}

// A holding's value at a snapshot: at the price recorded with it, else at its cost (as the
// snapshot itself counted it).
money_e4 value_at(const db::insights_repo::history& h, const std::string& symbol,
                  const std::optional<db::insights_repo::valuation>& at, std::int64_t qty,
                  money_e4 cost) {
  if (qty == 0) return 0;
  if (at)
    for (const auto& p : h.prices)
      if (p.symbol == symbol && p.wall_at == at->wall_at) return qty * p.price;
  return cost;
}

json insights_json(const db::insights_repo::history& h, board::period p,
                   const market::quote_cache& quotes) {
  json why = json::object();
  const auto pp = points_of(h);
  const auto& pts = pp.points;
  const bool valued = pts.size() >= 2;
  if (!valued)
    why["period"] =
        "no end-of-day valuation in the period yet: equity is recorded every minute of wall time";

  // Returns.
  json returns{{"time_weighted", nullptr}, {"money_weighted", nullptr}, {"cash_flows", 0}};
  std::vector<stats::dated_flow> flows;
  if (valued) {
    for (const auto& f : h.flows)
      if (f.at_ms > pts.front().at_ms && f.at_ms <= pts.back().at_ms) flows.push_back(f);
    returns["time_weighted"] = statistic(stats::time_weighted_return(pts));
    returns["money_weighted"] = statistic(stats::money_weighted_return(
        pts.front().equity, pts.front().at_ms, flows, pts.back().equity, pts.back().at_ms));
    returns["cash_flows"] = flows.size();
    returns["money_weighted_basis"] =
        flows.empty() ? "no cash entered or left the account in the period: the money-weighted "
                        "return equals the time-weighted one"
                      : "the internal rate of return of the period's cash flows";
  }

  // Drawdown and the curve.
  json drawdown{
      {"max", nullptr}, {"peak_at", nullptr}, {"trough_at", nullptr}, {"recovered_at", nullptr}};
  json curve = json::array();
  if (auto dd = stats::max_drawdown(pts); dd && valued) {
    drawdown = {{"max", statistic(dd->max)},
                {"peak_at", dd->max > 0 ? json(format_time(dd->peak_ms)) : json(nullptr)},
                {"trough_at", dd->max > 0 ? json(format_time(dd->trough_ms)) : json(nullptr)},
                {"recovered_at", moment_or_null(dd->recovered_ms)}};
    if (dd->max == 0) why["drawdown_dates"] = "the equity never fell below a previous peak";
    const auto& base_index = pp.index.front();
    if (!base_index) why["index"] = "no price of the index at the period's start";
    for (std::size_t i = 0; i < pts.size(); ++i) {
      json index = nullptr;
      if (base_index && *base_index > 0 && pp.index[i])
        index = market::format_price(static_cast<money_e4>(
            (static_cast<__int128>(pts.front().equity) * *pp.index[i] + *base_index / 2) /
            *base_index));
      curve.push_back({{"time", format_time(pts[i].at_ms)},
                       {"equity", market::format_price(pts[i].equity)},
                       {"index", std::move(index)},
                       {"drawdown", statistic(dd->series[i])}});
    }
  }

  // Trades, from the period's start (after the base's valuation; the whole history from an
  // opening) to its newest valuation.
  const std::int64_t from =
      pp.opening || pts.empty() ? std::numeric_limits<std::int64_t>::min() : pts.front().at_ms + 1;
  const std::int64_t to = pts.empty() ? std::numeric_limits<std::int64_t>::max() : pts.back().at_ms;
  const auto replay = stats::replay_fills(h.fills, from, to);
  const auto trades = stats::statistics_of(replay, pts);
  if (!trades.win_rate)
    why["win_rate"] = "no round trip (a position opened and closed) in the period";
  if (!trades.average_hold_days) why["average_hold_days"] = "no round trip in the period";
  const std::optional<db::insights_repo::valuation> end =
      h.days.empty() ? std::nullopt : std::optional(h.days.back());
  std::vector<stats::holding_values> values;
  for (const auto& s : replay.symbols)
    values.push_back(
        {s.symbol, pp.opening ? 0 : value_at(h, s.symbol, h.base, s.qty_at_start, s.cost_at_start),
         value_at(h, s.symbol, end, s.qty_at_end, s.cost_at_end)});
  const money_e4 start_equity = pts.empty() ? 0 : pts.front().equity;
  const auto contributions = valued ? stats::contributions(replay, values, start_equity)
                                    : std::vector<stats::contribution>{};
  auto contribution_json = [](const stats::contribution& c) {
    return json{{"symbol", c.symbol},
                {"pl", market::format_price(c.pl)},
                {"contribution", statistic(c.share)}};
  };
  json best = nullptr, worst = nullptr;
  if (!contributions.empty()) {
    best = contribution_json(contributions.front());
    worst = contribution_json(contributions.back());
  } else {
    why["contributions"] = "no holding in the period";
  }
  money_e4 realized = 0;
  for (const auto& s : replay.symbols) realized += s.realized;

  // Live: what is held now, at the quotes' prices.
  const auto holdings = trading::value_holdings(h.state.positions, quotes);
  money_e4 invested = 0, unrealized = 0;
  for (const auto& v : holdings) {
    invested += v.value;
    for (const auto& pos : h.state.positions)
      if (pos.symbol == v.symbol) unrealized += v.value - pos.cost;
  }
  const money_e4 equity_now = h.state.account.cash + invested;
  const auto weights = trading::allocate(h.state.account.cash, holdings);
  std::map<std::string, money_e4> by_sector;
  for (const auto& v : holdings) by_sector[v.sector.empty() ? "Other" : v.sector] += v.value;
  json stock_slices = json::array(), sector_slices = json::array();
  for (const auto& w : weights.stocks) {
    money_e4 value = 0;
    for (const auto& v : holdings)
      if (v.symbol == w.key) value = v.value;
    stock_slices.push_back({{"symbol", w.key},
                            {"name", w.name},
                            {"sector", w.sector.empty() ? "Other" : w.sector},
                            {"value", market::format_price(value)},
                            {"weight", static_cast<double>(w.permille) / 1000.0}});
  }
  for (const auto& w : weights.sectors)
    sector_slices.push_back({{"sector", w.key},
                             {"value", market::format_price(by_sector[w.key])},
                             {"weight", static_cast<double>(w.permille) / 1000.0}});

  json risk = valued
                  ? risk_json(pp, why)
                  : json{{"daily_returns", 0},    {"min_daily_returns", stats::min_daily_returns},
                         {"volatility", nullptr}, {"sharpe", nullptr},
                         {"sortino", nullptr},    {"beta", nullptr},
                         {"correlation", nullptr}};
  return {{"period", board::period_name(p)},
          {"as_of", h.as_of_ms ? json(format_time(h.as_of_ms)) : json(nullptr)},
          {"period_start", moment_or_null(h.period_start_ms)},
          {"start", valued ? json({{"time", format_time(pts.front().at_ms)},
                                   {"equity", market::format_price(pts.front().equity)},
                                   {"kind", pp.opening ? "opening" : "previous_close"}})
                           : json(nullptr)},
          {"end", valued ? json({{"time", format_time(pts.back().at_ms)},
                                 {"equity", market::format_price(pts.back().equity)}})
                         : json(nullptr)},
          {"index_symbol", market::index_symbol},
          {"returns", std::move(returns)},
          {"risk", std::move(risk)},
          {"drawdown", std::move(drawdown)},
          {"curve", std::move(curve)},
          {"contributions", array_of(contributions, contribution_json)},
          {"best", std::move(best)},
          {"worst", std::move(worst)},
          {"pl",
           {{"realized", market::format_price(realized)},
            {"unrealized", market::format_price(unrealized)},
            {"realized_total", market::format_price(h.state.account.realized_pl)}}},
          {"trading",
           {{"fills", replay.fills},
            {"traded_value", market::format_price(replay.traded)},
            {"round_trips", trades.round_trips},
            {"wins", trades.wins},
            {"win_rate", statistic(trades.win_rate)},
            {"average_hold_days", statistic(trades.average_hold_days)},
            {"turnover", statistic(trades.turnover)}}},
          {"allocation",
           {{"equity", market::format_price(equity_now)},
            {"cash", market::format_price(h.state.account.cash)},
            {"cash_weight", static_cast<double>(weights.cash_permille) / 1000.0},
            {"holdings", std::move(stock_slices)},
            {"sectors", std::move(sector_slices)}}},
          {"why_null", std::move(why)}};
}

result<board::period> period_of(const trading_services&, const request_context& ctx) {
  auto p = board::parse_period(ctx.query_value("period").value_or("all"));
  if (!p) return fail(errc::bad_request, "period must be day, week, month or all");
  return *p;
}

asio::awaitable<outcome> insights(const trading_services& s, const request_context&,
                                  db::trading_repo::player player, const board::period& p) {
  const auto now = s.feed.market_time_ms();
  auto read = co_await run(s.pool, [&](db::connection& c) {
    return db::insights_repo::read_history(c, player, p, now);
  });
  if (!read) co_return std::unexpected(read.error());
  co_return http::json_response(200, insights_json(*read, p, s.quotes));
}

}  // namespace

void register_insights_routes(http::router& routes, const trading_services& s) {
  // The browser's: API keys are for the Alpaca routes under /v2 only.
  routes.add("GET", "/api/insights", {player_route(s, period_of, insights), auth::access::user});
}

}  // namespace marketsim::api
