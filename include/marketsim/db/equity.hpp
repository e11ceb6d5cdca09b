// Equity snapshots: every player's equity written at the current prices (the background
// snapshot timer) and a player's history read back in buckets (the portfolio chart). db::pool
// threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

// Every player's equity at these prices (a position without a price counts at its cost), one
// snapshot row each at the database's now() and at `market_ms`, the market's time (0: none
// known yet), with the prices themselves (price_snapshots). Returns the equity rows written.
[[nodiscard]] std::int64_t snapshot_equity(
    connection& c, const std::vector<std::pair<std::string, trading::price_e4>>& prices,
    std::int64_t market_ms);
// The player's snapshots in [from_ms, to_ms], the last one of each bucket, oldest first; at
// most max_history_points buckets (the newest). Times are the wall clock's (the portfolio
// chart) or the market's (public profiles, whose periods are market days); snapshots taken
// before they carried the market's time have none and are left out of the market's history.
inline constexpr std::int64_t max_history_points = 50'000;
enum class snapshot_clock { wall, market };
struct equity_point {
  std::int64_t at_ms = 0;
  trading::money_e4 equity = 0;
};
[[nodiscard]] std::vector<equity_point> equity_history(connection& c, const player& who,
                                                       std::int64_t from_ms, std::int64_t to_ms,
                                                       std::int64_t bucket_ms,
                                                       snapshot_clock clock = snapshot_clock::wall);
// The market time of the account's first snapshot that has one (0: none yet).
[[nodiscard]] std::int64_t first_market_snapshot_ms(connection& c, std::int64_t account_id);

}  // namespace marketsim::db::trading_repo
