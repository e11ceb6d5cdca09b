// Tick triggers (see triggers.hpp). Pure; called by the tick flow for each open order.
#include "marketsim/trading/triggers.hpp"

#include <algorithm>

namespace marketsim::trading {

price_e4 trailing_stop_price(const standing_order& o, price_e4 water_mark) noexcept {
  price_e4 distance = 0;
  if (o.trail_price) {
    distance = *o.trail_price;
  } else if (o.trail_ppm) {
    // 128-bit: a price times a million does not fit in 64 bits for large prices.
    distance = static_cast<price_e4>(static_cast<__int128>(water_mark) * *o.trail_ppm / 1'000'000);
  }
  return o.order_side == side::sell ? std::max<price_e4>(1, water_mark - distance)
                                    : water_mark + distance;
}

tick_action on_tick(const standing_order& o, price_e4 reference) noexcept {
  tick_action a;
  switch (o.type) {
    case order_type::market:
      return a;
    case order_type::limit:
      if (!o.limit) return a;
      if (o.order_side == side::buy ? reference <= *o.limit : reference >= *o.limit)
        a = {tick_action::kind::fill_at_limit, *o.limit, std::nullopt};
      return a;
    case order_type::stop:
    case order_type::stop_limit:
      if (!o.stop) return a;
      if (o.order_side == side::buy ? reference >= *o.stop : reference <= *o.stop)
        a = {tick_action::kind::trigger, *o.stop, std::nullopt};
      return a;
    case order_type::trailing_stop: {
      price_e4 mark = o.water_mark.value_or(reference);
      mark = o.order_side == side::sell ? std::max(mark, reference) : std::min(mark, reference);
      price_e4 stop = trailing_stop_price(o, mark);
      if (o.order_side == side::sell ? reference <= stop : reference >= stop)
        return {tick_action::kind::trigger, stop, mark};
      if (!o.water_mark || mark != *o.water_mark)
        return {tick_action::kind::move_trail, stop, mark};
      return a;
    }
  }
  return a;
}

}  // namespace marketsim::trading
