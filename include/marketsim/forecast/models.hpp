// The three forecasting models (docs/forecasts.md): a random walk with drift on log prices, an
// AR(1) regression on log returns, and a linear trend regression of the log price over a window.
// Each takes the log prices of its window (the last one is the forecast's origin) and gives
// the log price `horizon` steps ahead with the standard deviation of its error, from which the
// point forecast and the 95% band follow. Pure: no I/O, no clock; called from any thread.
#pragma once
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <string_view>

namespace marketsim::forecast {

enum class model { drift, ar1, trend };
inline constexpr std::array<model, 3> models{model::drift, model::ar1, model::trend};
// Steps of the series: market days for a daily series, months for a monthly one.
inline constexpr std::array<int, 3> horizons{1, 5, 20};
// The 97.5% quantile of the standard normal: the band is point ± z·sd in log prices.
inline constexpr double z95 = 1.959963984540054;
// Fewest prices a model is fitted on (AR(1) needs two returns' pairs and a residual variance).
inline constexpr std::size_t min_window_prices = 5;

// "drift", "ar1", "trend": the names the API and the docs use.
[[nodiscard]] std::string_view model_name(model m) noexcept;
[[nodiscard]] std::optional<model> parse_model(std::string_view name) noexcept;
// A sentence for people: "random walk with drift", ...
[[nodiscard]] std::string_view model_title(model m) noexcept;

struct prediction {
  double log_point = 0;  // log of the forecast price
  double log_sd = 0;     // standard deviation of the log forecast error
  [[nodiscard]] double point() const { return std::exp(log_point); }
  [[nodiscard]] double lower() const { return std::exp(log_point - z95 * log_sd); }
  [[nodiscard]] double upper() const { return std::exp(log_point + z95 * log_sd); }
};

// The forecast `horizon` (>= 1) steps after the last of `log_prices`, fitted on all of them;
// nullopt with fewer than min_window_prices.
[[nodiscard]] std::optional<prediction> predict(model m, std::span<const double> log_prices,
                                                int horizon);

}  // namespace marketsim::forecast
