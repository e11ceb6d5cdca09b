// The walk-forward evaluation of the models (docs/forecasts.md): at every origin t of a series,
// each model is fitted on the `window` prices ending at t (a rolling window; nothing after t is
// read) and its forecast h steps ahead is scored against the price at t+h, beside the naive
// no-change forecast (the price at t). Also the price series it runs on: the catalog's real
// history (read from the CSV text at full precision) and any series of closes. Pure; the
// application runs it on a pool thread, never an io thread.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/forecast/models.hpp"

namespace marketsim::forecast {

// A price series: one price per step, dates increasing.
struct series {
  std::string name;                // "sp500", "AAPL", "stored:SPX"
  std::string symbol;              // the instrument it prices
  std::string step;                // "day" (market days) or "month"
  std::string source;              // "sp500-2000.csv", "stocks.csv", "price_history"
  std::vector<std::int32_t> days;  // days since 1970-01-01
  std::vector<double> prices;
  int window = 0;  // prices each model is fitted on
};

// Steps of a window: a year of market days, three years of months.
inline constexpr int daily_window = 250;
inline constexpr int monthly_window = 36;
// The stored history of a running server is short: a month of market days.
inline constexpr int stored_window = 20;

struct score {
  model m = model::drift;
  int horizon = 1;
  std::int64_t origins = 0;  // forecasts scored
  double mae = 0, rmse = 0;  // of the point forecast, in the series' price units
  double naive_mae = 0, naive_rmse = 0;
  double mae_ratio = 0, rmse_ratio = 0;  // model / naive: below 1 beats the baseline
  // Direction: among origins where the model predicts a change and the price did change.
  std::int64_t direction_cases = 0, direction_hits = 0;
  std::optional<double> hit_rate;
  double up_rate = 0;   // share of those cases where the price rose (an always-up guess)
  double coverage = 0;  // share of origins whose actual price is inside the 95% band
  [[nodiscard]] bool beats_baseline() const { return origins > 0 && mae_ratio < 1; }
};

// The forecasts from every origin t = window-1 .. size-1-horizon, in order, each fitted on the
// window ending at t (the one place that decides what a forecast may see).
[[nodiscard]] std::vector<prediction> walk_forward(std::span<const double> log_prices, int window,
                                                   model m, int horizon);

// One model at one horizon over `s` (window s.window); nullopt when the series has no origin
// (fewer than window + horizon prices).
[[nodiscard]] std::optional<score> evaluate(const series& s, model m, int horizon);

struct table_row {
  std::string series_name, symbol, step, source;
  int window = 0;
  std::int32_t first_day = 0, last_day = 0;
  std::size_t points = 0;
  score result;
};
// Every model at every horizon over every series, in that order (rows with no origin left out).
[[nodiscard]] std::vector<table_row> evaluate_all(const std::vector<series>& all);

// The catalog's series at full precision: sp500-2000.csv's daily closes ("sp500", symbol SPX,
// step day) and stocks.csv's monthly prices (one series a symbol, step month). The parsers take
// the text so malformed rows are tested without files; `file` names it in errors.
[[nodiscard]] result<series> parse_daily_closes(std::string_view text, std::string_view file);
[[nodiscard]] result<std::vector<series>> parse_monthly_prices(std::string_view text,
                                                               std::string_view file);
// Both files from the vega-datasets data folder; io_error when one is missing.
[[nodiscard]] result<std::vector<series>> load_catalog_series(const std::string& data_dir);

// The prefix of `s` dated on or before `last_day` (a live forecast cuts the catalog at the
// market time).
[[nodiscard]] series cut_at(const series& s, std::int32_t last_day);

}  // namespace marketsim::forecast
