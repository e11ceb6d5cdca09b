// What a player's Insights (issue 12, GET /api/insights) read of their history, in one read
// transaction: the end-of-day equities of a period of market time (equity_days) with the index's
// level at the same instants, the account's opening, the cash that entered it, every fill, and
// the prices of the traded symbols at the period's start and end. db::pool threads; the
// statistics are computed from it by trading/insights.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/leaderboard.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/trading/insights.hpp"

namespace marketsim::db::insights_repo {

// An end-of-day valuation (the day's last snapshot) and the index there: its price recorded
// with that snapshot, else the index's last stored tick at or before it (nullopt: none).
struct valuation {
  std::int64_t market_ms = 0;
  trading::money_e4 equity = 0;
  std::optional<market::price_e4> index;
  std::string
      wall_at;  // the snapshot's own instant, as PostgreSQL prints it: prices are keyed by it
};

struct history {
  std::int64_t as_of_ms = 0;                    // market time of the newest valuation; 0: none
  std::optional<std::int64_t> period_start_ms;  // the period's first instant (nullopt: "all")
  // The last end of day before the period, when the account has one.
  std::optional<valuation> base;
  std::vector<valuation> days;  // the period's market days, oldest first
  // The account's first valuation, with the cash granted before it: the opening, where a
  // period that the account opened in starts.
  std::optional<valuation> first;
  trading::money_e4 opening_cash = 0;
  // Cash that entered (or left) after the first valuation, at the market time of the first
  // valuation after it (none today: the grant comes before).
  std::vector<trading::insights::dated_flow> flows;
  std::vector<trading::insights::account_fill> fills;  // commit order
  struct price_at {
    std::string symbol;
    std::string wall_at;
    market::price_e4 price = 0;
  };
  // Each traded symbol's price recorded with the base's and the newest day's snapshots.
  std::vector<price_at> prices;
  trading_repo::account_state state;  // cash and positions now
};

// `market_now_ms`: the market's time, the period's end when the account has no valuation yet.
[[nodiscard]] history read_history(connection& c, const trading_repo::player& who,
                                   leaderboard_repo::period p, std::int64_t market_now_ms);

}  // namespace marketsim::db::insights_repo
