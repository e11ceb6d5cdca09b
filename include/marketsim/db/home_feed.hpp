// What the home feed (issue 11, api/home_feed) reads from the database: the newest large fills
// with who traded, the newest players, each stock's price a week and a month of market time
// ago, and the leaderboard's standings (through db/leaderboard). One read builds a whole feed
// snapshot. db::pool threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/db/leaderboard.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/types.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::db::home_feed_repo {

// A player as the feed may show them: by name only if a bot or opted in (public_profile).
struct party {
  std::int64_t account_id = 0;
  std::string user_tag;
  std::string display_name;
  bool public_profile = false;
  std::string bot_strategy;  // empty: a person
};

struct large_fill {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;  // wall time
  std::string symbol;
  market::price_e4 price = 0;
  std::int64_t qty = 0;
  std::optional<party> buyer;  // nullopt: the house
  std::optional<party> seller;
};

struct newcomer {
  party who;
  std::int64_t joined_ms = 0;
};

// A stock's price at the start of a window of market time: the last tick at or before it, or,
// when the history kept starts later, its first tick (at_ms says which).
struct window_base {
  std::string symbol;
  market::price_e4 price = 0;
  std::int64_t at_ms = 0;
};

struct query {
  std::int64_t market_ms = 0;            // now in market time; 0: no windows
  trading::money_e4 large_trade_e4 = 0;  // a fill's price × qty from which it is notable
  std::size_t fills = 8;
  std::size_t newest = 8;
};

struct inputs {
  std::vector<large_fill> fills;  // newest first
  std::vector<newcomer> newest;   // newest first
  std::vector<window_base> week;
  std::vector<window_base> month;
  leaderboard_repo::board board;  // period all, unranked
};

inline constexpr std::int64_t week_days = 7;
inline constexpr std::int64_t month_days = 30;

[[nodiscard]] inputs read_inputs(connection& c, const query& q);

}  // namespace marketsim::db::home_feed_repo
