// Anti-collusion flags (issue 11): what the integrity scan finds in the recent trading of
// players (people, not the simulated traders, which are ours), kept in account_flags for the
// leaderboard's entries and the admins' view. db::pool threads; no state.
//  - wash_trading: two accounts (or one with itself) that trade mostly with each other: at
//    least min_pair_fills fills between them, and each side has done at least half of its
//    player-to-player volume with the other.
//  - off_market: player-to-player fills priced more than off_market_ppm from the market's price
//    at the fill's market time.
//  - shared_address: at least shared_address_accounts players signed in from one address.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "marketsim/db/pool.hpp"

namespace marketsim::db::integrity_repo {

struct scan_settings {
  std::chrono::hours window{24 * 7};  // the trading and sign-ins looked at
  int min_pair_fills = 5;
  std::int64_t off_market_ppm = 100'000;  // 10%
  int shared_address_accounts = 3;
};

struct scan_counts {
  std::int64_t wash_trading = 0, off_market = 0, shared_address = 0;  // accounts flagged
};

// Recomputes every flag in one transaction.
scan_counts scan(connection& c, const scan_settings& s);

// Notes that the user signed in from `address` (the client's address as the server sees it).
void record_address(connection& c, std::int64_t user_id, const std::string& address);

struct flag_row {
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  std::string user_tag;
  std::string display_name;
  std::string kind;
  std::string detail;  // a JSON object
  std::int64_t first_seen_ms = 0;
  std::int64_t updated_ms = 0;
};

// Every flag, newest first, at most `limit`.
[[nodiscard]] std::vector<flag_row> read_flags(connection& c, int limit);

}  // namespace marketsim::db::integrity_repo
