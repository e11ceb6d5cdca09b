// The tick side of the order flow in PostgreSQL: new prices applied to the open orders they
// affect. db::pool threads (the background pool, through db::order_ticker).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

// One symbol's new price, as the tick flow hands it over.
struct symbol_tick {
  std::string symbol;
  trading::price_e4 price = 0;
  std::string market_day;      // YYYY-MM-DD of the tick
  std::int64_t market_ms = 0;  // the tick's market time (the tape's time of what it fills)
};
struct tick_outcome {
  int fills = 0;
  int triggered = 0;
  int expired = 0;
  int trailed = 0;
};
// Applies the ticks to open orders: day orders of an earlier day expire, crossed limits fill
// against the house, stops trigger, trailing stops move. Only orders the new prices affect are
// read (index ranges, see migrations/0005): trailing stops' water marks move in one statement
// per symbol, then every crossed or expired order runs in its own transaction, oldest first,
// with no batch cap, so no number of far-away orders can keep a crossed one waiting.
[[nodiscard]] tick_outcome apply_ticks(connection& c, const std::vector<symbol_tick>& ticks,
                                       trading::price_e4 half_spread);

}  // namespace marketsim::db::trading_repo
