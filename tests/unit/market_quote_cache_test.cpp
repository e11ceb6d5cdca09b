// Unit tests of the quote cache (day roll, change since previous close, movers) and of candle
// aggregation and merging. Single-threaded apart from the concurrent-readers smoke test.
#include <gtest/gtest.h>

#include <thread>

#include "marketsim/market/candles.hpp"
#include "marketsim/market/quote_cache.hpp"

namespace marketsim::market {
namespace {

constexpr std::int64_t day1 = 1'104'762'600'000;  // 2005-01-03T14:30:00Z
constexpr std::int64_t day2 = day1 + 86'400'000;

std::vector<instrument> instruments() {
  return {{"AAA", "A Co", "Technology", instrument_kind::stock},
          {"BBB", "B Co", "Energy", instrument_kind::simulated},
          {"CCC", "C Co", "Utilities", instrument_kind::simulated},
          {"SPX", "S&P 500 Index", "Index", instrument_kind::index}};
}

TEST(MarketQuoteCache, FirstTickStartsTheDay) {
  quote_cache cache;
  cache.reset(instruments(), {{"AAA", 100'000}});
  auto q = cache.find("AAA");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->price);
  EXPECT_EQ(q->previous_close, 100'000);
  EXPECT_FALSE(change_of(*q));
  cache.apply({"AAA", 110'000, 50, day1});
  cache.apply({"AAA", 90'000, 20, day1 + 1000});
  cache.apply({"AAA", 105'000, 30, day1 + 2000});
  q = cache.find("AAA");
  EXPECT_EQ(q->price, 105'000);
  EXPECT_EQ(q->day_open, 110'000);
  EXPECT_EQ(q->day_high, 110'000);
  EXPECT_EQ(q->day_low, 90'000);
  EXPECT_EQ(q->day_volume, 100);
  EXPECT_EQ(q->updated_ms, day1 + 2000);
  auto c = change_of(*q);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->amount, 5'000);
  EXPECT_DOUBLE_EQ(c->percent, 5.0);
}

TEST(MarketQuoteCache, NextUtcDayRollsPreviousClose) {
  quote_cache cache;
  cache.reset(instruments(), {});
  cache.apply({"AAA", 100'000, 10, day1});
  EXPECT_FALSE(change_of(*cache.find("AAA")));  // no previous close known yet
  cache.apply({"AAA", 120'000, 10, day1 + 3'600'000});
  cache.apply({"AAA", 126'000, 7, day2});
  auto q = *cache.find("AAA");
  EXPECT_EQ(q.previous_close, 120'000);
  EXPECT_EQ(q.day_open, 126'000);
  EXPECT_EQ(q.day_high, 126'000);
  EXPECT_EQ(q.day_low, 126'000);
  EXPECT_EQ(q.day_volume, 7);
  EXPECT_DOUBLE_EQ(change_of(q)->percent, 5.0);
  // The replay wraps back to its first day: that is a new day too.
  cache.apply({"AAA", 99'000, 1, day1});
  EXPECT_EQ(cache.find("AAA")->previous_close, 126'000);
  EXPECT_EQ(cache.find("AAA")->day_volume, 1);
}

TEST(MarketQuoteCache, UnknownSymbolsAreIgnoredAndOrderKept) {
  quote_cache cache;
  cache.reset(instruments(), {});
  cache.apply({"ZZZ", 1, 1, day1});
  EXPECT_FALSE(cache.contains("ZZZ"));
  EXPECT_TRUE(cache.contains("SPX"));
  auto all = cache.all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].info.symbol, "AAA");
  EXPECT_EQ(all[3].info.symbol, "SPX");
  EXPECT_EQ(all[3].info.kind, instrument_kind::index);
}

TEST(MarketQuoteCache, TopMoversExcludeIndexes) {
  quote_cache cache;
  cache.reset(instruments(),
              {{"AAA", 100'000}, {"BBB", 100'000}, {"CCC", 100'000}, {"SPX", 100'000}});
  cache.apply({"AAA", 110'000, 500, day1});  // +10%
  cache.apply({"BBB", 95'000, 900, day1});   // -5%
  cache.apply({"CCC", 102'000, 100, day1});  // +2%
  cache.apply({"SPX", 150'000, 9'999'999, day1});
  auto m = cache.top_movers(5);
  ASSERT_EQ(m.gainers.size(), 2u);
  EXPECT_EQ(m.gainers[0].info.symbol, "AAA");
  EXPECT_EQ(m.gainers[1].info.symbol, "CCC");
  ASSERT_EQ(m.losers.size(), 1u);
  EXPECT_EQ(m.losers[0].info.symbol, "BBB");
  ASSERT_EQ(m.most_active.size(), 3u);
  EXPECT_EQ(m.most_active[0].info.symbol, "BBB");
  EXPECT_EQ(m.most_active[2].info.symbol, "CCC");
  auto one = cache.top_movers(1);
  EXPECT_EQ(one.gainers.size(), 1u);
  EXPECT_EQ(one.most_active.size(), 1u);
  EXPECT_TRUE(cache.top_movers(0).gainers.empty());
}

TEST(MarketQuoteCache, ConcurrentReadersSeeWholeQuotes) {
  quote_cache cache;
  cache.reset(instruments(), {});
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      auto q = cache.find("AAA");
      if (q && q->price) {
        ASSERT_LE(*q->day_low, *q->day_high);
      }
    }
  });
  for (int i = 0; i < 20'000; ++i) cache.apply({"AAA", 100'000 + (i % 97) * 100, 1, day1 + i});
  done = true;
  reader.join();
  EXPECT_EQ(cache.find("AAA")->day_volume, 20'000);
}

TEST(MarketCandles, ParseInterval) {
  EXPECT_EQ(parse_interval("1m"), 60'000);
  EXPECT_EQ(parse_interval("5m"), 300'000);
  EXPECT_EQ(parse_interval("1h"), 3'600'000);
  EXPECT_EQ(parse_interval("1d"), 86'400'000);
  EXPECT_FALSE(parse_interval("2m"));
  EXPECT_FALSE(parse_interval(""));
  EXPECT_FALSE(parse_interval("1D"));
  EXPECT_EQ(bucket_start(-1, 60'000), -60'000);
  EXPECT_EQ(bucket_start(119'999, 60'000), 60'000);
}

TEST(MarketCandles, AggregatesTicksIntoBuckets) {
  const std::vector<tick> ticks = {
      {"AAA", 100, 1, 0},     {"AAA", 120, 2, 10'000},  {"AAA", 90, 3, 59'999},
      {"AAA", 95, 4, 59'999}, {"AAA", 200, 5, 180'000},
  };
  auto candles = aggregate(ticks, 60'000);
  ASSERT_EQ(candles.size(), 2u);  // empty buckets are not invented
  EXPECT_EQ(candles[0].start_ms, 0);
  EXPECT_EQ(candles[0].open, 100);
  EXPECT_EQ(candles[0].high, 120);
  EXPECT_EQ(candles[0].low, 90);
  EXPECT_EQ(candles[0].close, 95);  // ties keep their order: the later tick closes
  EXPECT_EQ(candles[0].volume, 10);
  EXPECT_EQ(candles[1].start_ms, 180'000);
  EXPECT_EQ(candles[1].open, 200);
  EXPECT_EQ(candles[1].close, 200);
  EXPECT_TRUE(aggregate({}, 60'000).empty());
}

TEST(MarketCandles, MergeJoinsTheSharedBucket) {
  const std::vector<candle> earlier = {{0, 10, 12, 9, 11, 100}, {60'000, 11, 15, 8, 14, 50}};
  const std::vector<candle> later = {{60'000, 13, 16, 10, 12, 20}, {120'000, 12, 13, 11, 13, 5}};
  auto merged = merge(earlier, later);
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].close, 11);
  const candle& joined = merged[1];
  EXPECT_EQ(joined.start_ms, 60'000);
  EXPECT_EQ(joined.open, 11);
  EXPECT_EQ(joined.high, 16);
  EXPECT_EQ(joined.low, 8);
  EXPECT_EQ(joined.close, 12);
  EXPECT_EQ(joined.volume, 70);
  EXPECT_EQ(merged[2].start_ms, 120'000);
  EXPECT_EQ(merge(earlier, {}).size(), 2u);
  EXPECT_EQ(merge({}, later).size(), 2u);
}

TEST(MarketCandles, MergeEqualsAggregatingEverything) {
  std::vector<tick> ticks;
  for (int i = 0; i < 500; ++i) ticks.push_back({"AAA", 1000 + (i * 37) % 101, i % 7, i * 7'001});
  const auto whole = aggregate(ticks, 300'000);
  for (std::size_t split : {0u, 1u, 123u, 250u, 499u, 500u}) {
    const auto a = aggregate(std::span(ticks).first(split), 300'000);
    const auto b = aggregate(std::span(ticks).subspan(split), 300'000);
    const auto merged = merge(a, b);
    ASSERT_EQ(merged.size(), whole.size()) << split;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(merged[i].start_ms, whole[i].start_ms);
      EXPECT_EQ(merged[i].open, whole[i].open);
      EXPECT_EQ(merged[i].high, whole[i].high);
      EXPECT_EQ(merged[i].low, whole[i].low);
      EXPECT_EQ(merged[i].close, whole[i].close);
      EXPECT_EQ(merged[i].volume, whole[i].volume);
    }
  }
}

}  // namespace
}  // namespace marketsim::market
