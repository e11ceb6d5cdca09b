// What a new reference price does to one open order, as a pure function: a resting limit the
// price crossed is filled by the house at its limit; a stop or stop-limit triggers; a trailing
// stop moves its high-water mark (low-water for a buy) and triggers when the price comes back by
// the trail. The order path applies the action in the database; unit tests call it directly.
#pragma once
#include <cstdint>
#include <optional>

#include "marketsim/trading/matcher.hpp"

namespace marketsim::trading {

enum class order_type { market, limit, stop, stop_limit, trailing_stop };

struct standing_order {
  side order_side = side::buy;
  order_type type = order_type::limit;
  std::optional<price_e4> limit;
  std::optional<price_e4> stop;
  std::optional<price_e4> trail_price;    // trailing stop: a fixed distance, or
  std::optional<std::int64_t> trail_ppm;  // a distance in millionths of the water mark
  std::optional<price_e4> water_mark;     // trailing stop: best price seen since placed
};

struct tick_action {
  enum class kind {
    none,
    fill_at_limit,  // a resting limit the price crossed: the house fills it at `price`
    trigger,        // a stop: it becomes a market order (stop_limit: a limit order) now
    move_trail,     // a trailing stop's water mark moved to `water_mark`; stop now `price`
  };
  kind what = kind::none;
  price_e4 price = 0;
  std::optional<price_e4> water_mark;
};

// The stop price a trailing stop has at this water mark.
[[nodiscard]] price_e4 trailing_stop_price(const standing_order& o, price_e4 water_mark) noexcept;

[[nodiscard]] tick_action on_tick(const standing_order& o, price_e4 reference) noexcept;

}  // namespace marketsim::trading
