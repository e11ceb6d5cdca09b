// Unit tests of the replay provider on the invented fixture history (and on the real
// vega-datasets package when MARKETSIM_DATA_DIR is set): exact OHLC days, monthly anchors,
// timestamps, determinism, resume, and going on past the end. Single-threaded; the wall clock
// is injected.
#include <gtest/gtest.h>
#include <algorithm>

#include <cstdlib>
#include <map>

#include "marketsim/market/candles.hpp"
#include "marketsim/market/replay.hpp"
#include "test_support.hpp"

namespace marketsim::market {
namespace {

const std::string replay_data_dir =
    std::string(test_support::source_dir) + "/tests/fixtures/market_data";

market_settings fixture_settings() {
  market_settings s;
  s.data_dir = replay_data_dir;
  s.tick_interval = std::chrono::milliseconds(1000);
  s.replay_day_duration = std::chrono::milliseconds(20'000);  // 20 steps per day
  s.replay_start = "2005-01-03";
  s.simulated_companies = 3;
  return s;
}

std::unique_ptr<replay_provider> make_replay(const market_settings& s,
                                             const resume_point& resume = {}) {
  auto history = load_history(s.data_dir);
  EXPECT_TRUE(history) << history.error().message;
  auto p = replay_provider::create(std::move(*history), s, resume);
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

// Drives the provider one tick interval at a time, as the feed loop would.
std::vector<tick> run_steps(replay_provider& p, int steps, std::int64_t& wall) {
  std::vector<tick> out;
  for (int i = 0; i < steps; ++i) {
    auto batch = p.next_batch(wall);
    out.insert(out.end(), batch.begin(), batch.end());
    wall += 1000;
  }
  return out;
}

std::map<std::string, std::vector<tick>> by_symbol(const std::vector<tick>& ticks) {
  std::map<std::string, std::vector<tick>> out;
  for (const tick& t : ticks) out[t.symbol].push_back(t);
  return out;
}

day_number day(std::string_view iso) {
  return *parse_iso_date(iso);
}

TEST(MarketReplay, DailyCandlesFromTicksEqualRealOhlc) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  auto history = *load_history(replay_data_dir);
  ASSERT_EQ(p->steps_per_day(), 20);
  ASSERT_EQ(p->first_day(), day("2005-01-03"));
  std::int64_t wall = 0;
  const int days = 10;
  auto ticks = by_symbol(run_steps(*p, days * p->steps_per_day(), wall));
  const auto& spx = ticks["SPX"];
  ASSERT_EQ(spx.size(), static_cast<std::size_t>(days * p->steps_per_day()));
  const auto candles = aggregate(spx, *parse_interval("1d"));
  ASSERT_EQ(candles.size(), static_cast<std::size_t>(days));
  std::size_t checked = 0;
  for (const candle& c : candles) {
    const day_number d = day_of_ms(c.start_ms);
    auto bar = std::find_if(history.index_days.begin(), history.index_days.end(),
                            [&](const daily_bar& b) { return b.day == d; });
    ASSERT_NE(bar, history.index_days.end()) << format_iso_date(d);
    EXPECT_EQ(c.open, bar->open) << format_iso_date(d);
    EXPECT_EQ(c.high, bar->high) << format_iso_date(d);
    EXPECT_EQ(c.low, bar->low) << format_iso_date(d);
    EXPECT_EQ(c.close, bar->close) << format_iso_date(d);
    EXPECT_EQ(c.volume, bar->volume) << format_iso_date(d);
    ++checked;
  }
  EXPECT_EQ(checked, 10u);
  for (const tick& t : spx) EXPECT_EQ(t.price % 100, 0) << "not whole cents";
}

TEST(MarketReplay, StockClosesHitMonthlyAnchors) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  auto history = *load_history(replay_data_dir);
  std::int64_t wall = 0;
  // The whole fixture range: 2005-01-03 .. 2005-04-01.
  auto ticks = by_symbol(run_steps(*p, 63 * p->steps_per_day(), wall));
  int anchors = 0;
  for (const auto& [symbol, points] : history.stocks) {
    for (const monthly_point& point : points) {
      // First trading day on/after the point's date.
      auto bar = std::find_if(history.index_days.begin(), history.index_days.end(),
                              [&](const daily_bar& b) { return b.day >= point.day; });
      ASSERT_NE(bar, history.index_days.end());
      EXPECT_EQ(p->stock_close(symbol, bar->day), point.price) << symbol;
      const tick* last = nullptr;
      for (const tick& t : ticks[symbol]) {
        if (day_of_ms(t.ts_ms) == bar->day) last = &t;
      }
      ASSERT_NE(last, nullptr) << symbol << " " << format_iso_date(bar->day);
      EXPECT_EQ(last->price, point.price) << symbol << " " << format_iso_date(bar->day);
      ++anchors;
    }
  }
  EXPECT_EQ(anchors, 19);
  // 2005-01-17 is closed in the fixture: no ticks that day.
  for (const auto& [symbol, list] : ticks) {
    for (const tick& t : list) EXPECT_NE(day_of_ms(t.ts_ms), day("2005-01-17")) << symbol;
  }
}

TEST(MarketReplay, LateListingHasNoTicksBeforeItsFirstPoint) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  EXPECT_FALSE(p->previous_close("GOOG"));
  std::int64_t wall = 0;
  auto ticks = by_symbol(run_steps(*p, 25 * p->steps_per_day(), wall));
  ASSERT_FALSE(ticks["GOOG"].empty());
  EXPECT_EQ(day_of_ms(ticks["GOOG"].front().ts_ms), day("2005-02-01"));
  EXPECT_EQ(ticks["GOOG"].size() % p->steps_per_day(), 0u);
}

TEST(MarketReplay, TimestampsIncreaseWithinTheSession) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  std::int64_t wall = 0;
  auto ticks = by_symbol(run_steps(*p, 5 * p->steps_per_day(), wall));
  ASSERT_EQ(ticks.size(), 5u + 1u + 3u - 1u);  // GOOG not yet listed
  for (const auto& [symbol, list] : ticks) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      EXPECT_GT(list[i].ts_ms, list[i - 1].ts_ms) << symbol;
    }
    for (const tick& t : list) {
      const std::int64_t in_day = t.ts_ms - std::int64_t{day_of_ms(t.ts_ms)} * ms_per_day;
      EXPECT_GE(in_day, (14 * 60 + 30) * 60'000) << symbol;
      EXPECT_LT(in_day, 21 * 60 * 60'000) << symbol;
      EXPECT_GT(t.price, 0) << symbol;
      EXPECT_GE(t.volume, 0) << symbol;
    }
  }
  EXPECT_EQ(ticks["SPX"].front().ts_ms, replay_tick_ms(day("2005-01-03"), 0, 20));
  EXPECT_EQ(replay_tick_ms(day("2005-01-03"), 1, 300) - replay_tick_ms(day("2005-01-03"), 0, 300),
            78'000);
}

TEST(MarketReplay, SameSeedSameTicksOtherSeedOtherTicks) {
  auto s = fixture_settings();
  auto a = make_replay(s);
  auto b = make_replay(s);
  s.seed = 43;
  auto c = make_replay(s);
  std::int64_t wa = 0, wb = 0, wc = 0;
  auto ta = run_steps(*a, 60, wa);
  auto tb = run_steps(*b, 60, wb);
  auto tc = run_steps(*c, 60, wc);
  ASSERT_EQ(ta.size(), tb.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].symbol, tb[i].symbol);
    EXPECT_EQ(ta[i].price, tb[i].price);
    EXPECT_EQ(ta[i].volume, tb[i].volume);
    EXPECT_EQ(ta[i].ts_ms, tb[i].ts_ms);
    if (ta[i].price != tc[i].price || ta[i].volume != tc[i].volume) ++differing;
  }
  EXPECT_GT(differing, ta.size() / 2);
}

TEST(MarketReplay, DayTicksDoNotDependOnTheStartDay) {
  auto s = fixture_settings();
  auto from_start = make_replay(s);
  s.replay_start = "2005-01-10";
  auto later = make_replay(s);
  std::int64_t w1 = 0, w2 = 0;
  auto all = by_symbol(run_steps(*from_start, 6 * 20, w1));
  auto tail = by_symbol(run_steps(*later, 20, w2));
  std::vector<tick> expected;
  for (const tick& t : all["MSFT"]) {
    if (day_of_ms(t.ts_ms) == day("2005-01-10")) expected.push_back(t);
  }
  ASSERT_EQ(expected.size(), 20u);
  ASSERT_EQ(tail["MSFT"].size(), 20u);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(expected[i].price, tail["MSFT"][i].price);
}

TEST(MarketReplay, ResumeGoesOnAtTheNextStepOfTheSameDay) {
  // A restarted server, or a cluster's new leader: the same day goes on where the last step
  // stopped; the rest of the interrupted day is not skipped.
  auto s = fixture_settings();
  auto first = make_replay(s);
  std::int64_t wall = 0;
  auto ticks = run_steps(*first, 3 * 20 + 7, wall);  // stops mid-day on 2005-01-06
  auto expected = run_steps(*first, 3, wall);
  resume_point resume;
  resume.after_ts_ms = ticks.back().ts_ms;
  for (const tick& t : ticks) resume.last_prices[t.symbol] = t.price;
  auto second = make_replay(s, resume);
  EXPECT_EQ(second->current_day(), day("2005-01-06"));
  // The previous close is still the real (interpolated) close of the day before.
  EXPECT_EQ(second->previous_close("MSFT"), first->stock_close("MSFT", day("2005-01-05")));
  std::int64_t wall2 = 0;
  auto next = run_steps(*second, 3, wall2);
  auto want = by_symbol(expected);
  auto got = by_symbol(next);
  // The real instruments' paths depend on the day alone: the very ticks the first would have made.
  for (const char* symbol : {"MSFT", "SPX"}) {
    ASSERT_EQ(got[symbol].size(), 3u) << symbol;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(got[symbol][i].price, want[symbol][i].price) << symbol << " step " << i;
      EXPECT_EQ(got[symbol][i].ts_ms, want[symbol][i].ts_ms) << symbol << " step " << i;
    }
  }
  EXPECT_GT(next.front().ts_ms, resume.after_ts_ms.value());
  // The invented company goes on from its last price.
  const double before = static_cast<double>(resume.last_prices["NMBQ"]);
  ASSERT_FALSE(got["NMBQ"].empty());
  EXPECT_NEAR(static_cast<double>(got["NMBQ"][0].price), before, before * 0.05);
}

TEST(MarketReplay, ContinuingAfterTheDaysLastStepStartsTheNextDay) {
  auto s = fixture_settings();
  auto first = make_replay(s);
  std::int64_t wall = 0;
  auto ticks = run_steps(*first, 20, wall);  // the whole of 2005-01-03
  resume_point resume;
  resume.after_ts_ms = ticks.back().ts_ms;
  auto second = make_replay(s, resume);
  EXPECT_EQ(second->current_day(), day("2005-01-04"));
  std::int64_t wall2 = 0;
  auto next = run_steps(*second, 1, wall2);
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(day_of_ms(next.front().ts_ms), day("2005-01-04"));
}

TEST(MarketReplay, PreviousCloses) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  auto history = *load_history(replay_data_dir);
  // The index knows the day before the range (2004-12-31); the stocks start on 2005-01-03.
  auto pre =
      std::find_if(history.index_days.begin(), history.index_days.end(),
                   [](const daily_bar& b) { return b.day == *parse_iso_date("2004-12-31"); });
  ASSERT_NE(pre, history.index_days.end());
  EXPECT_EQ(p->previous_close("SPX"), pre->close);
  EXPECT_FALSE(p->previous_close("MSFT"));
  EXPECT_FALSE(p->previous_close("ZZZZ"));
  s.replay_start = "2005-02-02";
  auto q = make_replay(s);
  EXPECT_EQ(q->previous_close("MSFT"), 260'000);  // the Feb 1 anchor
  EXPECT_EQ(q->previous_close("GOOG"), 1'804'000);
}

TEST(MarketReplay, GoesOnPastTheLastDayInTheSimulationNeverWrapping) {
  auto s = fixture_settings();
  s.replay_start = "2005-04-01";  // a Friday, the fixture's last day
  auto p = make_replay(s);
  EXPECT_EQ(p->last_day(), day("2005-04-01"));
  EXPECT_EQ(p->current_day(), day("2005-04-01"));
  EXPECT_FALSE(p->simulating());
  EXPECT_EQ(p->simulated_from_ms(), std::int64_t{day("2005-04-04")} * ms_per_day);
  std::int64_t wall = 0;
  auto ticks = run_steps(*p, 21, wall);
  EXPECT_TRUE(p->simulating());
  EXPECT_EQ(p->current_day(), day("2005-04-04"));  // the Monday after, not the first day
  EXPECT_EQ(day_of_ms(ticks.back().ts_ms), day("2005-04-04"));
  for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_GE(ticks[i].ts_ms, ticks[i - 1].ts_ms);
  // A start after the range starts in the simulation, on its first weekday on or after it.
  s.replay_start = "2011-01-01";  // a Saturday
  auto later = make_replay(s);
  EXPECT_TRUE(later->simulating());
  EXPECT_EQ(later->current_day(), day("2011-01-03"));
}

TEST(MarketReplay, PacedByTheWallClock) {
  auto s = fixture_settings();
  auto p = make_replay(s);
  const std::size_t per_step = 5 + 1 + 3 - 1;
  EXPECT_EQ(p->next_batch(50'000).size(), per_step);
  EXPECT_TRUE(p->next_batch(50'500).empty());  // called early: nothing due yet
  EXPECT_EQ(p->next_batch(51'000).size(), per_step);
  EXPECT_EQ(p->next_batch(53'000).size(), 2 * per_step);
  // After a long stall only a bounded catch-up is emitted, then the pace is normal again.
  EXPECT_EQ(p->next_batch(1'000'000).size(), 10 * per_step);
  EXPECT_EQ(p->next_batch(1'001'000).size(), per_step);
}

TEST(MarketReplay, MakeProviderErrors) {
  auto s = fixture_settings();
  s.provider = "bogus";
  auto unknown = make_provider(s, {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, errc::config_malformed);
  s.provider = "replay";
  s.replay_start = "January";
  auto bad_start = make_provider(s, {});
  ASSERT_FALSE(bad_start);
  EXPECT_EQ(bad_start.error().code, errc::config_malformed);
  s = fixture_settings();
  s.data_dir = "/nonexistent";
  auto missing = make_provider(s, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::io_error);
  s = fixture_settings();
  auto ok = make_provider(s, {});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->name(), "replay");
  EXPECT_EQ((*ok)->instruments().size(), 5u + 1u + 3u);
}

TEST(MarketReplay, RealHistoryWhenAvailable) {
  const char* dir = std::getenv("MARKETSIM_DATA_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "MARKETSIM_DATA_DIR not set";
  market_settings s;
  s.data_dir = dir;
  s.replay_start = "2005-01-03";
  auto made = make_provider(s, {});
  ASSERT_TRUE(made) << made.error().message;
  auto& p = dynamic_cast<replay_provider&>(**made);
  EXPECT_EQ(p.first_day(), day("2000-01-03"));
  EXPECT_EQ(p.last_day(), day("2010-03-01"));
  EXPECT_EQ(p.steps_per_day(), 300);
  std::int64_t wall = 0;
  auto ticks = by_symbol(run_steps(p, 300, wall));
  auto candles = aggregate(ticks["SPX"], *parse_interval("1d"));
  ASSERT_EQ(candles.size(), 1u);
  // 2005-01-03 in sp500-2000.csv: 1211.92, 1217.80, 1200.32, 1202.08.
  EXPECT_EQ(format_price(candles[0].open), "1211.92");
  EXPECT_EQ(format_price(candles[0].high), "1217.80");
  EXPECT_EQ(format_price(candles[0].low), "1200.32");
  EXPECT_EQ(format_price(candles[0].close), "1202.08");
  EXPECT_EQ(p.stock_close("GOOG", day("2004-08-02")), 1'023'700);
  // Every monthly point of stocks.csv pins the close of its first trading day.
  auto history = load_history(dir);
  ASSERT_TRUE(history);
  int anchors = 0;
  for (const auto& [symbol, points] : history->stocks) {
    for (const monthly_point& point : points) {
      auto bar = std::find_if(history->index_days.begin(), history->index_days.end(),
                              [&](const daily_bar& b) { return b.day >= point.day; });
      ASSERT_NE(bar, history->index_days.end());
      EXPECT_EQ(p.stock_close(symbol, bar->day), point.price) << symbol;
      ++anchors;
    }
  }
  EXPECT_EQ(anchors, 560);
  EXPECT_FALSE(p.stock_close("GOOG", day("2004-07-30")));
}

}  // namespace
}  // namespace marketsim::market
