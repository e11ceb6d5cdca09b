// A portfolio's allocation as weights only (issue 11's public profiles): each holding's and each
// sector's share of the equity, the cash its own slice, in tenths of a percent that add up to
// exactly 100.0 however they round. What a public profile shows instead of holdings, so neither
// share counts nor amounts of money leave the server. Pure: called on io threads, unit-tested.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/money.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::trading {

// `units` shared out in proportion to `parts` (each >= 0) by largest remainder: every share is
// its exact quota rounded down or up, and the shares add up to `units` exactly (ties go to the
// earlier part). All zero: all zero.
[[nodiscard]] std::vector<std::int64_t> apportion(std::span<const money_e4> parts,
                                                  std::int64_t units);

struct holding_value {
  std::string symbol;
  std::string name;
  std::string sector;  // empty: not known (shown as "Other")
  money_e4 value = 0;
};

struct weighted {
  std::string key;            // the symbol, or the sector
  std::string name;           // the company's name (stocks only)
  std::string sector;         // the stock's sector (stocks only)
  std::int64_t permille = 0;  // tenths of a percent of the equity
};

struct allocation {
  std::int64_t cash_permille = 1000;
  std::vector<weighted> stocks;   // heaviest first; with the cash, 1000 in all
  std::vector<weighted> sectors;  // heaviest first; with the cash, 1000 in all
};

// The cash's share is rounded once, and the stocks and the sectors each share out the rest, so
// both views show the same cash slice.
[[nodiscard]] allocation allocate(money_e4 cash, const std::vector<holding_value>& holdings);

// Each position at the quote's current price (at its cost without one, as the equity snapshots
// count it), with the catalog's name and sector.
[[nodiscard]] std::vector<holding_value> value_holdings(
    const std::vector<position_record>& positions, const market::quote_cache& quotes);

// "12.3" (permille as a percent with one decimal).
[[nodiscard]] std::string percent_text(std::int64_t permille);

}  // namespace marketsim::trading
