// An order's life as a state machine: the statuses Alpaca names, which are open, and which
// changes are allowed. Pure; any thread. The engine (trading/execution_plan.hpp) only plans
// allowed changes, and db/ stores the status by its name.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace marketsim::trading {

enum class order_status {
  fresh,             // "new": accepted, nothing filled yet
  partially_filled,  // some filled, the rest still open
  filled,            // every share filled
  canceled,          // ended by the player, or what an IOC/FOK/stop could not fill
  expired,           // a day order whose simulated day ended
  replaced,          // ended by a replacement (PATCH)
  rejected,          // never executable (no quote yet)
};

[[nodiscard]] std::string_view status_name(order_status s) noexcept;
[[nodiscard]] std::optional<order_status> parse_status(std::string_view s) noexcept;

// Open orders rest in the book or wait for a trigger; every other status is final.
[[nodiscard]] constexpr bool is_open(order_status s) noexcept {
  return s == order_status::fresh || s == order_status::partially_filled;
}

// The allowed changes: an open order may fill (partly or whole) or end; a final one never
// changes again. A fresh order may also be stored directly as rejected or canceled.
[[nodiscard]] bool can_become(order_status from, order_status to) noexcept;

// The status an order has after filling `filled` of `qty` shares while `open` (resting or
// waiting): filled when whole, otherwise partially filled or new while open, canceled when
// the rest neither fills nor stays.
[[nodiscard]] order_status status_after(std::int64_t qty, std::int64_t filled, bool open) noexcept;

}  // namespace marketsim::trading
