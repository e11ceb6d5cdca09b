// Allocation weights for public profiles (trading/allocation.hpp): largest-remainder shares that
// always add up, the cash slice shared by both views, and sectors summed from their stocks.
// Pure; no database, no clock.
#include "marketsim/trading/allocation.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace marketsim::trading {
namespace {

std::int64_t sum(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}

TEST(Apportion, SharesAddUpAndLeftoversGoToLargestRemainders) {
  // Thirds: 333.33 each, one unit left over, given to the first of the equal remainders.
  const std::vector<money_e4> thirds{1, 1, 1};
  EXPECT_EQ(apportion(thirds, 1000), (std::vector<std::int64_t>{334, 333, 333}));
  // 1/6, 2/6, 3/6 of 1000: 166.67, 333.33, 500 → the .67 gets the unit.
  const std::vector<money_e4> sixths{10, 20, 30};
  EXPECT_EQ(apportion(sixths, 1000), (std::vector<std::int64_t>{167, 333, 500}));
  // Tiny parts beside a huge one still add up exactly.
  const std::vector<money_e4> skewed{1, 1, 999'999'998};
  auto s = apportion(skewed, 1000);
  EXPECT_EQ(sum(s), 1000);
  EXPECT_EQ(s[2], 1000);
}

TEST(Apportion, NothingToShareGivesZeros) {
  const std::vector<money_e4> zeros{0, 0};
  EXPECT_EQ(apportion(zeros, 1000), (std::vector<std::int64_t>{0, 0}));
  EXPECT_TRUE(apportion(std::span<const money_e4>{}, 1000).empty());
}

TEST(Apportion, LargeEquitiesDoNotOverflow) {
  // $900 trillion in e4 is 9e18: times 1000 it needs 128 bits.
  const std::vector<money_e4> big{9'000'000'000'000'000'000LL, 900'000'000'000'000'000LL};
  auto s = apportion(big, 1000);
  EXPECT_EQ(s, (std::vector<std::int64_t>{909, 91}));
}

TEST(Allocate, CashIsOneSliceInBothViews) {
  // $20,000 cash; AAPL $50,000 and MSFT $20,000 (Technology), XOM $10,000 (Energy).
  const std::vector<holding_value> holdings{
      {"MSFT", "Microsoft", "Technology", 200'000'000},
      {"AAPL", "Apple", "Technology", 500'000'000},
      {"XOM", "Exxon", "Energy", 100'000'000},
  };
  auto a = allocate(200'000'000, holdings);
  EXPECT_EQ(a.cash_permille, 200);
  ASSERT_EQ(a.stocks.size(), 3u);
  EXPECT_EQ(a.stocks[0].key, "AAPL");
  EXPECT_EQ(a.stocks[0].permille, 500);
  EXPECT_EQ(a.stocks[0].sector, "Technology");
  EXPECT_EQ(a.stocks[1].key, "MSFT");
  EXPECT_EQ(a.stocks[2].key, "XOM");
  EXPECT_EQ(a.stocks[2].permille, 100);
  ASSERT_EQ(a.sectors.size(), 2u);
  EXPECT_EQ(a.sectors[0].key, "Technology");
  EXPECT_EQ(a.sectors[0].permille, 700);
  EXPECT_EQ(a.sectors[1].key, "Energy");
  EXPECT_EQ(a.sectors[1].permille, 100);
}

TEST(Allocate, BothViewsAddUpToExactly1000WhateverTheRounding) {
  // Seven equal holdings and some cash: none of the quotas is whole.
  std::vector<holding_value> holdings;
  for (int i = 0; i < 7; ++i)
    holdings.push_back({"S" + std::to_string(i), "", i % 2 ? "Odd" : "Even", 1'234'567});
  auto a = allocate(3'333'333, holdings);
  std::int64_t stocks = a.cash_permille, sectors = a.cash_permille;
  for (const auto& s : a.stocks) stocks += s.permille;
  for (const auto& s : a.sectors) sectors += s.permille;
  EXPECT_EQ(stocks, 1000);
  EXPECT_EQ(sectors, 1000);
}

TEST(Allocate, AllCashAndEmptyAccounts) {
  auto cash_only = allocate(1'000'000'000, {});
  EXPECT_EQ(cash_only.cash_permille, 1000);
  EXPECT_TRUE(cash_only.stocks.empty());
  EXPECT_TRUE(cash_only.sectors.empty());
  auto nothing = allocate(0, {});
  EXPECT_EQ(nothing.cash_permille, 1000);
  // A holding of unknown sector is "Other".
  auto other = allocate(0, {{"ZZZ", "ZZZ", "", 5}});
  EXPECT_EQ(other.cash_permille, 0);
  ASSERT_EQ(other.sectors.size(), 1u);
  EXPECT_EQ(other.sectors[0].key, "Other");
  EXPECT_EQ(other.sectors[0].permille, 1000);
}

TEST(Allocate, PercentText) {
  EXPECT_EQ(percent_text(0), "0.0");
  EXPECT_EQ(percent_text(5), "0.5");
  EXPECT_EQ(percent_text(123), "12.3");
  EXPECT_EQ(percent_text(1000), "100.0");
}

}  // namespace
}  // namespace marketsim::trading
