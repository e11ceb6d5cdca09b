// Tick triggers as a pure function: resting limits the price crossed fill at their limit,
// stops and stop-limits trigger on the right side, trailing stops follow their water mark
// (by price or by percent) and trigger when the price comes back by the trail.
#include <gtest/gtest.h>

#include "marketsim/trading/triggers.hpp"
#include "test_support.hpp"

using namespace marketsim::trading;
using kind = tick_action::kind;

using marketsim::test_support::usd;

namespace {
standing_order order(side sd, order_type type, std::optional<price_e4> limit = std::nullopt,
                     std::optional<price_e4> stop = std::nullopt) {
  standing_order o;
  o.order_side = sd;
  o.type = type;
  o.limit = limit;
  o.stop = stop;
  return o;
}
}  // namespace

TEST(TradingTriggers, RestingLimitsFillAtTheirLimitWhenCrossed) {
  auto buy = order(side::buy, order_type::limit, 100 * usd);
  EXPECT_EQ(on_tick(buy, 101 * usd).what, kind::none);
  auto a = on_tick(buy, 99 * usd);
  EXPECT_EQ(a.what, kind::fill_at_limit);
  EXPECT_EQ(a.price, 100 * usd);  // at the limit, not the better market price
  auto sell = order(side::sell, order_type::limit, 100 * usd);
  EXPECT_EQ(on_tick(sell, 99 * usd).what, kind::none);
  EXPECT_EQ(on_tick(sell, 100 * usd).what, kind::fill_at_limit);
}

TEST(TradingTriggers, StopsTriggerOnTheirSide) {
  auto stop_sell = order(side::sell, order_type::stop, std::nullopt, 95 * usd);
  EXPECT_EQ(on_tick(stop_sell, 96 * usd).what, kind::none);
  EXPECT_EQ(on_tick(stop_sell, 95 * usd).what, kind::trigger);
  auto stop_buy = order(side::buy, order_type::stop_limit, 106 * usd, 105 * usd);
  EXPECT_EQ(on_tick(stop_buy, 104 * usd).what, kind::none);
  auto t = on_tick(stop_buy, 105'5000);
  EXPECT_EQ(t.what, kind::trigger);
  EXPECT_EQ(t.price, 105 * usd);
}

TEST(TradingTriggers, TrailingSellFollowsTheHighWaterMark) {
  auto o = order(side::sell, order_type::trailing_stop);
  o.trail_price = 2 * usd;
  auto first = on_tick(o, 100 * usd);
  EXPECT_EQ(first.what, kind::move_trail);
  EXPECT_EQ(first.water_mark, 100 * usd);
  EXPECT_EQ(first.price, 98 * usd);
  o.water_mark = first.water_mark;
  auto up = on_tick(o, 110 * usd);  // the mark rises with the price
  EXPECT_EQ(up.what, kind::move_trail);
  EXPECT_EQ(up.water_mark, 110 * usd);
  o.water_mark = up.water_mark;
  EXPECT_EQ(on_tick(o, 109 * usd).what, kind::none);  // a dip within the trail
  auto hit = on_tick(o, 108 * usd);                   // 110 - 2
  EXPECT_EQ(hit.what, kind::trigger);
  EXPECT_EQ(hit.price, 108 * usd);
}

TEST(TradingTriggers, TrailingBuyByPercentFollowsTheLowWaterMark) {
  auto o = order(side::buy, order_type::trailing_stop);
  o.trail_ppm = 50'000;  // 5 %
  o.water_mark = 100 * usd;
  auto down = on_tick(o, 80 * usd);
  EXPECT_EQ(down.what, kind::move_trail);
  EXPECT_EQ(down.water_mark, 80 * usd);
  EXPECT_EQ(down.price, 84 * usd);  // 80 + 5 %
  o.water_mark = down.water_mark;
  EXPECT_EQ(on_tick(o, 83 * usd).what, kind::none);
  EXPECT_EQ(on_tick(o, 84 * usd).what, kind::trigger);
}

TEST(TradingTriggers, PercentTrailOnHugePricesDoesNotOverflow) {
  auto o = order(side::sell, order_type::trailing_stop);
  o.trail_ppm = 999'999;
  price_e4 huge = 900'000'000'000'000'000;  // 9e17: times a million overflows 64 bits
  // The distance is 9e17 × 0.999999 = 899,999,100,000,000,000; what is left is 9e11.
  EXPECT_EQ(trailing_stop_price(o, huge), 900'000'000'000);
}
