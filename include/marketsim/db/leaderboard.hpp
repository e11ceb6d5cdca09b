// The leaderboard's standings (issue 11): each active player's equity now and at the start of a
// period of market time, from the equity snapshots (which carry the market's time) and the
// starting grant. db::pool threads; rank_by_return is pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::db::leaderboard_repo {

// Periods in market days, the last of which is the day of the newest snapshot: that day, the
// last 7 or 30 of them, or since each account opened.
enum class period { day, week, month, all };
[[nodiscard]] std::optional<period> parse_period(std::string_view text) noexcept;
[[nodiscard]] std::string_view period_name(period p) noexcept;

struct standing {
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  std::string user_tag;
  std::string display_name;
  bool public_profile = false;
  std::string bot_strategy;            // empty: a person
  trading::money_e4 start_equity = 0;  // the last snapshot before the period, else the grant
  trading::money_e4 equity = 0;        // the newest snapshot
};

struct board {
  std::int64_t as_of_ms = 0;  // market time of the newest snapshot; 0: none yet
  std::vector<standing> standings;
};

// Every active player with a snapshot in market time. The return over the period is
// equity / start_equity - 1: the only money that ever enters an account is its starting grant,
// before its first snapshot, so this is also the time-weighted return.
[[nodiscard]] board read_board(connection& c, period p);

// Best return first (compared exactly, without rounding); equal returns by account id. Those
// with no starting equity are dropped.
void rank_by_return(std::vector<standing>& standings);

}  // namespace marketsim::db::leaderboard_repo
