// The market after the real history ends: a seeded simulation calibrated on the real series
// (the index's drift, volatility and overnight gaps; each stock's volatility and correlation to
// the index from its monthly points) that makes one trading day at a time, going on from the
// last real prices. Pure: no I/O, no clock. Built by the replay provider on the start-up thread,
// then stepped by the feed loop only.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "marketsim/market/history.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

// Daily statistics of the index, in log returns.
struct index_calibration {
  double drift = 0;           // mean close-to-close log return
  double volatility = 0;      // its standard deviation
  double gap_volatility = 0;  // standard deviation of log(open / previous close)
  std::int64_t volume = 0;    // typical daily volume
};
// From consecutive days (at least two on or before `last_day`); the volume is the mean of the
// last 60 days up to `last_day`, where the simulation starts.
[[nodiscard]] std::optional<index_calibration> calibrate_index(std::span<const daily_bar> days,
                                                               day_number last_day);

// Daily statistics of a stock.
struct stock_calibration {
  double drift = 0;        // mean daily log return
  double volatility = 0;   // standard deviation of the daily log return
  double correlation = 0;  // with the index's daily log return
};
// From the stock's anchored closes (a position in `days` and the real price there, positions
// increasing) against the index's closes on the same days: at least three anchors. Its drift is
// the index's through its beta: one decade's outperformance is not carried on for ever.
[[nodiscard]] std::optional<stock_calibration> calibrate_stock(
    std::span<const std::pair<std::size_t, price_e4>> anchors, std::span<const daily_bar> days,
    const index_calibration& index);

// The first Monday-to-Friday date after `day`.
[[nodiscard]] day_number next_weekday(day_number day) noexcept;

class continuation {
 public:
  // One trading day: the index's bar and each stock's close (in the order the stocks were given;
  // nullopt for a stock that had no price on the last real day).
  struct day {
    daily_bar index;
    std::vector<std::optional<price_e4>> closes;
  };
  struct stock {
    std::string symbol;
    stock_calibration calibration;
  };

  // `last_real` is the last day of the real history: today() until the first advance().
  continuation(std::uint64_t seed, index_calibration index, std::vector<stock> stocks,
               day last_real);

  [[nodiscard]] const day& today() const noexcept { return today_; }
  [[nodiscard]] const day& yesterday() const noexcept { return yesterday_; }
  // To the next weekday. Each day's draws come from (seed, symbol, date), so the same seed and
  // the same real history make the same days.
  void advance();

 private:
  std::uint64_t seed_;
  index_calibration index_;
  std::vector<stock> stocks_;
  day yesterday_;
  day today_;
};

}  // namespace marketsim::market
