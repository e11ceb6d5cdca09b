// The pure parts of "since you were away" (db/visits.hpp): when a request starts a new visit
// or stores its activity, the biggest moves among a player's holdings (exact, up or down), and
// a player's rank in ranked standings. No database; the SQL is covered by
// tests/integration/since-last-visit.test.mjs.
#include <gtest/gtest.h>

#include "marketsim/db/visits.hpp"

// Named, not used: the unit tests of a module share one unity file.
using marketsim::db::visit_repo::biggest_moves;
using marketsim::db::visit_repo::holding_move;
using marketsim::db::visit_repo::next_step;
using marketsim::db::visit_repo::rank_of;
using marketsim::db::visit_repo::visit_step;

namespace {
constexpr std::int64_t one_minute = 60'000;
constexpr std::int64_t visit_t0 = 1'764'500'000'000;
}  // namespace

TEST(DbVisits, AFirstRequestStartsTheFirstVisit) {
  EXPECT_EQ(next_step(std::nullopt, visit_t0, false), visit_step::start);
  EXPECT_EQ(next_step(std::nullopt, visit_t0, true), visit_step::start);
}

TEST(DbVisits, AGapLongerThanHalfAnHourStartsANewVisit) {
  EXPECT_EQ(next_step(visit_t0, visit_t0 + 30 * one_minute, false),
            visit_step::touch);  // exactly 30: the same
  EXPECT_EQ(next_step(visit_t0, visit_t0 + 30 * one_minute + 1, false), visit_step::start);
  EXPECT_EQ(next_step(visit_t0, visit_t0 + 2 * 60 * one_minute, true), visit_step::start);
}

TEST(DbVisits, ActivityIsStoredAMinuteAtATimeUnlessExact) {
  EXPECT_EQ(next_step(visit_t0, visit_t0, false), visit_step::none);
  EXPECT_EQ(next_step(visit_t0, visit_t0 + one_minute - 1, false), visit_step::none);
  EXPECT_EQ(next_step(visit_t0, visit_t0 + one_minute, false), visit_step::touch);
  // A sign-out stores its time even a moment after the last stored one.
  EXPECT_EQ(next_step(visit_t0, visit_t0 + 1, true), visit_step::touch);
  EXPECT_EQ(next_step(visit_t0, visit_t0, true), visit_step::none);
}

TEST(DbVisits, ATimeBeforeTheStoredOneChangesNothing) {
  // Another instance's clock ran ahead: never move the activity back, never start a visit.
  EXPECT_EQ(next_step(visit_t0, visit_t0 - 40 * one_minute, false), visit_step::none);
  EXPECT_EQ(next_step(visit_t0, visit_t0 - 1, true), visit_step::none);
}

TEST(DbVisits, BiggestMovesAreBySizeUpOrDownExactly) {
  // 100 → 103 is +3%; 50 → 48 is -4%; 10 → 10.29 is +2.9%; 200 → 200 flat.
  std::vector<holding_move> moves{{"AAPL", 5, 1'000'000, 1'030'000},
                                  {"MSFT", 2, 500'000, 480'000},
                                  {"IBM", 1, 100'000, 102'900},
                                  {"GOOG", 1, 2'000'000, 2'000'000}};
  auto top = biggest_moves(moves, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].symbol, "MSFT");
  EXPECT_EQ(top[1].symbol, "AAPL");
  EXPECT_EQ(top[2].symbol, "IBM");
  EXPECT_EQ(top[0].qty, 2);
  EXPECT_EQ(top[0].then, 500'000);
  EXPECT_EQ(top[0].now, 480'000);
}

TEST(DbVisits, EqualMovesBySymbolAndWithoutAPriceThenLeftOut) {
  // +1% and -1% are the same size; a 1-in-a-million difference is not (no rounding).
  std::vector<holding_move> moves{{"ZZZ", 1, 1'000'000, 1'010'000},
                                  {"AAA", 1, 2'000'000, 1'980'000},
                                  {"MID", 1, 1'000'000, 1'010'001},
                                  {"NEW", 1, 0, 1'000'000}};
  auto top = biggest_moves(moves, 10);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].symbol, "MID");
  EXPECT_EQ(top[1].symbol, "AAA");
  EXPECT_EQ(top[2].symbol, "ZZZ");
  EXPECT_TRUE(biggest_moves({}, 3).empty());
}

TEST(DbVisits, RankOfAPlayerInRankedStandings) {
  std::vector<marketsim::db::leaderboard_repo::standing> standings(3);
  standings[0].user_id = 7;
  standings[1].user_id = 3;
  standings[2].user_id = 9;
  EXPECT_EQ(rank_of(standings, 7), 1u);
  EXPECT_EQ(rank_of(standings, 9), 3u);
  EXPECT_EQ(rank_of(standings, 4), std::nullopt);
  EXPECT_EQ(rank_of({}, 7), std::nullopt);
}
