// Unit tests of the simulated GBM provider: reproducible for a seed, tied to the market factor,
// positive, resumable. Single-threaded; the wall clock is injected.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "marketsim/market/simulated.hpp"

namespace marketsim::market {
namespace {

market_settings sim_settings(std::uint64_t seed = 42) {
  market_settings s;
  s.provider = "simulated";
  s.seed = seed;
  s.simulated_companies = 24;
  return s;
}

std::map<std::string, std::vector<double>> run(quote_provider& p, int steps) {
  std::map<std::string, std::vector<double>> prices;
  for (int i = 0; i < steps; ++i) {
    for (const tick& t : p.next_batch(1'000'000 + i * 1000)) {
      prices[t.symbol].push_back(static_cast<double>(t.price));
    }
  }
  return prices;
}

double correlation_of_returns(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> ra, rb;
  for (std::size_t i = 1; i < a.size(); ++i) {
    ra.push_back(std::log(a[i] / a[i - 1]));
    rb.push_back(std::log(b[i] / b[i - 1]));
  }
  const double n = static_cast<double>(ra.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) ma += ra[i] / n, mb += rb[i] / n;
  double cov = 0, va = 0, vb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) * (ra[i] - ma);
    vb += (rb[i] - mb) * (rb[i] - mb);
  }
  return cov / std::sqrt(va * vb);
}

TEST(MarketSimulated, SameSeedSamePricesOtherSeedOtherPrices) {
  auto a = make_provider(sim_settings(), {});
  auto b = make_provider(sim_settings(), {});
  auto c = make_provider(sim_settings(7), {});
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ((*a)->name(), "simulated");
  const auto pa = run(**a, 200), pb = run(**b, 200), pc = run(**c, 200);
  EXPECT_EQ(pa, pb);
  EXPECT_NE(pa.at("AAPL"), pc.at("AAPL"));
}

TEST(MarketSimulated, EveryInstrumentEveryStepStampedWithWallClock) {
  auto p = make_provider(sim_settings(), {});
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->instruments().size(), 5u + 1u + 24u);
  const auto ticks = (*p)->next_batch(1'234'567);
  ASSERT_EQ(ticks.size(), (*p)->instruments().size());
  for (const tick& t : ticks) {
    EXPECT_EQ(t.ts_ms, 1'234'567);
    EXPECT_EQ(t.price % 100, 0) << t.symbol;
    EXPECT_GT(t.volume, 0) << t.symbol;
    EXPECT_TRUE((*p)->previous_close(t.symbol)) << t.symbol;
  }
}

TEST(MarketSimulated, CompaniesMoveWithTheMarketFactor) {
  auto p = make_provider(sim_settings(), {});
  ASSERT_TRUE(p);
  const auto prices = run(**p, 3000);
  // NMBQ has beta 1.35 and 32% idiosyncratic volatility: correlation near 0.6 with the index;
  // CBWQ (beta 0.4, 11%) is also clearly positive.
  EXPECT_GT(correlation_of_returns(prices.at("NMBQ"), prices.at("SPX")), 0.4);
  EXPECT_GT(correlation_of_returns(prices.at("CBWQ"), prices.at("SPX")), 0.3);
  EXPECT_GT(correlation_of_returns(prices.at("NMBQ"), prices.at("PWMQ")), 0.1);
}

TEST(MarketSimulated, PricesStayPositive) {
  auto s = sim_settings();
  // Ten simulated days per step: violent moves, still never at or below zero.
  s.replay_day_duration = std::chrono::milliseconds(100);
  s.tick_interval = std::chrono::milliseconds(1000);
  resume_point penny;
  penny.last_prices["PLCQ"] = 300;  // $0.03: a few bad steps from the one-cent floor
  auto p = make_provider(s, penny);
  ASSERT_TRUE(p);
  for (int i = 0; i < 2000; ++i) {
    for (const tick& t : (*p)->next_batch(i)) ASSERT_GE(t.price, 100) << t.symbol;
  }
}

TEST(MarketSimulated, ResumesFromLastPrices) {
  resume_point resume;
  resume.last_prices["MSFT"] = 1'000'000;  // $100, far from the built-in start
  auto p = make_provider(sim_settings(), resume);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->previous_close("MSFT"), 1'000'000);
  for (const tick& t : (*p)->next_batch(0)) {
    if (t.symbol == "MSFT") {
      EXPECT_NEAR(static_cast<double>(t.price), 1e6, 1e6 * 0.02);
    }
  }
}

TEST(MarketSimulated, RejectsZeroTickInterval) {
  auto s = sim_settings();
  s.tick_interval = std::chrono::milliseconds(0);
  auto p = make_provider(s, {});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, errc::config_malformed);
}

}  // namespace
}  // namespace marketsim::market
