// The three models' fits and forecasts (models.hpp). Plain loops in a fixed order: the
// integration test recomputes every figure in JavaScript and compares to 1e-9, which holds
// only if both sides add the same terms in the same order. Pure; any thread.
#include "marketsim/forecast/models.hpp"

#include <cstddef>
#include <vector>

namespace marketsim::forecast {

namespace {

// Random walk with drift: the log return is mu + noise, independent from step to step. The
// band's variance adds the drift's own estimation error (h²·s²/m) to the h steps of noise.
prediction drift_forecast(std::span<const double> x, int h) {
  const std::size_t n = x.size();
  const double m = static_cast<double>(n - 1);
  const double mu = (x[n - 1] - x[0]) / m;
  double ss = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const double d = x[i] - x[i - 1] - mu;
    ss += d * d;
  }
  const double s2 = ss / (m - 1);
  const double hd = static_cast<double>(h);
  return {x[n - 1] + hd * mu, std::sqrt(s2 * (hd + hd * hd / m))};
}

// AR(1) on log returns, r[t] = a + b·r[t-1] + e, by least squares. The forecast iterates the
// fitted recursion from the last return; the band is the noise propagated through it (a shock
// j steps ahead moves the sum of the remaining returns by 1 + b + ... + b^(h-j)), plus the
// intercept's estimation error; the slope's is left out (the measured coverage says what that
// costs).
prediction ar1_forecast(std::span<const double> x, int h) {
  const std::size_t n = x.size();
  std::vector<double> r(n - 1);
  for (std::size_t i = 1; i < n; ++i) r[i - 1] = x[i] - x[i - 1];
  const std::size_t m = r.size();
  const double k = static_cast<double>(m - 1);  // pairs (r[j-1], r[j])
  double sx = 0, sy = 0;
  for (std::size_t j = 1; j < m; ++j) {
    sx += r[j - 1];
    sy += r[j];
  }
  const double mx = sx / k, my = sy / k;
  double sxx = 0, sxy = 0;
  for (std::size_t j = 1; j < m; ++j) {
    const double dx = r[j - 1] - mx;
    sxx += dx * dx;
    sxy += dx * (r[j] - my);
  }
  const double b = sxx > 0 ? sxy / sxx : 0;
  const double a = my - b * mx;
  double sse = 0;
  for (std::size_t j = 1; j < m; ++j) {
    const double e = r[j] - a - b * r[j - 1];
    sse += e * e;
  }
  const double s2 = sse / (k - 2);
  double prev = r[m - 1], cum = 0;
  for (int j = 0; j < h; ++j) {
    prev = a + b * prev;
    cum += prev;
  }
  double c = 0, power = 1, v = 0, total = 0;
  for (int i = 0; i < h; ++i) {
    c += power;
    power *= b;
    v += c * c;
    total += c;
  }
  // The intercept's estimation error (variance s²/k) moves every predicted return: it adds
  // (Σ c)²·s²/k, which for b = 0 is the drift model's h²·s²/m.
  return {x[n - 1] + cum, std::sqrt(s2 * (v + total * total / k))};
}

// Linear trend: log price = alpha + beta·i over the window (i = 0 .. n-1), extrapolated to
// i = n-1+h, with the textbook prediction interval of a simple regression. Its residuals are
// far from independent on prices, so its band is expected to cover badly; the table shows it.
prediction trend_forecast(std::span<const double> x, int h) {
  const std::size_t n = x.size();
  const double nd = static_cast<double>(n);
  const double mi = (nd - 1) / 2;
  double sy = 0;
  for (std::size_t i = 0; i < n; ++i) sy += x[i];
  const double my = sy / nd;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = static_cast<double>(i) - mi;
    sxx += dx * dx;
    sxy += dx * (x[i] - my);
  }
  const double beta = sxy / sxx;
  const double alpha = my - beta * mi;
  double sse = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = x[i] - alpha - beta * static_cast<double>(i);
    sse += e * e;
  }
  const double s2 = sse / (nd - 2);
  const double x0 = nd - 1 + static_cast<double>(h);
  const double dx0 = x0 - mi;
  return {alpha + beta * x0, std::sqrt(s2 * (1 + 1 / nd + dx0 * dx0 / sxx))};
}

}  // namespace

std::string_view model_name(model m) noexcept {
  switch (m) {
    case model::drift:
      return "drift";
    case model::ar1:
      return "ar1";
    case model::trend:
      return "trend";
  }
  return "drift";
}

std::optional<model> parse_model(std::string_view name) noexcept {
  for (model m : models)
    if (model_name(m) == name) return m;
  return std::nullopt;
}

std::string_view model_title(model m) noexcept {
  switch (m) {
    case model::drift:
      return "random walk with drift";
    case model::ar1:
      return "AR(1) on returns";
    case model::trend:
      return "linear trend";
  }
  return "";
}

std::optional<prediction> predict(model m, std::span<const double> log_prices, int horizon) {
  if (log_prices.size() < min_window_prices || horizon < 1) return std::nullopt;
  switch (m) {
    case model::drift:
      return drift_forecast(log_prices, horizon);
    case model::ar1:
      return ar1_forecast(log_prices, horizon);
    case model::trend:
      return trend_forecast(log_prices, horizon);
  }
  return std::nullopt;
}

}  // namespace marketsim::forecast
