// The engine's rules without a database: the order state machine, what an order may do with
// what its account holds (cash for buys and what rests, free shares for sells), the plan's
// fills, status and reservations, a waiting stop's reservation with its 5% headroom, a
// triggered stop executing as IOC, and the cost basis a sale takes with it.
#include <gtest/gtest.h>

#include "marketsim/trading/execution_plan.hpp"
#include "test_support.hpp"

using namespace marketsim::trading;

using marketsim::test_support::usd;

namespace {
match_result house_fills(std::int64_t qty, price_e4 price, std::int64_t rests = 0) {
  match_result m;
  if (qty > 0) m.fills.push_back({std::nullopt, qty, price});
  m.filled = qty;
  m.rests = rests;
  return m;
}
}  // namespace

TEST(TradingOrderStatus, NamesRoundTripAndOnlyOpenOrdersChange) {
  for (auto s : {order_status::fresh, order_status::partially_filled, order_status::filled,
                 order_status::canceled, order_status::expired, order_status::replaced,
                 order_status::rejected})
    EXPECT_EQ(marketsim::trading::parse_status(status_name(s)), s);
  EXPECT_EQ(status_name(order_status::fresh), "new");
  EXPECT_FALSE(marketsim::trading::parse_status("pending").has_value());
  EXPECT_TRUE(can_become(order_status::fresh, order_status::filled));
  EXPECT_TRUE(can_become(order_status::partially_filled, order_status::canceled));
  EXPECT_TRUE(can_become(order_status::fresh, order_status::rejected));
  EXPECT_FALSE(can_become(order_status::partially_filled, order_status::rejected));
  EXPECT_FALSE(can_become(order_status::partially_filled, order_status::fresh));
  for (auto final_status : {order_status::filled, order_status::canceled, order_status::expired,
                            order_status::replaced, order_status::rejected})
    EXPECT_FALSE(can_become(final_status, order_status::canceled));
  EXPECT_EQ(status_after(10, 10, true), order_status::filled);
  EXPECT_EQ(status_after(10, 4, true), order_status::partially_filled);
  EXPECT_EQ(status_after(10, 0, true), order_status::fresh);
  EXPECT_EQ(status_after(10, 4, false), order_status::canceled);
}

TEST(TradingExecutionPlan, BuyPaysItsFillsAndHoldsBackWhatRests) {
  executable o{side::buy, 10, 0, 100 * usd, time_in_force::day};
  funds f{1'000 * usd, 0, 0, 0};
  // 4 fill at 99, 6 rest at the limit of 100: 396 + 600 = 996 ≤ 1,000.
  auto p = plan_execution(o, house_fills(4, 99 * usd, 6), f);
  ASSERT_EQ(p.refused, refusal::none);
  ASSERT_EQ(p.fills.size(), 1u);
  EXPECT_EQ(p.fills[0].cum_qty, 4);
  EXPECT_EQ(p.notional, 396 * usd);
  EXPECT_EQ(p.status, order_status::partially_filled);
  EXPECT_EQ(p.rests, 6);
  EXPECT_EQ(p.reserve_price, 100 * usd);
  EXPECT_EQ(p.cash_reserved, 600 * usd);
  EXPECT_EQ(p.shares_reserved, 0);
  // Cash already held back by other orders is not there to spend.
  f.reserved = 5 * usd;
  EXPECT_EQ(plan_execution(o, house_fills(4, 99 * usd, 6), f).refused, refusal::unaffordable_cash);
}

TEST(TradingExecutionPlan, SellNeedsEveryRemainingShareFree) {
  executable o{side::sell, 10, 2, std::nullopt, time_in_force::day};  // 8 remaining
  EXPECT_EQ(plan_execution(o, house_fills(8, 50 * usd), {0, 0, 10, 3}).refused,
            refusal::unaffordable_shares);  // 7 free
  auto p = plan_execution(o, house_fills(8, 50 * usd), {0, 0, 10, 2});
  ASSERT_EQ(p.refused, refusal::none);
  EXPECT_EQ(p.filled_qty, 10);
  EXPECT_EQ(p.fills[0].cum_qty, 10);  // counts what was filled before
  EXPECT_EQ(p.status, order_status::filled);
  EXPECT_EQ(p.cash_reserved, 0);
}

TEST(TradingExecutionPlan, SellThatRestsHoldsBackItsShares) {
  executable o{side::sell, 10, 0, 60 * usd, time_in_force::gtc};
  auto p = plan_execution(o, house_fills(0, 0, 10), {0, 0, 10, 0});
  ASSERT_EQ(p.refused, refusal::none);
  EXPECT_EQ(p.status, order_status::fresh);
  EXPECT_EQ(p.shares_reserved, 10);
  EXPECT_EQ(p.reserve_price, 0);
}

TEST(TradingExecutionPlan, UnfilledRestIsCanceledAndRejectionsAreTold) {
  executable ioc{side::buy, 10, 0, 100 * usd, time_in_force::ioc};
  auto p = plan_execution(ioc, house_fills(3, 99 * usd), {1'000 * usd, 0, 0, 0});
  EXPECT_EQ(p.status, order_status::canceled);
  EXPECT_EQ(p.filled_qty, 3);
  EXPECT_EQ(p.cash_reserved, 0);

  match_result none;
  none.rejected = true;
  executable market{side::buy, 10, 0, std::nullopt, time_in_force::day};
  EXPECT_EQ(plan_execution(market, none, {}).refused, refusal::no_quote);
  EXPECT_EQ(plan_execution(market, none, {}).status, order_status::rejected);
  executable fok{side::buy, 10, 0, 100 * usd, time_in_force::fok};
  EXPECT_EQ(plan_execution(fok, none, {}).refused, refusal::unfilled);
  EXPECT_EQ(plan_execution(fok, none, {}).status, order_status::canceled);
}

TEST(TradingExecutionPlan, FillsAgainstPlayersKeepTheirBookEntry) {
  match_result m;
  m.fills = {{7, 2, 98 * usd}, {std::nullopt, 3, 101 * usd}};
  m.filled = 5;
  executable o{side::buy, 5, 0, std::nullopt, time_in_force::day};
  auto p = plan_execution(o, m, {1'000 * usd, 0, 0, 0});
  ASSERT_EQ(p.fills.size(), 2u);
  EXPECT_EQ(p.fills[0].resting_id, 7);
  EXPECT_EQ(p.fills[0].cum_qty, 2);
  EXPECT_FALSE(p.fills[1].resting_id.has_value());
  EXPECT_EQ(p.fills[1].cum_qty, 5);
  EXPECT_EQ(p.notional, 196 * usd + 303 * usd);
}

TEST(TradingExecutionPlan, WaitingBuyHoldsBackItsStopWithFivePercentHeadroom) {
  waiting_order stop{side::buy, order_type::stop, 10, std::nullopt, 100 * usd};
  // The stop is above the price now: 100 + 5% = 105 per share.
  EXPECT_EQ(stop_reserve_price(stop, 90 * usd), 105 * usd);
  // The price is above the stop: it would pay the price, plus 5%.
  EXPECT_EQ(stop_reserve_price(stop, 120 * usd), 126 * usd);
  auto p = plan_waiting(stop, 90 * usd, {2'000 * usd, 0, 0, 0});
  ASSERT_EQ(p.refused, refusal::none);
  EXPECT_EQ(p.reserve_price, 105 * usd);
  EXPECT_EQ(p.cash_reserved, 1'050 * usd);
  EXPECT_EQ(plan_waiting(stop, 90 * usd, {1'000 * usd, 0, 0, 0}).refused,
            refusal::unaffordable_cash);
  // A stop-limit never pays more than its limit.
  waiting_order stop_limit{side::buy, order_type::stop_limit, 10, 102 * usd, 100 * usd};
  EXPECT_EQ(plan_waiting(stop_limit, 90 * usd, {2'000 * usd, 0, 0, 0}).reserve_price, 102 * usd);
  // A trailing buy: price + trail, plus 5%.
  waiting_order trail{side::buy, order_type::trailing_stop, 1, std::nullopt, std::nullopt,
                      10 * usd};
  EXPECT_EQ(stop_reserve_price(trail, 100 * usd), 115'5000);
  // A waiting sell holds its shares.
  waiting_order sell{side::sell, order_type::stop, 5, std::nullopt, 90 * usd};
  EXPECT_EQ(plan_waiting(sell, 100 * usd, {0, 0, 5, 0}).shares_reserved, 5);
  EXPECT_EQ(plan_waiting(sell, 100 * usd, {0, 0, 5, 1}).refused, refusal::unaffordable_shares);
}

TEST(TradingExecutionPlan, TriggeredStopExecutesAsIocAndStopLimitAsItsLimit) {
  auto stop = on_trigger(order_type::stop, std::nullopt, time_in_force::gtc);
  EXPECT_FALSE(stop.limit.has_value());
  EXPECT_EQ(stop.tif, time_in_force::ioc);
  auto trailing = on_trigger(order_type::trailing_stop, std::nullopt, time_in_force::day);
  EXPECT_EQ(trailing.tif, time_in_force::ioc);
  auto stop_limit = on_trigger(order_type::stop_limit, 99 * usd, time_in_force::gtc);
  EXPECT_EQ(stop_limit.limit, 99 * usd);
  EXPECT_EQ(stop_limit.tif, time_in_force::gtc);
}

TEST(TradingExecutionPlan, SaleTakesTheAverageCostRoundedHalfUp) {
  EXPECT_EQ(cost_removed(1'000 * usd, 10, 10), 1'000 * usd);  // closing takes all of it
  EXPECT_EQ(cost_removed(1'000 * usd, 10, 20), 1'000 * usd);
  EXPECT_EQ(cost_removed(1'000 * usd, 10, 3), 300 * usd);
  EXPECT_EQ(cost_removed(10, 3, 1), 3);  // 3.33 → 3
  EXPECT_EQ(cost_removed(11, 3, 1), 4);  // 3.67 → 4
  EXPECT_EQ(cost_removed(3, 2, 1), 2);   // 1.5 → 2 (half up)
}
