// The hybrid exchange's matching rule as a pure function (no database, no clock): an incoming
// order meets players' resting orders first, by price-time priority, then whatever is still
// marketable fills against the house at the reference price plus or minus the half-spread.
// Prices are market::price_e4 (exact, 4 decimals); quantities are whole shares. The order path
// (issue 4) calls this inside the database transaction that locks the symbol, with the resting
// orders it read there; unit tests call it directly.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::trading {

using market::price_e4;

enum class side { buy, sell };
enum class time_in_force { day, gtc, ioc, fok };

struct resting_order {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  side order_side = side::sell;
  price_e4 limit = 0;
  std::int64_t remaining = 0;
  std::int64_t sequence = 0;  // arrival order: earlier rests first at one price
};

struct incoming_order {
  std::int64_t account_id = 0;
  side order_side = side::buy;
  std::optional<price_e4> limit;  // nullopt: a market order
  std::int64_t qty = 0;
  time_in_force tif = time_in_force::day;
};

struct fill {
  std::optional<std::int64_t> resting_id;  // nullopt: the house took the other side
  std::int64_t qty = 0;
  price_e4 price = 0;
};

struct match_result {
  std::vector<fill> fills;
  std::int64_t filled = 0;
  std::int64_t rests = 0;     // left to rest in the book (a limit order, day or gtc)
  std::int64_t canceled = 0;  // left unfilled and not resting (IOC, FOK, or no quote)
  bool rejected = false;      // FOK that could not fill whole, or a market order with no quote
};

// The house's prices around a reference: it sells at reference + half_spread and buys at
// reference - half_spread (never below one ten-thousandth).
[[nodiscard]] price_e4 house_ask(price_e4 reference, price_e4 half_spread) noexcept;
[[nodiscard]] price_e4 house_bid(price_e4 reference, price_e4 half_spread) noexcept;

// `book`: resting orders of the symbol (either side, any order; the function picks and sorts).
// `reference`: the symbol's current price, nullopt before its first tick.
// A resting order trades with the incoming one only when its price is at least as good as the
// house's (players never get a worse price than the market), never with the same account, and
// at its own limit price.
[[nodiscard]] match_result match(const incoming_order& order, std::span<const resting_order> book,
                                 std::optional<price_e4> reference, price_e4 half_spread);

}  // namespace marketsim::trading
