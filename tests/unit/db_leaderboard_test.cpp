// The leaderboard's ranking (db/leaderboard.hpp): best return first, compared exactly, equal
// returns by account, accounts without a start dropped.
#include <gtest/gtest.h>

#include "marketsim/db/leaderboard.hpp"

using namespace marketsim::db::leaderboard_repo;

namespace {
standing board_row(std::int64_t account, std::int64_t start, std::int64_t equity) {
  standing s;
  s.account_id = account;
  s.start_equity = start;
  s.equity = equity;
  return s;
}
std::vector<std::int64_t> board_order(std::vector<standing> rows) {
  rank_by_return(rows);
  std::vector<std::int64_t> out;
  for (const auto& r : rows) out.push_back(r.account_id);
  return out;
}
}  // namespace

TEST(Leaderboard, BestReturnFirstTiesByAccount) {
  EXPECT_EQ(board_order({board_row(1, 100, 90), board_row(2, 100, 121), board_row(3, 200, 242),
                         board_row(4, 50, 55)}),
            (std::vector<std::int64_t>{2, 3, 4, 1}));  // 2 and 3 both +21%: 2 first
  EXPECT_EQ(board_order({board_row(9, 100, 110), board_row(5, 100, 110)}),
            (std::vector<std::int64_t>{5, 9}));
}

TEST(Leaderboard, ExactWhereDoublesAreNot) {
  // Equities of about $10^12: the returns differ in the 16th digit, which a double would lose.
  const std::int64_t start = 10'000'000'000'000'000;  // $10^12 in e4
  // 1/s beats 1/(s+1); rounded to doubles both are 1.0 and the tie would put account 1 first.
  EXPECT_EQ(board_order({board_row(2, start, start + 1), board_row(1, start + 1, start + 2)}),
            (std::vector<std::int64_t>{2, 1}));
}

TEST(Leaderboard, NoStartNoRank) {
  EXPECT_EQ(board_order({board_row(1, 0, 100), board_row(2, -5, 100), board_row(3, 100, 100)}),
            (std::vector<std::int64_t>{3}));
  EXPECT_EQ(parse_period("week"), period::week);
  EXPECT_EQ(period_name(period::month), "month");
  EXPECT_FALSE(parse_period("year"));
  EXPECT_FALSE(parse_period("Week"));
}

// Worked by hand: daily returns +10%, -10%, +10%, -10%, +10%. Mean 0.02; deviations 0.08 and
// -0.12, squares 3 * 0.0064 + 2 * 0.0144 = 0.048, sample variance 0.048 / 4 = 0.012, deviation
// 0.1095445; Sharpe 0.02 / 0.1095445 * sqrt(252) = 0.1825742 * 15.8745079 = 2.898275.
TEST(LeaderboardSharpe, HandWorkedSeries) {
  const auto s = annualized_sharpe({1'000'000, 1'100'000, 990'000, 1'089'000, 980'100, 1'078'110});
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR(*s, 2.898275, 1e-5);
  // Losing the same way: the mirror image, negative.
  const auto down =
      annualized_sharpe({1'000'000, 900'000, 990'000, 891'000, 980'100, 882'090});
  ASSERT_TRUE(down.has_value());
  EXPECT_NEAR(*down, -2.898275, 1e-5);
}

TEST(LeaderboardSharpe, NeedsFiveReturnsAndAPositiveBase) {
  EXPECT_FALSE(annualized_sharpe({}).has_value());
  EXPECT_FALSE(annualized_sharpe({100, 101, 102, 103, 104}).has_value());  // four returns
  EXPECT_TRUE(annualized_sharpe({100, 101, 102, 103, 104, 105}).has_value());
  EXPECT_FALSE(annualized_sharpe({100, 0, 102, 103, 104, 105}).has_value());
  // All cash: no return, no risk, a ratio of zero rather than a division by zero.
  EXPECT_EQ(annualized_sharpe({500, 500, 500, 500, 500, 500}), 0.0);
}

TEST(LeaderboardSharpe, RankedFirstThenUnrankedByAccount) {
  std::vector<standing> rows(5);
  for (int i = 0; i < 5; ++i) rows[i].account_id = 10 - i;  // 10, 9, 8, 7, 6
  rows[0].sharpe = 1.5;                                     // account 10
  rows[2].sharpe = 2.0;                                     // account 8
  rows[3].sharpe = 1.5;                                     // account 7: ties with 10
  EXPECT_EQ(rank_by_sharpe(rows), 3u);
  std::vector<std::int64_t> order;
  for (const auto& r : rows) order.push_back(r.account_id);
  EXPECT_EQ(order, (std::vector<std::int64_t>{8, 7, 10, 6, 9}));
}
