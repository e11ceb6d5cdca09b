// How the market moved, for the home feed (issue 11): which stocks grew fastest over a window
// of market time, and how each sector did today. Pure: the home feed hands it the quotes and
// the prices a window ago; any thread.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/market/quote_cache.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

// A stock's price at the start of a window and now.
struct growth {
  std::string symbol;
  price_e4 from = 0;
  price_e4 to = 0;
};

// Growth to/from - 1 in percent, to 2 decimals (a figure to show, never money).
[[nodiscard]] double growth_percent(const growth& g) noexcept;

// The `count` fastest growers (fastest first) or, with `fastest` false, the `count` slowest
// (steepest fall first). Compared exactly (to/from against each other in 128 bits), equal
// growth by symbol; entries without two positive prices are dropped.
[[nodiscard]] std::vector<growth> rank_growth(std::vector<growth> list, std::size_t count,
                                              bool fastest = true);

struct sector_move {
  std::string sector;
  std::size_t stocks = 0;     // priced stocks with a previous close
  std::size_t advancing = 0;  // up since the previous close
  std::size_t declining = 0;
  double change_percent = 0;  // the stocks' mean change since the previous close, 2 decimals
  std::string best;           // the sector's best and worst stock today
  std::string worst;
};

// Each sector of the stocks (indexes left out) that have a price and a previous close, best
// sector first (equal ones by name).
[[nodiscard]] std::vector<sector_move> sector_performance(const std::vector<quote>& quotes);

// The sector of `name` compared without case, or "" when none of the quotes has it.
[[nodiscard]] std::string find_sector(const std::vector<quote>& quotes, std::string_view name);

}  // namespace marketsim::market
