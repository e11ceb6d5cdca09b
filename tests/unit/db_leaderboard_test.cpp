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
