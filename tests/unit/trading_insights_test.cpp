// The Insights' figures (trading/insights.hpp) against examples worked by hand in the comments,
// and their edge cases: no trades, one day, all cash, a position closed and reopened.
#include <gtest/gtest.h>

#include <cmath>

#include "marketsim/trading/insights.hpp"

using namespace marketsim::trading::insights;
using marketsim::trading::money_e4;

namespace {

constexpr std::int64_t insight_day = 86'400'000;
constexpr money_e4 dollars(std::int64_t d) {
  return d * 10'000;
}

std::vector<point> equity_points(std::initializer_list<std::int64_t> values) {
  std::vector<point> out;
  std::int64_t day = 1;
  for (auto v : values) out.push_back({day++ * insight_day, dollars(v), 0});
  return out;
}

account_fill trade(std::int64_t day_tenths, const char* symbol, bool buy, std::int64_t qty,
                   std::int64_t price) {
  return {day_tenths * insight_day / 10, symbol, buy, qty, dollars(price)};
}

// AAPL: buy 10 @ 100 (day 1), buy 10 @ 120 (day 2): 20 at an average 110, cost 2,200.
// Sell 5 @ 130 (day 3): cost removed 550, realized +100. Sell 15 @ 100 (day 4): cost removed
// 1,650, realized -150; the position is flat: the first round trip made -50 in 3 days.
// Reopened: buy 10 @ 90 (day 5), sell 10 @ 99 (day 7): realized +90 in 2 days.
// MSFT: buy 10 @ 50 (day 4), still held.
std::vector<account_fill> closed_and_reopened() {
  return {trade(10, "AAPL", true, 10, 100), trade(20, "AAPL", true, 10, 120),
          trade(30, "AAPL", false, 5, 130), trade(40, "AAPL", false, 15, 100),
          trade(40, "MSFT", true, 10, 50),  trade(50, "AAPL", true, 10, 90),
          trade(70, "AAPL", false, 10, 99)};
}

}  // namespace

// Daily returns +10%, -10%, +10%, -10%, +10%: mean 0.02; deviations 0.08 (x3) and -0.12 (x2),
// squares 0.048, sample variance 0.012, deviation 0.1095445. Volatility 0.1095445 x sqrt(252)
// = 1.7389652; Sharpe 0.02 / 0.1095445 x sqrt(252) = 2.8982753. Downside: two losing days of
// 0.01 squared over 5 returns, sqrt(0.004) = 0.0632456; Sortino 0.02 / 0.0632456 x sqrt(252)
// = 5.0199602.
TEST(Insights, VolatilitySharpeSortinoByHand) {
  const std::vector<double> r{0.1, -0.1, 0.1, -0.1, 0.1};
  EXPECT_NEAR(*annualized_volatility(r), 1.7389652, 1e-6);
  EXPECT_NEAR(*annualized_sharpe(r), 2.8982753, 1e-6);
  EXPECT_NEAR(*annualized_sortino(r), 5.0199602, 1e-6);
}

TEST(Insights, ReturnsFromEquities) {
  const std::vector<money_e4> e{dollars(100), dollars(110), dollars(99)};
  auto r = simple_returns(e);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_DOUBLE_EQ((*r)[0], 0.1);
  EXPECT_DOUBLE_EQ((*r)[1], -0.1);
  // A return from zero is none.
  const std::vector<money_e4> broke{dollars(100), 0, dollars(10)};
  EXPECT_FALSE(simple_returns(broke));
}

// Portfolio returns 2%, -1%, 3% and the index's 1%, -1%, 2%, in units of 1/300: p = 6, -3, 9
// (mean 4; deviations 2, -7, 5), m = 3, -3, 6 (mean 2; deviations 1, -5, 4). Sums: p·m 57,
// m·m 42, p·p 78. Beta 57 / 42 = 1.3571429; correlation 57 / sqrt(42 x 78) = 0.9958706.
TEST(Insights, BetaAndCorrelationByHand) {
  const std::vector<double> p{0.02, -0.01, 0.03};
  const std::vector<double> m{0.01, -0.01, 0.02};
  EXPECT_NEAR(*beta(p, m), 57.0 / 42.0, 1e-9);
  EXPECT_NEAR(*correlation(p, m), 0.9958706, 1e-6);
  // Twice the index's moves: beta 2, perfectly correlated; the opposite: -1 and -1.
  const std::vector<double> twice{0.02, -0.02, 0.04};
  EXPECT_NEAR(*beta(twice, m), 2.0, 1e-9);
  EXPECT_NEAR(*correlation(twice, m), 1.0, 1e-9);
  const std::vector<double> against{-0.01, 0.01, -0.02};
  EXPECT_NEAR(*beta(against, m), -1.0, 1e-9);
  EXPECT_NEAR(*correlation(against, m), -1.0, 1e-9);
  // Pairs must be of the same days.
  EXPECT_FALSE(beta(std::vector<double>{0.1, 0.2}, m));
}

// All cash: the equity never moves. No risk and no return: volatility 0, Sharpe and Sortino 0,
// beta 0 (it does not move with the index); a correlation with a series that never moves has
// no meaning (null). A flat index has no beta either.
TEST(Insights, AllCash) {
  const auto points = equity_points({100'000, 100'000, 100'000, 100'000, 100'000, 100'000});
  auto r = step_returns(points);
  ASSERT_TRUE(r);
  const std::vector<double> m{0.01, -0.02, 0.01, 0.0, 0.03};
  EXPECT_EQ(*annualized_volatility(*r), 0.0);
  EXPECT_EQ(*annualized_sharpe(*r), 0.0);
  EXPECT_EQ(*annualized_sortino(*r), 0.0);
  EXPECT_EQ(*beta(*r, m), 0.0);
  EXPECT_FALSE(correlation(*r, m));
  EXPECT_EQ(*time_weighted_return(points), 0.0);
  EXPECT_EQ(max_drawdown(points)->max, 0.0);
  const std::vector<double> flat_index(5, 0.0);
  EXPECT_FALSE(beta(*r, flat_index));
}

// Only gains: a Sortino ratio has no downside to measure against.
TEST(Insights, SortinoWithoutALosingDay) {
  EXPECT_FALSE(annualized_sortino(std::vector<double>{0.01, 0.02, 0.01}));
}

// One day: a start and one end of day make one return, too few for any statistic; the return
// itself is there, and the drawdown of a rise is 0.
TEST(Insights, OneDay) {
  const auto points = equity_points({100'000, 101'000});
  auto r = step_returns(points);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE(annualized_volatility(*r));
  EXPECT_FALSE(annualized_sharpe(*r));
  EXPECT_FALSE(annualized_sortino(*r));
  EXPECT_FALSE(beta(*r, std::vector<double>{0.01}));
  EXPECT_NEAR(*time_weighted_return(points), 0.01, 1e-12);
  EXPECT_EQ(max_drawdown(points)->max, 0.0);
  // A single point: no return at all.
  EXPECT_FALSE(time_weighted_return(equity_points({100'000})));
}

// Equity 1,000 → 1,100 (+10%), then 1,000 deposited and the day ends at 2,210: the day's own
// return is (2,210 - 1,000) / 1,100 - 1 = +10%. Chained: 1.1 x 1.1 - 1 = 21%.
TEST(Insights, TimeWeightedReturnTakesFlowsOut) {
  std::vector<point> points{
      {1, dollars(1000), 0}, {2, dollars(1100), 0}, {3, dollars(2210), dollars(1000)}};
  EXPECT_NEAR(*time_weighted_return(points), 0.21, 1e-12);
}

// The IRR at 10% a year, over periods of 2 and 3 years (so the period's rate is 21% and 33.1%):
// - 100 at the start, 100 more after a year, 231 at the end: 100 x 1.21 + 100 x 1.1 = 231.
// - 1,000 at the start, 550 taken out after a year, 605 at the end: 1,210 - 605 = 605.
// - several flows over 3 years: 1,000 at the start, +500 after one, -200 after two; at the end
//   1,000 x 1.331 + 500 x 1.21 - 200 x 1.1 = 1,716.
// Without flows it is the plain return, as the time-weighted return is.
TEST(Insights, MoneyWeightedReturnByHand) {
  const std::int64_t year = 365 * insight_day;
  const std::vector<dated_flow> deposit{{year, dollars(100)}};
  EXPECT_NEAR(*money_weighted_return(dollars(100), 0, deposit, dollars(231), 2 * year), 0.21, 1e-9);
  const std::vector<dated_flow> withdrawal{{year, -dollars(550)}};
  EXPECT_NEAR(*money_weighted_return(dollars(1000), 0, withdrawal, dollars(605), 2 * year), 0.21,
              1e-9);
  const std::vector<dated_flow> several{{year, dollars(500)}, {2 * year, -dollars(200)}};
  EXPECT_NEAR(*money_weighted_return(dollars(1000), 0, several, dollars(1716), 3 * year), 0.331,
              1e-9);
  EXPECT_NEAR(*money_weighted_return(dollars(100), 0, {}, dollars(110), year), 0.1, 1e-12);
  // A period without length has no rate.
  EXPECT_FALSE(money_weighted_return(dollars(100), year, {}, dollars(110), year));
}

// 100, 120, 90, 110, 130: from the peak of 120 (day 2) to 90 (day 3) is -25%, regained on day 5
// (130). Then 80 on day 6: 50 / 130 = 38.46% from day 5's peak, the deepest, not regained.
TEST(Insights, MaxDrawdownWithItsDates) {
  auto first = max_drawdown(equity_points({100, 120, 90, 110, 130}));
  ASSERT_TRUE(first);
  EXPECT_NEAR(first->max, 0.25, 1e-12);
  EXPECT_EQ(first->peak_ms, 2 * insight_day);
  EXPECT_EQ(first->trough_ms, 3 * insight_day);
  EXPECT_EQ(first->recovered_ms, 5 * insight_day);
  ASSERT_EQ(first->series.size(), 5u);
  EXPECT_NEAR(first->series[3], 110.0 / 120.0 - 1, 1e-12);
  EXPECT_EQ(first->series[4], 0.0);

  auto all = max_drawdown(equity_points({100, 120, 90, 110, 130, 80}));
  ASSERT_TRUE(all);
  EXPECT_NEAR(all->max, 50.0 / 130.0, 1e-12);
  EXPECT_EQ(all->peak_ms, 5 * insight_day);
  EXPECT_EQ(all->trough_ms, 6 * insight_day);
  EXPECT_FALSE(all->recovered_ms);
}

// The whole history (see closed_and_reopened): realized -50 then +90, 40 in all; one win in two
// round trips; held 3 and 2 days, 2.5 on average. Nothing is held of AAPL; MSFT's 10 at 500.
TEST(Insights, PositionClosedAndReopened) {
  const auto fills = closed_and_reopened();
  auto r = replay_fills(fills, std::numeric_limits<std::int64_t>::min(),
                        std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.realized_total, dollars(40));
  EXPECT_EQ(r.fills, 7);
  // 1,000 + 1,200 + 650 + 1,500 + 500 + 900 + 990.
  EXPECT_EQ(r.traded, dollars(6740));
  ASSERT_EQ(r.closed.size(), 2u);
  EXPECT_EQ(r.closed[0].realized, -dollars(50));
  EXPECT_EQ(r.closed[0].opened_ms, insight_day);
  EXPECT_EQ(r.closed[0].closed_ms, 4 * insight_day);
  EXPECT_EQ(r.closed[1].realized, dollars(90));
  ASSERT_EQ(r.symbols.size(), 2u);
  EXPECT_EQ(r.symbols[0].symbol, "AAPL");
  EXPECT_EQ(r.symbols[0].qty_at_end, 0);
  EXPECT_EQ(r.symbols[0].cost_at_end, 0);
  EXPECT_EQ(r.symbols[0].realized, dollars(40));
  EXPECT_EQ(r.symbols[1].qty_at_end, 10);
  EXPECT_EQ(r.symbols[1].cost_at_end, dollars(500));

  const auto points = equity_points({1000, 1200});
  auto s = statistics_of(r, points);
  EXPECT_EQ(s.round_trips, 2);
  EXPECT_EQ(s.wins, 1);
  EXPECT_DOUBLE_EQ(*s.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(*s.average_hold_days, 2.5);
  // Turnover: 6,740 traded over an average equity of 1,100.
  EXPECT_NEAR(*s.turnover, 6740.0 / 1100.0, 1e-12);
}

// A period from day 3.5: AAPL's 15 shares (cost 1,650) are held at its start; the sell of day
// 4 realizes -150 in it and closes the first round trip (-50 over its life: a loss), the reopened
// one makes +90. Realized in the period -60. Traded in it: 1,500 + 500 + 900 + 990 = 3,890.
// Contributions with AAPL at 125 at the start (15 x 125 = 1,875) and MSFT at 55 at the end:
//   AAPL: 0 - 1,875 - 900 (bought) + 2,490 (sold) = -285; MSFT: 550 - 0 - 500 = +50.
// Of a starting equity of 10,000: -2.85% and +0.5%, MSFT first.
TEST(Insights, APeriodSplitsTheHistory) {
  const auto fills = closed_and_reopened();
  auto r = replay_fills(fills, 35 * insight_day / 10, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.fills, 4);
  EXPECT_EQ(r.traded, dollars(3890));
  ASSERT_EQ(r.closed.size(), 2u);
  EXPECT_EQ(r.symbols[0].qty_at_start, 15);
  EXPECT_EQ(r.symbols[0].cost_at_start, dollars(1650));
  EXPECT_EQ(r.symbols[0].realized, -dollars(60));
  EXPECT_EQ(r.symbols[1].qty_at_start, 0);
  auto s = statistics_of(r, equity_points({10'000}));
  EXPECT_DOUBLE_EQ(*s.win_rate, 0.5);

  const std::vector<holding_values> values{{"AAPL", dollars(1875), 0}, {"MSFT", 0, dollars(550)}};
  auto c = contributions(r, values, dollars(10'000));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].symbol, "MSFT");
  EXPECT_EQ(c[0].pl, dollars(50));
  EXPECT_NEAR(*c[0].share, 0.005, 1e-12);
  EXPECT_EQ(c[1].symbol, "AAPL");
  EXPECT_EQ(c[1].pl, -dollars(285));
  EXPECT_NEAR(*c[1].share, -0.0285, 1e-12);

  // From day 4.5 only the reopened round trip is the period's: one win of one.
  auto later = replay_fills(fills, 45 * insight_day / 10, std::numeric_limits<std::int64_t>::max());
  ASSERT_EQ(later.closed.size(), 1u);
  EXPECT_DOUBLE_EQ(*statistics_of(later, {}).win_rate, 1.0);
  // Fills after the period's end are left out: up to day 6, the reopened trip is still open.
  auto until = replay_fills(fills, 45 * insight_day / 10, 6 * insight_day);
  EXPECT_TRUE(until.closed.empty());
  EXPECT_EQ(until.symbols[0].qty_at_end, 10);
}

// No trades: no round trips (no win rate, no hold time), a turnover of 0, no contributions.
TEST(Insights, NoTrades) {
  auto r = replay_fills({}, 0, std::numeric_limits<std::int64_t>::max());
  auto s = statistics_of(r, equity_points({100'000, 100'000}));
  EXPECT_EQ(s.round_trips, 0);
  EXPECT_FALSE(s.win_rate);
  EXPECT_FALSE(s.average_hold_days);
  EXPECT_EQ(*s.turnover, 0.0);
  EXPECT_TRUE(contributions(r, {}, dollars(100'000)).empty());
  EXPECT_EQ(r.realized_total, 0);
}
