// The bot runner's pure parts: the roster drawn from the seed (who, which strategy, which
// symbols: every symbol gets a market maker) and the order budget all bots share.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "marketsim/bots/bot_runner.hpp"

using namespace marketsim::bots;
using marketsim::trading::bots::strategy_kind;

namespace {
std::vector<std::string> roster_symbols(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("S" + std::to_string(100 + i));
  return out;
}
}  // namespace

TEST(BotRoster, ThirtyBotsOverTwentyFiveSymbols) {
  const auto symbols = roster_symbols(25);
  const auto plans = plan_bots(30, 7, symbols);
  ASSERT_EQ(plans.size(), 30u);
  EXPECT_EQ(plans.front().identity.tag, "bot_01");
  EXPECT_EQ(plans.back().identity.tag, "bot_30");
  std::set<std::string> quoted;
  std::map<strategy_kind, int> kinds;
  for (const auto& p : plans) {
    EXPECT_EQ(p.identity.strategy, p.params.kind);
    EXPECT_FALSE(p.params.symbols.empty()) << p.identity.tag;
    EXPECT_LE(p.identity.display_name.size(), 40u);  // the users table's limit
    ++kinds[p.params.kind];
    if (p.params.kind == strategy_kind::market_maker)
      quoted.insert(p.params.symbols.begin(), p.params.symbols.end());
    for (const auto& s : p.params.symbols)
      EXPECT_TRUE(std::find(symbols.begin(), symbols.end(), s) != symbols.end()) << s;
  }
  EXPECT_EQ(quoted.size(), symbols.size());  // every symbol has a market maker
  EXPECT_EQ(kinds.size(), 5u);
  EXPECT_EQ(kinds[strategy_kind::market_maker], 6);
}

TEST(BotRoster, TheSeedDecides) {
  const auto symbols = roster_symbols(25);
  const auto a = plan_bots(30, 7, symbols);
  const auto b = plan_bots(30, 7, symbols);
  const auto c = plan_bots(30, 8, symbols);
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].params.symbols, b[i].params.symbols);
    EXPECT_EQ(a[i].params.order_value, b[i].params.order_value);
    differs = differs || a[i].params.symbols != c[i].params.symbols ||
              a[i].params.order_value != c[i].params.order_value;
  }
  EXPECT_TRUE(differs);
}

TEST(BotRoster, NoneWithoutBotsOrSymbols) {
  EXPECT_TRUE(plan_bots(0, 1, roster_symbols(3)).empty());
  EXPECT_TRUE(plan_bots(5, 1, {}).empty());
  // More makers than symbols: each still has one.
  for (const auto& p : plan_bots(30, 1, roster_symbols(2))) EXPECT_FALSE(p.params.symbols.empty());
}

TEST(BotOrderBudget, AtMostTheRateEachSecond) {
  using namespace std::chrono_literals;
  order_budget budget(3);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  int taken = 0;
  for (int i = 0; i < 10; ++i) taken += budget.take(t0) ? 1 : 0;
  EXPECT_EQ(taken, 3);
  EXPECT_FALSE(budget.take(t0 + 100ms));  // 0.3 of a token back: not enough
  EXPECT_TRUE(budget.take(t0 + 400ms));   // 1.2 back
  // A long idle spell refills the bucket, never beyond one second's worth.
  taken = 0;
  for (int i = 0; i < 10; ++i) taken += budget.take(t0 + 60s) ? 1 : 0;
  EXPECT_EQ(taken, 3);
}
