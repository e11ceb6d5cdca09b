// The replay provider: real history (S&P 500 daily OHLCV, five stocks' monthly closes) played
// back one trading day per replay_day_duration, with seeded intraday paths that honour the real
// anchors exactly, plus the invented companies driven by the index's moves. When the real
// history ends the market goes on in a simulation calibrated on it (market/continuation), so
// market time only moves forward. Owned and called by the feed loop only; it does no I/O after
// construction.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/market/catalog.hpp"
#include "marketsim/market/continuation.hpp"
#include "marketsim/market/history.hpp"
#include "marketsim/market/provider.hpp"
#include "marketsim/market/random.hpp"

namespace marketsim::market {

// Market time of step `step` of `steps_per_day` on `day`: 14:30 UTC plus an even share of the
// 390-minute session, so every step of a day stays on that UTC date.
[[nodiscard]] std::int64_t replay_tick_ms(day_number day, int step, int steps_per_day) noexcept;

class replay_provider final : public quote_provider {
 public:
  // config_malformed for a bad replay_start or tick settings; parse_error when the history has
  // no trading day inside the stocks' range. With a resume point it goes on at the step after
  // it (the same trading day when that has steps left); else on the first trading day on or
  // after replay_start, real or simulated.
  [[nodiscard]] static result<std::unique_ptr<replay_provider>> create(
      market_history history, const market_settings& settings, const resume_point& resume);

  [[nodiscard]] std::string_view name() const override { return "replay"; }
  [[nodiscard]] const std::vector<instrument>& instruments() const override { return instruments_; }
  [[nodiscard]] std::optional<price_e4> previous_close(std::string_view symbol) const override;
  // Emits every step that is due by wall_ms (one per tick_interval since the first call), at
  // most a few at once: after a long stall the replay resumes rather than bursting.
  [[nodiscard]] std::vector<tick> next_batch(std::int64_t wall_ms) override;
  [[nodiscard]] std::optional<std::int64_t> simulated_from_ms() const override;

  [[nodiscard]] int steps_per_day() const noexcept { return steps_per_day_; }
  // The trading day the next emitted step belongs to.
  [[nodiscard]] day_number current_day() const noexcept { return today().day; }
  // The real history's first and last replayed days; the simulation starts on the weekday after.
  [[nodiscard]] day_number first_day() const noexcept { return days_.front().day; }
  [[nodiscard]] day_number last_day() const noexcept { return days_.back().day; }
  [[nodiscard]] bool simulating() const noexcept { return simulating_; }
  // The interpolated daily close of a real stock on a real `day` (nullopt outside its data).
  [[nodiscard]] std::optional<price_e4> stock_close(std::string_view symbol, day_number day) const;
  // What the simulation was calibrated to (nullopt: the stock is not listed).
  [[nodiscard]] const index_calibration& index_calibrated() const noexcept { return index_cal_; }
  [[nodiscard]] std::optional<stock_calibration> stock_calibrated(std::string_view symbol) const;

 private:
  struct stock_track {
    instrument_profile profile;
    std::vector<std::optional<price_e4>> closes;  // per replayed day
    stock_calibration calibration;
  };
  replay_provider() = default;
  void build_closes(const std::vector<monthly_point>& points, stock_track& track) const;
  // The current day, real or simulated, and the day before it.
  [[nodiscard]] const daily_bar& today() const noexcept;
  [[nodiscard]] std::optional<price_e4> index_close_before() const;
  [[nodiscard]] std::optional<price_e4> stock_close_today(std::size_t i) const;
  [[nodiscard]] std::optional<price_e4> stock_close_before(std::size_t i) const;
  void next_day();  // the next real day, or past the last one the next simulated day
  void enter_day();
  void emit_step(std::vector<tick>& out);

  std::vector<instrument> instruments_;
  std::vector<daily_bar> days_;              // the replayed range
  std::optional<price_e4> index_pre_close_;  // close before the range's first day, if any
  std::vector<stock_track> stocks_;
  std::map<std::string, price_e4, std::less<>> previous_closes_;
  std::uint64_t seed_ = 0;
  int steps_per_day_ = 300;
  std::int64_t tick_interval_ms_ = 1000;

  std::size_t pos_ = 0;  // index into days_ (the last one while simulating)
  bool simulating_ = false;
  index_calibration index_cal_;
  // Stands on the last real day until the replay passes it, then one day ahead at a time.
  std::optional<continuation> continuation_;
  int step_ = 0;
  // The current day's real-instrument ticks per step, generated on entering the day.
  std::vector<std::vector<tick>> day_steps_;

  std::vector<instrument_profile> companies_;
  std::vector<double> company_prices_;
  std::vector<random_source> company_rngs_;
  double last_index_ = 0;  // previous index level, the base of the market factor's return

  std::optional<std::int64_t> origin_wall_ms_;
  std::int64_t emitted_steps_ = 0;
};

}  // namespace marketsim::market
