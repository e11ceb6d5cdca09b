// The matcher as a pure function: price-time priority among players, partial fills, the house
// taking the marketable rest at reference ± half-spread, players never trading at a worse price
// than the house, no self-trades, IOC and FOK, market orders without a quote.
#include <gtest/gtest.h>

#include <vector>

#include "marketsim/trading/matcher.hpp"
#include "test_support.hpp"

using namespace marketsim::trading;

using marketsim::test_support::usd;

namespace {
resting_order sell_at(std::int64_t id, price_e4 limit, std::int64_t qty, std::int64_t seq,
                      std::int64_t account = 100) {
  return {id, account, side::sell, limit, qty, seq};
}
resting_order buy_at(std::int64_t id, price_e4 limit, std::int64_t qty, std::int64_t seq,
                     std::int64_t account = 100) {
  return {id, account, side::buy, limit, qty, seq};
}
incoming_order buy(std::int64_t qty, std::optional<price_e4> limit = std::nullopt,
                   time_in_force tif = time_in_force::day) {
  return {1, side::buy, limit, qty, tif};
}
incoming_order sell(std::int64_t qty, std::optional<price_e4> limit = std::nullopt,
                    time_in_force tif = time_in_force::day) {
  return {1, side::sell, limit, qty, tif};
}
}  // namespace

TEST(TradingMatcher, PriceThenTimePriorityAmongPlayers) {
  std::vector<resting_order> book{sell_at(1, 101 * usd, 5, 3), sell_at(2, 100 * usd, 5, 2),
                                  sell_at(3, 100 * usd, 5, 1), sell_at(4, 99 * usd, 5, 4)};
  auto r = match(buy(12), book, 102 * usd, 1 * usd);  // house ask 103
  ASSERT_EQ(r.fills.size(), 3u);
  EXPECT_EQ(r.fills[0].resting_id, 4);  // best price first
  EXPECT_EQ(r.fills[0].price, 99 * usd);
  EXPECT_EQ(r.fills[1].resting_id, 3);  // same price: earlier first
  EXPECT_EQ(r.fills[2].resting_id, 2);
  EXPECT_EQ(r.fills[2].qty, 2);  // partial fill of the resting order
  EXPECT_EQ(r.filled, 12);
  EXPECT_EQ(r.rests, 0);
}

TEST(TradingMatcher, HouseTakesTheMarketableRestAtTheSpread) {
  std::vector<resting_order> book{sell_at(1, 100 * usd, 3, 1)};
  auto r = match(buy(10), book, 100 * usd, 5'000);  // house ask 100.50
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[1].resting_id, std::nullopt);
  EXPECT_EQ(r.fills[1].qty, 7);
  EXPECT_EQ(r.fills[1].price, 100 * usd + 5'000);
  auto s = match(sell(4), {}, 100 * usd, 5'000);
  ASSERT_EQ(s.fills.size(), 1u);
  EXPECT_EQ(s.fills[0].price, 100 * usd - 5'000);
}

TEST(TradingMatcher, PlayersNeverTradeWorseThanTheHouse) {
  // A resting sell above the house ask is skipped: the buyer gets the house price instead.
  std::vector<resting_order> book{sell_at(1, 105 * usd, 5, 1)};
  auto r = match(buy(5), book, 100 * usd, 1 * usd);
  ASSERT_EQ(r.fills.size(), 1u);
  EXPECT_EQ(r.fills[0].resting_id, std::nullopt);
  EXPECT_EQ(r.fills[0].price, 101 * usd);
  // A resting buy below the house bid is skipped for a seller too.
  std::vector<resting_order> bids{buy_at(2, 90 * usd, 5, 1)};
  auto s = match(sell(5), bids, 100 * usd, 1 * usd);
  EXPECT_EQ(s.fills[0].resting_id, std::nullopt);
  EXPECT_EQ(s.fills[0].price, 99 * usd);
}

TEST(TradingMatcher, NoSelfTradeAndSameSideIgnored) {
  std::vector<resting_order> book{sell_at(1, 100 * usd, 5, 1, /*account=*/1),
                                  buy_at(2, 100 * usd, 5, 2)};
  auto r = match(buy(5, 100 * usd), book, 100 * usd, 1 * usd);  // house ask 101 > limit
  EXPECT_TRUE(r.fills.empty());
  EXPECT_EQ(r.rests, 5);
}

TEST(TradingMatcher, LimitRestsWhatIsNotMarketable) {
  std::vector<resting_order> book{sell_at(1, 99 * usd, 2, 1)};
  auto r = match(buy(10, 99 * usd), book, 100 * usd, 1 * usd);
  EXPECT_EQ(r.filled, 2);
  EXPECT_EQ(r.rests, 8);
  EXPECT_EQ(r.canceled, 0);
  EXPECT_FALSE(r.rejected);
}

TEST(TradingMatcher, ImmediateOrCancelDropsTheRest) {
  std::vector<resting_order> book{sell_at(1, 99 * usd, 2, 1)};
  auto r = match(buy(10, 99 * usd, time_in_force::ioc), book, 100 * usd, 1 * usd);
  EXPECT_EQ(r.filled, 2);
  EXPECT_EQ(r.rests, 0);
  EXPECT_EQ(r.canceled, 8);
}

TEST(TradingMatcher, FillOrKillIsAllOrNothing) {
  std::vector<resting_order> book{sell_at(1, 99 * usd, 2, 1)};
  auto none = match(buy(10, 99 * usd, time_in_force::fok), book, 100 * usd, 1 * usd);
  EXPECT_TRUE(none.rejected);
  EXPECT_TRUE(none.fills.empty());
  EXPECT_EQ(none.filled, 0);
  EXPECT_EQ(none.canceled, 10);
  // Marketable against the house: fills whole.
  auto all = match(buy(10, 101 * usd, time_in_force::fok), book, 100 * usd, 1 * usd);
  EXPECT_FALSE(all.rejected);
  EXPECT_EQ(all.filled, 10);
}

TEST(TradingMatcher, MarketOrderWithoutQuoteFillsOnlyWithPlayers) {
  std::vector<resting_order> book{sell_at(1, 50 * usd, 3, 1)};
  auto partial = match(buy(5), book, std::nullopt, 1 * usd);
  EXPECT_EQ(partial.filled, 3);
  EXPECT_EQ(partial.canceled, 2);
  EXPECT_FALSE(partial.rejected);
  auto none = match(buy(5), {}, std::nullopt, 1 * usd);
  EXPECT_TRUE(none.rejected);
  EXPECT_EQ(none.canceled, 5);
}

TEST(TradingMatcher, NonPositiveQuantityIsRejected) {
  EXPECT_TRUE(match(buy(0), {}, 100 * usd, 1).rejected);
  EXPECT_TRUE(match(buy(-3), {}, 100 * usd, 1).rejected);
}

TEST(TradingMatcher, HouseBidNeverReachesZero) {
  EXPECT_EQ(house_bid(5, 100), 1);
  EXPECT_EQ(house_ask(5, 100), 105);
}
