// The home feed's pure parts (market/performance): ranking growth over a window exactly, and
// sector performance from quotes (the index left out, unpriced stocks skipped, best first).
#include <gtest/gtest.h>

#include "marketsim/market/performance.hpp"

namespace marketsim::market {
namespace {

quote priced(std::string symbol, std::string sector, price_e4 previous, price_e4 now,
             instrument_kind kind = instrument_kind::stock) {
  quote q;
  q.info = instrument{std::move(symbol), "name", std::move(sector), kind};
  q.previous_close = previous;
  q.price = now;
  return q;
}

std::vector<std::string> symbols(const std::vector<growth>& list) {
  std::vector<std::string> out;
  for (const auto& g : list) out.push_back(g.symbol);
  return out;
}

TEST(MarketPerformance, RanksGrowthExactlyFastestOrSlowestFirst) {
  // 3/1 grows faster than 299999/100000 although both print as +200%.
  std::vector<growth> list{{"AAA", 10'0000, 12'0000},  // +20%
                           {"BBB", 1'0000, 3'0000},    // +200%
                           {"CCC", 10'0000, 29'9999},  // +199.999%
                           {"DDD", 20'0000, 15'0000},  // -25%
                           {"EEE", 0, 5'0000},         // no base: dropped
                           {"FFF", 5'0000, 6'0000}};   // +20%, after AAA by symbol
  EXPECT_EQ(symbols(rank_growth(list, 4)), (std::vector<std::string>{"BBB", "CCC", "AAA", "FFF"}));
  EXPECT_EQ(symbols(rank_growth(list, 2, false)), (std::vector<std::string>{"DDD", "AAA"}));
  EXPECT_EQ(rank_growth(list, 10).size(), 5u);
  EXPECT_DOUBLE_EQ(growth_percent(list[0]), 20.0);
  EXPECT_DOUBLE_EQ(growth_percent(list[3]), -25.0);
  EXPECT_DOUBLE_EQ(growth_percent(growth{"X", 3'0000, 4'0000}), 33.33);
}

TEST(MarketPerformance, AggregatesSectorsBestFirstWithoutTheIndex) {
  std::vector<quote> quotes{
      priced("T1", "Technology", 100'0000, 110'0000),  // +10%
      priced("T2", "Technology", 100'0000, 96'0000),   // -4%
      priced("E1", "Energy", 50'0000, 51'0000),        // +2%
      priced("SPX", "Index", 1000'0000, 2000'0000, instrument_kind::index),
      priced("U1", "Utilities", 10'0000, 10'0000),  // flat
  };
  quote unpriced;
  unpriced.info = instrument{"N1", "name", "Energy", instrument_kind::simulated};
  quotes.push_back(unpriced);
  auto sectors = sector_performance(quotes);
  ASSERT_EQ(sectors.size(), 3u);
  EXPECT_EQ(sectors[0].sector, "Technology");
  EXPECT_DOUBLE_EQ(sectors[0].change_percent, 3.0);
  EXPECT_EQ(sectors[0].stocks, 2u);
  EXPECT_EQ(sectors[0].advancing, 1u);
  EXPECT_EQ(sectors[0].declining, 1u);
  EXPECT_EQ(sectors[0].best, "T1");
  EXPECT_EQ(sectors[0].worst, "T2");
  EXPECT_EQ(sectors[1].sector, "Energy");
  EXPECT_EQ(sectors[1].stocks, 1u) << "a stock without a price is not counted";
  EXPECT_EQ(sectors[2].sector, "Utilities");
  EXPECT_EQ(sectors[2].advancing + sectors[2].declining, 0u);
  EXPECT_EQ(find_sector(quotes, "technology"), "Technology");
  EXPECT_EQ(find_sector(quotes, "Index"), "") << "the index is no sector";
  EXPECT_EQ(find_sector(quotes, "Nothing"), "");
}

}  // namespace
}  // namespace marketsim::market
