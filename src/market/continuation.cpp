// The simulated continuation of the real history (see continuation.hpp). Calibration runs once on
// the start-up thread; advance() on the feed loop, one trading day at a time.
#include "marketsim/market/continuation.hpp"

#include <algorithm>
#include <cmath>

#include "marketsim/market/catalog.hpp"
#include "marketsim/market/random.hpp"

namespace marketsim::market {
namespace {

// The index's volume level is taken from its last days, so the continuation trades like the
// end of the real history rather than like its beginning.
constexpr std::ptrdiff_t volume_days = 60;

struct moments {
  double mean = 0;
  double deviation = 0;
};

moments moments_of(const std::vector<double>& xs) {
  moments m;
  if (xs.size() < 2) return m;
  for (double x : xs) m.mean += x;
  m.mean /= static_cast<double>(xs.size());
  double squares = 0;
  for (double x : xs) squares += (x - m.mean) * (x - m.mean);
  m.deviation = std::sqrt(squares / static_cast<double>(xs.size() - 1));
  return m;
}

// Where a Brownian bridge from `a` to `b` with variance `s2` peaks (sign +1) or bottoms out
// (sign -1), drawn exactly from its law P(max >= m) = exp(-2 (m - a)(m - b) / s2).
double bridge_extreme(double a, double b, double s2, double sign, random_source& rng) {
  const double spread = (a - b) * (a - b) - 2.0 * s2 * std::log(1.0 - rng.uniform());
  return (a + b + sign * std::sqrt(spread)) / 2.0;
}

}  // namespace

std::optional<index_calibration> calibrate_index(std::span<const daily_bar> days,
                                                 day_number last_day) {
  if (days.size() < 2) return std::nullopt;
  std::vector<double> returns;
  std::vector<double> gaps;
  returns.reserve(days.size() - 1);
  gaps.reserve(days.size() - 1);
  for (std::size_t i = 1; i < days.size(); ++i) {
    returns.push_back(log_price(days[i].close) - log_price(days[i - 1].close));
    gaps.push_back(log_price(days[i].open) - log_price(days[i - 1].close));
  }
  const moments r = moments_of(returns);
  index_calibration out;
  out.drift = r.mean;
  out.volatility = r.deviation;
  out.gap_volatility = std::min(moments_of(gaps).deviation, r.deviation);
  const auto end = std::upper_bound(days.begin(), days.end(), last_day,
                                    [](day_number d, const daily_bar& bar) { return d < bar.day; });
  const auto recent = std::min<std::ptrdiff_t>(end - days.begin(), volume_days);
  if (recent == 0) return std::nullopt;
  double volume = 0;
  for (auto it = end - recent; it != end; ++it) volume += static_cast<double>(it->volume);
  out.volume = std::llround(volume / static_cast<double>(recent));
  return out;
}

std::optional<stock_calibration> calibrate_stock(
    std::span<const std::pair<std::size_t, price_e4>> anchors, std::span<const daily_bar> days,
    const index_calibration& index) {
  if (anchors.size() < 3) return std::nullopt;
  // Monthly returns of the stock and of the index over the same trading days, each interval
  // weighted by its length so the estimates are per trading day.
  struct interval {
    double days, stock, market;
  };
  std::vector<interval> intervals;
  double total_days = 0, stock_sum = 0, market_sum = 0;
  for (std::size_t a = 1; a < anchors.size(); ++a) {
    const auto [pos0, p0] = anchors[a - 1];
    const auto [pos1, p1] = anchors[a];
    if (pos1 <= pos0 || pos1 >= days.size()) return std::nullopt;
    const interval i{static_cast<double>(pos1 - pos0), log_price(p1) - log_price(p0),
                     log_price(days[pos1].close) - log_price(days[pos0].close)};
    intervals.push_back(i);
    total_days += i.days;
    stock_sum += i.stock;
    market_sum += i.market;
  }
  const double stock_mean = stock_sum / total_days;
  const double market_mean = market_sum / total_days;
  double stock_var = 0, market_var = 0, covariance = 0;
  for (const interval& i : intervals) {
    const double s = i.stock - stock_mean * i.days;
    const double m = i.market - market_mean * i.days;
    stock_var += s * s;
    market_var += m * m;
    covariance += s * m;
  }
  // Per trading day, with the small-sample correction of a variance.
  const double k = static_cast<double>(intervals.size());
  const double scale = k / ((k - 1.0) * total_days);
  stock_var *= scale;
  market_var *= scale;
  covariance *= scale;
  stock_calibration out;
  out.volatility = std::sqrt(stock_var);
  if (stock_var > 0 && market_var > 0)
    out.correlation = std::clamp(covariance / std::sqrt(stock_var * market_var), -1.0, 1.0);
  if (index.volatility > 0)
    out.drift = out.correlation * out.volatility / index.volatility * index.drift;
  return out;
}

day_number next_weekday(day_number day) noexcept {
  // Day 0 (1970-01-01) was a Thursday: (day + 4) % 7 is 0 on Sundays and 6 on Saturdays.
  do ++day;
  while ((day + 4) % 7 == 0 || (day + 4) % 7 == 6);
  return day;
}

continuation::continuation(std::uint64_t seed, index_calibration index, std::vector<stock> stocks,
                           day last_real)
    : seed_(seed),
      index_(index),
      stocks_(std::move(stocks)),
      yesterday_(last_real),
      today_(std::move(last_real)) {}

void continuation::advance() {
  const day_number d = next_weekday(today_.index.day);
  random_source rng(derive_seed(seed_, "continue:" + std::string(index_symbol), d));
  const double sigma = index_.volatility;
  const double gap_sigma = index_.gap_volatility;
  const double body_sigma = std::sqrt(std::max(sigma * sigma - gap_sigma * gap_sigma, 0.0));
  const double gap = gap_sigma * rng.normal();
  const double body = index_.drift + body_sigma * rng.normal();
  // The day's surprise in units of the index's volatility: the market factor every stock shares
  // in proportion to its correlation.
  const double shock = sigma > 0 ? (gap + body - index_.drift) / sigma : 0.0;
  const double open = log_price(today_.index.close) + gap;
  const double close = open + body;
  day next;
  next.index.day = d;
  next.index.open = price_of_log(open);
  next.index.close = price_of_log(close);
  const double s2 = body_sigma * body_sigma;
  next.index.high = std::max(
      {price_of_log(bridge_extreme(open, close, s2, 1.0, rng)), next.index.open, next.index.close});
  next.index.low = std::min({price_of_log(bridge_extreme(open, close, s2, -1.0, rng)),
                             next.index.open, next.index.close});
  next.index.volume = std::max<std::int64_t>(
      1, std::llround(static_cast<double>(index_.volume) * (0.75 + 0.5 * rng.uniform())));
  next.closes.reserve(stocks_.size());
  for (std::size_t i = 0; i < stocks_.size(); ++i) {
    const std::optional<price_e4>& before = today_.closes[i];
    if (!before) {
      next.closes.emplace_back();
      continue;
    }
    const stock_calibration& c = stocks_[i].calibration;
    random_source own(derive_seed(seed_, "continue:" + stocks_[i].symbol, d));
    const double rho = c.correlation;
    const double r =
        c.drift + c.volatility * (rho * shock + std::sqrt(1.0 - rho * rho) * own.normal());
    next.closes.emplace_back(price_of_log(log_price(*before) + r));
  }
  yesterday_ = std::move(today_);
  today_ = std::move(next);
}

}  // namespace marketsim::market
