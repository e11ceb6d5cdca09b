// A player's Insights (issue 12): the statistics of a period of their history, computed from
// plain inputs (end-of-day equities with the index's level beside them, the cash that entered
// or left the account, and their fills). Pure: no SQL, no Asio; called on io threads after one
// read on the pool (api/insights_api.cpp), unit-tested against hand-worked examples.
//
// Definitions, shared by the API's documentation (docs/api.md, GET /api/insights):
// - A period's points are the end-of-day equities of its market days, after a starting point:
//   the last end-of-day before the period, or, for an account that opened within it, its grant
//   at its first valuation. Statistics of daily returns use the market days only (the grant's
//   partial first day is no daily return), as the leaderboard's Sharpe ratio does.
// - A cash flow (money in > 0, out < 0) counts at the end of the day it arrived: that day's
//   return is (equity - flow) / previous equity - 1.
// - Annualized figures multiply by sqrt(252) (volatility, Sharpe, Sortino), with no risk-free
//   rate: cash earns nothing in this game.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "marketsim/trading/money.hpp"

namespace marketsim::trading::insights {

// Fewer daily returns than this say nothing about risk: the daily statistics are null then
// (the leaderboard ranks on Sharpe from the same number).
inline constexpr std::size_t min_daily_returns = 5;
inline constexpr double trading_days_per_year = 252.0;

// ---- statistics of daily returns (each needs at least two returns, else nullopt) ----------

// (e[i] - e[i-1]) / e[i-1]; nullopt when a base is not positive (a return from zero is none).
[[nodiscard]] std::optional<std::vector<double>> simple_returns(std::span<const money_e4> equity);
[[nodiscard]] double mean(std::span<const double> xs);
// Sample standard deviation (n - 1).
[[nodiscard]] std::optional<double> sample_deviation(std::span<const double> xs);
// Standard deviation × sqrt(252): 0 for an account that never moved (all cash).
[[nodiscard]] std::optional<double> annualized_volatility(std::span<const double> returns);
// mean / deviation × sqrt(252); 0 when the returns never vary (all cash: no risk, no return).
[[nodiscard]] std::optional<double> annualized_sharpe(std::span<const double> returns);
// mean / downside deviation × sqrt(252), the downside deviation being sqrt(sum(min(r, 0)^2) / n)
// over all n returns (target 0). No losing day: 0 when the mean is not positive either (flat),
// nullopt when it is (no downside to measure it against).
[[nodiscard]] std::optional<double> annualized_sortino(std::span<const double> returns);
// cov(p, m) / var(m), over pairs of returns of the same days. nullopt when the index never moved.
[[nodiscard]] std::optional<double> beta(std::span<const double> portfolio,
                                         std::span<const double> index);
// Pearson's correlation; nullopt when either side never moved (all cash, or a flat index).
[[nodiscard]] std::optional<double> correlation(std::span<const double> portfolio,
                                                std::span<const double> index);

// ---- a period's points ----------------------------------------------------------------

struct point {
  std::int64_t at_ms = 0;  // market time
  money_e4 equity = 0;
  money_e4 flow = 0;  // cash that entered (> 0) or left (< 0) since the previous point
};

// The time-weighted return: the product of each step's (equity - flow) / previous equity.
// nullopt with fewer than two points or a base that is not positive.
[[nodiscard]] std::optional<double> time_weighted_return(std::span<const point> points);
// The returns of each step, flows taken out (as time_weighted_return chains them).
[[nodiscard]] std::optional<std::vector<double>> step_returns(std::span<const point> points);

// The money-weighted return (internal rate of return) over the period, as a rate for the whole
// period: the g for which the start's equity and each flow, grown at g for the fraction of the
// period they were in the account, make the end's equity:
//   start × (1 + g) + sum(flow_k × (1 + g)^(1 - f_k)) = end,  f_k = (t_k - t_start) / span.
// Without flows it is end / start - 1, the time-weighted return. nullopt when the period has no
// length or no rate solves it.
struct dated_flow {
  std::int64_t at_ms = 0;
  money_e4 amount = 0;  // in > 0, out < 0
};
[[nodiscard]] std::optional<double> money_weighted_return(money_e4 start, std::int64_t start_ms,
                                                          std::span<const dated_flow> flows,
                                                          money_e4 end, std::int64_t end_ms);

// The deepest fall from a running peak of the time-weighted growth (flows taken out; without
// them, of the equity): as a positive fraction, with the peak's and the trough's times and when
// the growth regained the peak (nullopt: not yet). Also each point's drawdown (<= 0), the chart.
struct drawdown_report {
  double max = 0;
  std::int64_t peak_ms = 0;
  std::int64_t trough_ms = 0;
  std::optional<std::int64_t> recovered_ms;
  std::vector<double> series;  // one per point: growth / running peak - 1
};
[[nodiscard]] std::optional<drawdown_report> max_drawdown(std::span<const point> points);

// ---- trades ----------------------------------------------------------------------------

struct account_fill {
  std::int64_t at_ms = 0;  // market time (0: unknown, older than the market's clock on fills)
  std::string symbol;
  bool buy = true;
  std::int64_t qty = 0;
  market::price_e4 price = 0;
};

// A position from flat to flat: opened by a buy into no shares, closed by the sell that leaves
// none. Its P&L is what its sells realized at the average cost.
struct round_trip {
  std::string symbol;
  std::int64_t opened_ms = 0;
  std::int64_t closed_ms = 0;
  money_e4 realized = 0;
};

struct symbol_trades {
  std::string symbol;
  std::int64_t qty_at_start = 0;  // held when the period began
  money_e4 cost_at_start = 0;     // their cost basis then
  std::int64_t qty_at_end = 0;
  money_e4 cost_at_end = 0;
  money_e4 bought = 0;    // cash paid for buys in the period
  money_e4 sold = 0;      // cash received for sells in the period
  money_e4 realized = 0;  // realized by the period's sells at the average cost
};

// Every fill of the account in commit order replayed at the average cost (the engine's own
// rule, trading::cost_removed), split at `from_ms` (the period's first instant; fills at or
// after it and at or before `to_ms` are the period's; later ones are left out).
struct trade_replay {
  std::vector<symbol_trades> symbols;  // by symbol
  std::vector<round_trip> closed;      // round trips closed in the period
  std::int64_t fills = 0;              // fills in the period
  money_e4 traded = 0;                 // their value, buys and sells
  money_e4 realized_total = 0;         // realized since the account opened, up to to_ms
};
[[nodiscard]] trade_replay replay_fills(std::span<const account_fill> fills, std::int64_t from_ms,
                                        std::int64_t to_ms);

struct trade_statistics {
  std::int64_t round_trips = 0;
  std::int64_t wins = 0;
  std::optional<double> win_rate;           // wins / round trips; nullopt: none closed
  std::optional<double> average_hold_days;  // market days (86,400,000 ms of market time)
  std::optional<double> turnover;           // traded value / average equity of the points
};
// Round trips whose opening time is unknown (fills older than the market's clock on fills)
// count for the win rate but not for the hold time.
[[nodiscard]] trade_statistics statistics_of(const trade_replay& r, std::span<const point> points);

// ---- contributions ---------------------------------------------------------------------

// A holding's P&L over the period: its value at the end, less its value at the start, less what
// its buys cost, plus what its sells brought. With no flows the contributions add up to the
// period's P&L (cash earns nothing); as a fraction of the starting equity they add up to its
// return.
struct contribution {
  std::string symbol;
  money_e4 pl = 0;
  std::optional<double> share;  // pl / starting equity; nullopt when that is not positive
};
// `start_value` and `end_value`: each symbol's holding valued at the period's start and end.
struct holding_values {
  std::string symbol;
  money_e4 start_value = 0;
  money_e4 end_value = 0;
};
[[nodiscard]] std::vector<contribution> contributions(const trade_replay& r,
                                                      std::span<const holding_values> values,
                                                      money_e4 start_equity);

}  // namespace marketsim::trading::insights
