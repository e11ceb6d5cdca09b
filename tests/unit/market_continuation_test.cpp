// Unit tests of the simulated continuation of the real history, on a small synthetic history
// whose statistics are known: market time keeps increasing across the end of the history (no
// wrap), the days are the same for a seed, the generated days move like the real ones
// (volatility, correlation) and a restart inside the continuation goes on at the next step.
// Single-threaded; the wall clock is injected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "marketsim/market/candles.hpp"
#include "marketsim/market/continuation.hpp"
#include "marketsim/market/random.hpp"
#include "marketsim/market/replay.hpp"

namespace marketsim::market {
namespace {

// The synthetic market: an index with these daily statistics, and MSFT moving with it.
constexpr double index_sigma = 0.02;
constexpr double index_drift = 0.0004;
constexpr double msft_beta = 1.5;
constexpr double msft_own_sigma = 0.03;
constexpr int real_days = 1000;
constexpr int steps = 4;  // per trading day

const double msft_sigma = std::hypot(msft_beta * index_sigma, msft_own_sigma);
const double msft_correlation = msft_beta * index_sigma / msft_sigma;

day_number date_of(std::string_view iso) {
  return *parse_iso_date(iso);
}

// Weekdays from 2001-01-01 (a Monday); MSFT's "monthly" points every 21 trading days on the
// trading day itself, the first and last on the index's first and last day.
market_history synthetic_history() {
  random_source rng(7);
  market_history h;
  double index = std::log(1000.0);
  double msft = std::log(50.0);
  day_number d = date_of("2001-01-01");
  std::vector<monthly_point> points;
  for (int i = 0; i < real_days; ++i) {
    const double before = index;
    if (i > 0) {
      d = next_weekday(d);
      const double market = index_drift + index_sigma * rng.normal();
      index += market;
      msft += msft_beta * market + msft_own_sigma * rng.normal();
    }
    // The open is an overnight gap away from the previous close.
    const price_e4 open = price_of_log(before + 0.002 * rng.normal());
    const price_e4 close = price_of_log(index);
    h.index_days.push_back(daily_bar{d, open, std::max(open, close) + 100,
                                     std::max(std::min(open, close) - 100, cent), close,
                                     1'000'000});
    if (i % 21 == 0 || i == real_days - 1) points.push_back({d, price_of_log(msft)});
  }
  h.stocks.emplace("MSFT", std::move(points));
  return h;
}

market_settings synthetic_settings() {
  market_settings s;
  s.tick_interval = std::chrono::milliseconds(1000);
  s.replay_day_duration = std::chrono::milliseconds(1000 * steps);
  s.simulated_companies = 2;
  s.seed = 11;
  return s;
}

std::unique_ptr<replay_provider> make(const market_settings& s, const resume_point& resume = {}) {
  auto p = replay_provider::create(synthetic_history(), s, resume);
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

std::vector<tick> run_days(replay_provider& p, int days, std::int64_t& wall) {
  std::vector<tick> out;
  for (int i = 0; i < days * steps; ++i) {
    auto batch = p.next_batch(wall);
    out.insert(out.end(), batch.begin(), batch.end());
    wall += 1000;
  }
  return out;
}

// The close of each day, in order, for one symbol.
std::vector<price_e4> daily_closes(const std::vector<tick>& ticks, std::string_view symbol) {
  std::vector<tick> mine;
  for (const tick& t : ticks)
    if (t.symbol == symbol) mine.push_back(t);
  std::vector<price_e4> out;
  for (const candle& c : aggregate(mine, *parse_interval("1d"))) out.push_back(c.close);
  return out;
}

std::vector<double> log_returns(const std::vector<price_e4>& closes) {
  std::vector<double> out;
  for (std::size_t i = 1; i < closes.size(); ++i)
    out.push_back(log_price(closes[i]) - log_price(closes[i - 1]));
  return out;
}

double deviation(const std::vector<double>& xs) {
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double squares = 0;
  for (double x : xs) squares += (x - mean) * (x - mean);
  return std::sqrt(squares / static_cast<double>(xs.size() - 1));
}

double correlation(const std::vector<double>& xs, const std::vector<double>& ys) {
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= static_cast<double>(xs.size());
  my /= static_cast<double>(ys.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) * (xs[i] - mx);
    syy += (ys[i] - my) * (ys[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

bool on_a_session_step(std::int64_t ts_ms) {
  for (int k = 0; k < steps; ++k)
    if (replay_tick_ms(day_of_ms(ts_ms), k, steps) == ts_ms) return true;
  return false;
}

TEST(MarketContinuation, MarketTimeKeepsIncreasingAcrossTheEndOfTheHistory) {
  auto s = synthetic_settings();
  const auto history = synthetic_history();
  const day_number last = history.index_days.back().day;
  s.replay_start = format_iso_date(history.index_days[real_days - 3].day);
  auto p = make(s);
  EXPECT_FALSE(p->simulating());
  EXPECT_EQ(p->simulated_from_ms(), std::int64_t{next_weekday(last)} * ms_per_day);
  std::int64_t wall = 0;
  const auto ticks = run_days(*p, 30, wall);
  EXPECT_TRUE(p->simulating());
  EXPECT_EQ(p->last_day(), last);
  std::map<std::string, std::int64_t, std::less<>> newest;
  std::set<day_number> days;
  for (const tick& t : ticks) {
    auto [it, first] = newest.emplace(t.symbol, t.ts_ms);
    if (!first) {
      EXPECT_GT(t.ts_ms, it->second) << t.symbol << " went back in time";
      it->second = t.ts_ms;
    }
    days.insert(day_of_ms(t.ts_ms));
    EXPECT_TRUE(on_a_session_step(t.ts_ms)) << t.symbol << " at " << t.ts_ms;
  }
  // 3 real days, then 27 simulated weekdays; no day comes twice, none goes back.
  ASSERT_EQ(days.size(), 30u);
  EXPECT_EQ(std::count_if(days.begin(), days.end(), [&](day_number d) { return d > last; }), 27);
  EXPECT_EQ(*std::next(days.begin(), 3), next_weekday(last));
  for (day_number d : days) {
    const int weekday = (d + 4) % 7;  // 0: Sunday
    EXPECT_TRUE(weekday != 0 && weekday != 6) << format_iso_date(d) << " is a weekend";
  }
  // Every symbol trades on every simulated step, the invented companies too.
  for (const auto& symbol : {"MSFT", "SPX"}) {
    EXPECT_EQ(std::count_if(ticks.begin(), ticks.end(),
                            [&](const tick& t) { return t.symbol == symbol; }),
              30 * steps)
        << symbol;
  }
  // It goes on from the last real prices: the first simulated close is one day's move away.
  const auto msft = daily_closes(ticks, "MSFT");
  ASSERT_EQ(msft.size(), 30u);
  EXPECT_LT(std::abs(log_price(msft[3]) - log_price(msft[2])), 6 * msft_sigma);
  const auto spx = daily_closes(ticks, "SPX");
  EXPECT_LT(std::abs(log_price(spx[3]) - log_price(spx[2])), 6 * index_sigma);
}

TEST(MarketContinuation, SimulatedDaysHaveTheShapeOfRealOnes) {
  // Each simulated day's index ticks make a proper candle: open first, close last, the high and
  // the low inside the day, the day's volume split over the steps.
  auto s = synthetic_settings();
  s.replay_start = "2030-01-01";
  auto p = make(s);
  ASSERT_TRUE(p->simulating());
  std::int64_t wall = 0;
  std::vector<tick> spx;
  for (const tick& t : run_days(*p, 20, wall))
    if (t.symbol == "SPX") spx.push_back(t);
  const auto candles = aggregate(spx, *parse_interval("1d"));
  ASSERT_EQ(candles.size(), 20u);
  int moved = 0;
  for (const candle& c : candles) {
    EXPECT_GE(c.high, std::max(c.open, c.close));
    EXPECT_LE(c.low, std::min(c.open, c.close));
    EXPECT_GT(c.volume, 0);
    if (c.high > c.low) ++moved;
  }
  EXPECT_EQ(moved, 20);
  for (const tick& t : spx) EXPECT_EQ(t.price % 100, 0) << "not whole cents";
}

TEST(MarketContinuation, SameSeedSameDaysOtherSeedOtherDays) {
  auto s = synthetic_settings();
  s.replay_start = "2004-11-01";  // after the history's end (2004-10-29)
  auto a = make(s);
  auto b = make(s);
  s.seed = 12;
  auto c = make(s);
  ASSERT_TRUE(a->simulating());
  std::int64_t wa = 0, wb = 0, wc = 0;
  const auto ta = run_days(*a, 10, wa);
  const auto tb = run_days(*b, 10, wb);
  const auto tc = run_days(*c, 10, wc);
  ASSERT_EQ(ta.size(), tb.size());
  ASSERT_EQ(ta.size(), tc.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].symbol, tb[i].symbol);
    EXPECT_EQ(ta[i].price, tb[i].price) << ta[i].symbol << " " << i;
    EXPECT_EQ(ta[i].volume, tb[i].volume);
    EXPECT_EQ(ta[i].ts_ms, tb[i].ts_ms);
    EXPECT_EQ(ta[i].ts_ms, tc[i].ts_ms);  // the clock does not depend on the seed
    if (ta[i].price != tc[i].price) ++differing;
  }
  EXPECT_GT(differing, ta.size() / 2);
}

TEST(MarketContinuation, CalibratedOnTheRealSeries) {
  auto s = synthetic_settings();
  auto p = make(s);
  const auto history = synthetic_history();
  // What the simulation learnt from the history...
  const index_calibration& index = p->index_calibrated();
  EXPECT_NEAR(index.volatility, index_sigma, 0.1 * index_sigma);
  EXPECT_NEAR(index.gap_volatility, 0.002, 0.0005);
  EXPECT_EQ(index.volume, 1'000'000);
  const auto msft = p->stock_calibrated("MSFT");
  ASSERT_TRUE(msft);
  // From 48 monthly returns: the estimates are within a quarter of the truth, far from the
  // catalog's MSFT (0.28 a year, about 0.018 a day).
  EXPECT_NEAR(msft->volatility, msft_sigma, 0.25 * msft_sigma);
  EXPECT_NEAR(msft->correlation, msft_correlation, 0.15);
  EXPECT_FALSE(p->stock_calibrated("IBM"));  // not in this history

  // ...and the generated days move that way: 800 simulated days.
  s.replay_start = "2004-11-01";
  auto q = make(s);
  std::int64_t wall = 0;
  const auto ticks = run_days(*q, 800, wall);
  const auto spx = log_returns(daily_closes(ticks, "SPX"));
  const auto stock = log_returns(daily_closes(ticks, "MSFT"));
  ASSERT_EQ(spx.size(), 799u);
  EXPECT_NEAR(deviation(spx), index.volatility, 0.08 * index.volatility);
  EXPECT_NEAR(deviation(stock), msft->volatility, 0.08 * msft->volatility);
  EXPECT_NEAR(correlation(spx, stock), msft->correlation, 0.08);
  // The real series' own daily volatility, measured directly.
  std::vector<price_e4> real_closes;
  for (const daily_bar& bar : history.index_days) real_closes.push_back(bar.close);
  EXPECT_NEAR(deviation(spx), deviation(log_returns(real_closes)), 0.12 * index_sigma);
}

TEST(MarketContinuation, RestartInsideTheSimulationGoesOnAtTheNextStep) {
  auto s = synthetic_settings();
  s.replay_start = "2004-11-01";
  auto first = make(s);
  std::int64_t wall = 0;
  auto ticks = run_days(*first, 5, wall);
  for (int i = 0; i < 2; ++i) {  // two steps into the sixth simulated day
    auto batch = first->next_batch(wall);
    ticks.insert(ticks.end(), batch.begin(), batch.end());
    wall += 1000;
  }
  std::vector<tick> expected;
  for (int i = 0; i < steps; ++i) {
    auto batch = first->next_batch(wall);
    expected.insert(expected.end(), batch.begin(), batch.end());
    wall += 1000;
  }
  resume_point resume;
  resume.after_ts_ms = ticks.back().ts_ms;
  for (const tick& t : ticks) resume.last_prices[t.symbol] = t.price;
  auto second = make(s, resume);
  EXPECT_TRUE(second->simulating());
  EXPECT_EQ(second->current_day(), day_of_ms(ticks.back().ts_ms));
  std::int64_t wall2 = 0;
  std::vector<tick> got;
  for (int i = 0; i < steps; ++i) {
    auto batch = second->next_batch(wall2);
    got.insert(got.end(), batch.begin(), batch.end());
    wall2 += 1000;
  }
  // The index and the real stock: the very ticks the first would have made, from the third
  // step of the same day on.
  std::map<std::string, std::vector<tick>> want, have;
  for (const tick& t : expected) want[t.symbol].push_back(t);
  for (const tick& t : got) have[t.symbol].push_back(t);
  EXPECT_EQ(have["SPX"].front().ts_ms,
            replay_tick_ms(day_of_ms(resume.after_ts_ms.value()), 2, steps));
  for (const char* symbol : {"MSFT", "SPX"}) {
    ASSERT_EQ(have[symbol].size(), static_cast<std::size_t>(steps)) << symbol;
    for (int i = 0; i < steps; ++i) {
      EXPECT_EQ(have[symbol][i].price, want[symbol][i].price) << symbol << " step " << i;
      EXPECT_EQ(have[symbol][i].ts_ms, want[symbol][i].ts_ms) << symbol << " step " << i;
    }
  }
  // The previous close is the simulated close of the day before.
  const auto closes = daily_closes(ticks, "MSFT");
  EXPECT_EQ(second->previous_close("MSFT"), closes[closes.size() - 2]);
}

TEST(MarketContinuation, CalibrationNeedsEnoughData) {
  std::vector<daily_bar> one{daily_bar{date_of("2005-01-03"), 10'000, 10'000, 10'000, 10'000, 5}};
  EXPECT_FALSE(calibrate_index(one, date_of("2005-01-03")));
  const std::vector<daily_bar> two{
      one[0], daily_bar{date_of("2005-01-04"), 10'000, 11'000, 10'000, 11'000, 7}};
  const auto index = calibrate_index(two, date_of("2005-01-04"));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->volume, 6);
  const std::vector<std::pair<std::size_t, price_e4>> anchors{{0, 10'000}, {1, 12'000}};
  EXPECT_FALSE(calibrate_stock(anchors, two, *index));  // one return says nothing of its spread
  EXPECT_EQ(next_weekday(date_of("2005-01-07")), date_of("2005-01-10"));  // Friday → Monday
  EXPECT_EQ(next_weekday(date_of("2005-01-08")), date_of("2005-01-10"));  // Saturday → Monday
  EXPECT_EQ(next_weekday(date_of("2005-01-10")), date_of("2005-01-11"));
}

}  // namespace
}  // namespace marketsim::market
