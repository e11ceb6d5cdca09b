// The leaderboard's standings (issue 11): each active player's equity now and at the start of a
// period of market time, from the equity snapshots (which carry the market's time) and the
// starting grant, and the Sharpe ratio of their daily returns (from equity_days, the last
// snapshot of each market day). db::pool threads; the ranking and the statistics are pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/insights.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::db::leaderboard_repo {

// Periods in market days, the last of which is the day of the newest snapshot: that day, the
// last 7 or 30 of them, or since each account opened.
enum class period { day, week, month, all };
[[nodiscard]] std::optional<period> parse_period(std::string_view text) noexcept;
[[nodiscard]] std::string_view period_name(period p) noexcept;
// Market days are UTC dates of the market's time (the replay's exchange days). The period's
// first instant, epoch ms of market time: the start of its first market day, the last of which
// is as_of's (nullopt for "all").
[[nodiscard]] std::optional<std::int64_t> period_start_ms(std::int64_t as_of_ms, period p);

struct standing {
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  std::string user_tag;
  std::string display_name;
  bool public_profile = false;
  std::string bot_strategy;            // empty: a person
  trading::money_e4 start_equity = 0;  // the last snapshot before the period, else the grant
  trading::money_e4 equity = 0;        // the newest snapshot, else the grant (not valued yet)
  std::vector<std::string> flags;      // the integrity scan's, by name (db/integrity.hpp)
  // Read by read_sharpe only: the number of daily returns in the period and their annualized
  // Sharpe ratio (nullopt with fewer than min_sharpe_returns of them).
  int daily_returns = 0;
  std::optional<double> sharpe;
};

struct board {
  // Market time of the newest snapshot; with none yet, the market's time the caller gave (0:
  // none, and no standings).
  std::int64_t as_of_ms = 0;
  std::vector<standing> standings;
};

// Every active player. The return over the period is equity / start_equity - 1: the only money
// that ever enters an account is its starting grant, before its first snapshot, so this is also
// the time-weighted return. An account opened since the last snapshot stands at its grant (a
// return of 0) until the next one values it: a new player is on the board at once.
// `market_now_ms`: the market's time, the board's as_of while no snapshot has been taken yet
// (a new cluster's first interval); 0 leaves the board empty then.
[[nodiscard]] board read_board(connection& c, period p, std::int64_t market_now_ms = 0);

// Best return first (compared exactly, without rounding); equal returns by account id. Those
// with no starting equity are dropped.
void rank_by_return(std::vector<standing>& standings);

// A Sharpe ratio from fewer daily returns than this says nothing: such players are listed as
// unranked on that metric.
inline constexpr int min_sharpe_returns = static_cast<int>(trading::insights::min_daily_returns);

// The annualized Sharpe ratio of the daily returns between consecutive end-of-day equities:
// trading::insights::annualized_sharpe (mean / sample standard deviation * sqrt(252), no
// risk-free rate), nullopt with fewer than min_sharpe_returns returns; 0 when they never vary.
[[nodiscard]] std::optional<double> annualized_sharpe(const std::vector<trading::money_e4>& daily);

// read_board plus, for each standing, its daily returns over the period and their Sharpe ratio:
// the end-of-day equities of the period's market days, after the last day before it (the base
// of the first return).
[[nodiscard]] board read_sharpe(connection& c, period p, std::int64_t market_now_ms = 0);

// Those with a Sharpe ratio first, best first (equal ratios by account id); then the unranked,
// by account id. Returns how many are ranked.
std::size_t rank_by_sharpe(std::vector<standing>& standings);

}  // namespace marketsim::db::leaderboard_repo
