// Unit tests of the forecasting models and their walk-forward evaluation: hand-worked small
// cases for each model, a seeded synthetic random walk whose 95% band must cover 93-97% of
// outcomes, no look-ahead (a forecast at t does not move when the prices after t change), the
// catalog's CSV parsers, and the real S&P 500 series' figures printed when MARKETSIM_DATA_DIR is
// set. Single-threaded; no files but the real package.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "marketsim/forecast/evaluation.hpp"
#include "marketsim/forecast/models.hpp"
#include "marketsim/market/history.hpp"
#include "marketsim/market/random.hpp"

namespace marketsim::forecast {
namespace {

constexpr double tight = 1e-12;

TEST(ForecastModels, DriftByHand) {
  // Returns 0.1, 0.2, -0.1, 0.2: mean 0.1, sample variance 0.06 / 3 = 0.02.
  const std::vector<double> x{0, 0.1, 0.3, 0.2, 0.4};
  auto one = predict(model::drift, x, 1);
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->log_point, 0.5, tight);
  EXPECT_NEAR(one->log_sd, std::sqrt(0.02 * (1 + 1.0 / 4)), tight);
  auto five = predict(model::drift, x, 5);
  ASSERT_TRUE(five);
  EXPECT_NEAR(five->log_point, 0.9, tight);
  EXPECT_NEAR(five->log_sd, std::sqrt(0.02 * (5 + 25.0 / 4)), tight);
  EXPECT_NEAR(five->lower(), std::exp(0.9 - z95 * five->log_sd), tight);
  EXPECT_NEAR(five->upper(), std::exp(0.9 + z95 * five->log_sd), tight);
}

TEST(ForecastModels, Ar1ByHand) {
  // Returns 0.01, 0.02, 0, 0.02, 0.01. The pairs fit b = -9/11, a = 0.25/11 and leave a
  // residual variance of (1e-3/11) / 2 = 1/22000.
  const std::vector<double> x{0, 0.01, 0.03, 0.03, 0.05, 0.06};
  const double b = -9.0 / 11, a = 0.25 / 11, s2 = 1.0 / 22000;
  auto one = predict(model::ar1, x, 1);
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->log_point, 0.06 + a + b * 0.01, tight);
  EXPECT_NEAR(one->log_point, 0.06 + 0.16 / 11, tight);
  // One step of noise plus the intercept's error over k = 4 pairs.
  EXPECT_NEAR(one->log_sd, std::sqrt(s2 * (1 + 1.0 / 4)), tight);
  auto two = predict(model::ar1, x, 2);
  ASSERT_TRUE(two);
  EXPECT_NEAR(two->log_point, 0.06 + 3.07 / 121, tight);
  // A shock in the first step also moves the second through b: 1 + (1 + b)^2, and the
  // intercept's error moves both: (1 + (1 + b))^2 / 4.
  EXPECT_NEAR(two->log_sd, std::sqrt(s2 * 669 / 484), tight);
}

TEST(ForecastModels, TrendByHand) {
  // Over i = 0..4: beta = 17/10, alpha = 0.6, residual variance 1.1 / 3.
  const std::vector<double> x{1, 2, 4, 5, 8};
  auto one = predict(model::trend, x, 1);
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->log_point, 9.1, tight);
  EXPECT_NEAR(one->log_sd, std::sqrt(1.1 / 3 * (1 + 0.2 + 9.0 / 10)), tight);
  auto three = predict(model::trend, x, 3);
  ASSERT_TRUE(three);
  EXPECT_NEAR(three->log_point, 0.6 + 1.7 * 7, tight);
  EXPECT_NEAR(three->log_sd, std::sqrt(1.1 / 3 * (1 + 0.2 + 25.0 / 10)), tight);
}

TEST(ForecastModels, RefusesTooShortWindowsAndBadHorizons) {
  const std::vector<double> four{1, 2, 3, 4};
  for (model m : models) {
    EXPECT_FALSE(predict(m, four, 1)) << model_name(m);
    EXPECT_FALSE(predict(m, std::vector<double>{1, 2, 3, 4, 5}, 0)) << model_name(m);
  }
  EXPECT_EQ(parse_model("ar1"), model::ar1);
  EXPECT_FALSE(parse_model("arima"));
}

series synthetic_walk(std::size_t steps, double drift, double volatility, std::uint64_t seed) {
  series s{"synthetic", "SYN", "day", "test", {}, {}, daily_window};
  market::random_source rng(seed);
  double log_price = std::log(100.0);
  for (std::size_t i = 0; i < steps; ++i) {
    s.days.push_back(static_cast<std::int32_t>(i));
    s.prices.push_back(std::exp(log_price));
    log_price += drift + volatility * rng.normal();
  }
  return s;
}

TEST(ForecastEvaluation, BandCoversAWellSpecifiedRandomWalk) {
  // A random walk with drift is what the drift model assumes, and AR(1) nests it (b = 0): their
  // 95% bands must cover close to 95% of what follows.
  const auto walk = synthetic_walk(40'000, 0.0003, 0.01, 20261130);
  for (int h : horizons) {
    auto drift = evaluate(walk, model::drift, h);
    ASSERT_TRUE(drift);
    EXPECT_EQ(drift->origins, static_cast<std::int64_t>(walk.prices.size()) - daily_window - h + 1);
    std::printf("synthetic walk h=%-2d coverage: drift %.4f", h, drift->coverage);
    EXPECT_GE(drift->coverage, 0.93) << "h=" << h;
    EXPECT_LE(drift->coverage, 0.97) << "h=" << h;
    auto ar1 = evaluate(walk, model::ar1, h);
    ASSERT_TRUE(ar1);
    std::printf(", ar1 %.4f\n", ar1->coverage);
    EXPECT_GE(ar1->coverage, 0.93) << "h=" << h;
    EXPECT_LE(ar1->coverage, 0.97) << "h=" << h;
  }
  // On a walk nothing beats no-change by much, and the trend line, fitted to noise, loses.
  auto trend = evaluate(walk, model::trend, 20);
  ASSERT_TRUE(trend);
  EXPECT_FALSE(trend->beats_baseline());
  EXPECT_GT(trend->mae_ratio, 1.0);
}

TEST(ForecastEvaluation, SmallSeriesByHand) {
  // Window 5, horizon 1, seven prices: origins at index 4 and 5.
  series s{"tiny", "T", "day", "test", {0, 1, 2, 3, 4, 5, 6}, {10, 11, 10.5, 12, 12.5, 12, 13}, 5};
  auto sc = evaluate(s, model::drift, 1);
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->origins, 2);
  std::vector<double> x;
  for (double p : s.prices) x.push_back(std::log(p));
  auto p4 = *predict(model::drift, std::span<const double>(x).subspan(0, 5), 1);
  auto p5 = *predict(model::drift, std::span<const double>(x).subspan(1, 5), 1);
  const double e4 = p4.point() - 12, e5 = p5.point() - 13;
  EXPECT_NEAR(sc->mae, (std::abs(e4) + std::abs(e5)) / 2, tight);
  EXPECT_NEAR(sc->rmse, std::sqrt((e4 * e4 + e5 * e5) / 2), tight);
  EXPECT_NEAR(sc->naive_mae, (0.5 + 1.0) / 2, tight);  // |12.5-12|, |12-13|
  EXPECT_NEAR(sc->naive_rmse, std::sqrt((0.25 + 1.0) / 2), tight);
  EXPECT_NEAR(sc->mae_ratio, sc->mae / 0.75, tight);
  // Both windows rose on average, so both forecasts say up; the price fell, then rose.
  EXPECT_EQ(sc->direction_cases, 2);
  EXPECT_EQ(sc->direction_hits, 1);
  ASSERT_TRUE(sc->hit_rate);
  EXPECT_DOUBLE_EQ(*sc->hit_rate, 0.5);
  EXPECT_DOUBLE_EQ(sc->up_rate, 0.5);
  EXPECT_FALSE(evaluate(s, model::drift, 3));  // 5 + 3 > 7: no origin
}

TEST(ForecastEvaluation, NoLookAhead) {
  // The forecasts from origins up to t are the same whatever follows t.
  auto walk = synthetic_walk(600, 0.0, 0.01, 7);
  std::vector<double> x, altered;
  for (double p : walk.prices) x.push_back(std::log(p));
  altered = x;
  const std::size_t t = 400;
  for (std::size_t i = t + 1; i < altered.size(); ++i) altered[i] += 0.5 * std::sin(double(i));
  for (model m : models)
    for (int h : horizons) {
      auto before = walk_forward(x, daily_window, m, h);
      auto after = walk_forward(altered, daily_window, m, h);
      ASSERT_EQ(before.size(), after.size());
      const std::size_t up_to_t = t - (daily_window - 1) + 1;  // origins 249 .. 400
      for (std::size_t i = 0; i < up_to_t; ++i) {
        EXPECT_EQ(before[i].log_point, after[i].log_point) << model_name(m) << " h=" << h;
        EXPECT_EQ(before[i].log_sd, after[i].log_sd);
      }
      EXPECT_NE(before[up_to_t].log_point, after[up_to_t].log_point) << "the test altered nothing";
    }
  // A catalog series cut at a day keeps exactly the prices dated on or before it.
  auto cut = cut_at(walk, 400);
  EXPECT_EQ(cut.prices.size(), 401u);
  EXPECT_EQ(cut.days.back(), 400);
}

TEST(ForecastSeries, ParsesTheCatalogsShapes) {
  auto daily = parse_daily_closes(
      "date,open,high,low,close,adjclose,volume\n2000-01-03,1,2,0.5,1455.219971,1,9\n"
      "2000-01-04,1,2,0.5,1399.420044,1,9\n",
      "d.csv");
  ASSERT_TRUE(daily) << daily.error().message;
  EXPECT_EQ(daily->symbol, "SPX");
  ASSERT_EQ(daily->prices.size(), 2u);
  EXPECT_EQ(daily->prices[0], 1455.219971);  // full precision, not rounded to cents
  EXPECT_EQ(daily->days[1], *market::parse_iso_date("2000-01-04"));
  auto monthly = parse_monthly_prices(
      "symbol,date,price\nMSFT,Jan 1 2000,39.81\nMSFT,Feb 1 2000,36.35\nIBM,Jan 1 2000,100.52\n",
      "m.csv");
  ASSERT_TRUE(monthly) << monthly.error().message;
  ASSERT_EQ(monthly->size(), 2u);
  EXPECT_EQ((*monthly)[0].name, "MSFT");
  EXPECT_EQ((*monthly)[0].step, "month");
  EXPECT_EQ((*monthly)[1].prices, std::vector<double>{100.52});
  auto bad = parse_daily_closes("date,open,high,low,close\n2000-01-03,1,1,1,-4\n", "d.csv");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::parse_error);
  EXPECT_NE(bad.error().message.find("d.csv:2"), std::string::npos);
  EXPECT_FALSE(parse_monthly_prices("date,price\n", "m.csv"));
  EXPECT_FALSE(
      parse_monthly_prices("symbol,date,price\nA,Feb 1 2000,2\nA,Jan 1 2000,1\n", "m.csv"));
}

TEST(ForecastSeries, RealSp500CoverageIsReported) {
  const char* dir = std::getenv("MARKETSIM_DATA_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "MARKETSIM_DATA_DIR not set";
  auto all = load_catalog_series(dir);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 6u);
  EXPECT_EQ((*all)[0].name, "sp500");
  auto rows = evaluate_all(*all);
  EXPECT_EQ(rows.size(), 6u * 9u);
  for (const auto& r : rows) {
    if (r.series_name != "sp500") continue;
    // Reported, not asserted to a range: real returns have fat tails and changing volatility.
    std::printf("sp500 %-5s h=%-2d coverage %.4f mae/naive %.4f hit %.4f\n",
                std::string(model_name(r.result.m)).c_str(), r.result.horizon, r.result.coverage,
                r.result.mae_ratio, r.result.hit_rate.value_or(-1));
    EXPECT_GT(r.result.coverage, 0.5);
    EXPECT_EQ(r.result.origins,
              static_cast<std::int64_t>(r.points) - daily_window - r.result.horizon + 1);
  }
}

}  // namespace
}  // namespace marketsim::forecast
