// Replay of the real history, then of its simulated continuation. Construction (start-up thread)
// precomputes every stock's daily closes and calibrates the continuation; afterwards only the
// feed loop calls in, generating one trading day of intraday ticks at a time. Every random
// stream is derived from (seed, instrument, day) so a day's ticks are the same whichever day the
// replay started from.
#include "marketsim/market/replay.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace marketsim::market {
namespace {

constexpr std::int64_t session_open_ms = (14 * 60 + 30) * 60'000;  // 14:30 UTC
constexpr std::int64_t session_ms = 390 * 60'000;
constexpr double trading_days_per_year = 252.0;
// Enough for open, high, low and close to each own a tick.
constexpr int min_steps_per_day = 4;
// After a stall (suspended process, slow consumer) emit at most this many steps in one call.
constexpr std::int64_t max_catch_up_steps = 10;

// A Brownian bridge from `from` (k = 0) to `to` (k = m) in m steps: the endpoints are exact,
// the inside wanders with per-step deviation `sigma`.
std::vector<double> bridge(random_source& rng, double from, double to, int m, double sigma) {
  std::vector<double> walk(static_cast<std::size_t>(m) + 1, 0.0);
  for (int k = 1; k <= m; ++k) walk[k] = walk[k - 1] + sigma * rng.normal();
  std::vector<double> out(walk.size());
  for (int k = 0; k <= m; ++k) {
    const double t = static_cast<double>(k) / m;
    out[k] = from + t * (to - from) + walk[k] - t * walk[m];
  }
  out[0] = from;
  out[m] = to;
  return out;
}

// Folds x back into [lo, hi] like a path bouncing off the day's extremes. Clamping instead
// would leave flat stretches pinned at the high or the low.
double reflect(double x, double lo, double hi) {
  const double width = hi - lo;
  if (width <= 0) return lo;
  double y = std::fmod(x - lo, 2 * width);
  if (y < 0) y += 2 * width;
  return lo + (y <= width ? y : 2 * width - y);
}

// The index's intraday path: open first, close last, the high and the low each on one inner
// step (their order drawn from the seed), bridges in between folded into [low, high]. The day's
// candle rebuilt from these ticks is exactly the real bar.
std::vector<price_e4> index_path(const daily_bar& bar, int n, random_source& rng) {
  const int high_step = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - 2)));
  int low_step = high_step;
  while (low_step == high_step) {
    low_step = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - 2)));
  }
  std::vector<std::pair<int, price_e4>> anchors = {
      {0, bar.open}, {high_step, bar.high}, {low_step, bar.low}, {n - 1, bar.close}};
  std::sort(anchors.begin(), anchors.end());
  const double range = std::max(log_price(bar.high) - log_price(bar.low), 1e-4);
  const double sigma = 0.6 * range / std::sqrt(static_cast<double>(n));
  std::vector<price_e4> path(static_cast<std::size_t>(n));
  for (std::size_t a = 0; a + 1 < anchors.size(); ++a) {
    const auto [s0, p0] = anchors[a];
    const auto [s1, p1] = anchors[a + 1];
    const auto values = bridge(rng, log_price(p0), log_price(p1), s1 - s0, sigma);
    for (int k = 1; k < s1 - s0; ++k) {
      const double inside = reflect(values[k], log_price(bar.low), log_price(bar.high));
      path[s0 + k] = std::clamp(price_of_log(inside), bar.low, bar.high);
    }
    path[s0] = p0;
    path[s1] = p1;
  }
  return path;
}

// Splits the day's volume over the steps, heavier at the open and the close like a real
// session; the remainder of the integer division goes to the last tick so the sum is exact.
std::vector<std::int64_t> split_volume(std::int64_t total, int n, random_source& rng) {
  std::vector<double> weights(static_cast<std::size_t>(n));
  double sum = 0;
  for (int k = 0; k < n; ++k) {
    const double x = n > 1 ? static_cast<double>(k) / (n - 1) - 0.5 : 0.0;
    weights[k] = 0.6 + 3.2 * x * x + 0.5 * rng.uniform();
    sum += weights[k];
  }
  std::vector<std::int64_t> out(weights.size());
  std::int64_t given = 0;
  for (int k = 0; k < n; ++k) {
    out[k] = static_cast<std::int64_t>(std::floor(static_cast<double>(total) * weights[k] / sum));
    given += out[k];
  }
  if (given > total) {  // cannot happen with floor, but never emit a negative volume
    std::fill(out.begin(), out.end(), 0);
    given = 0;
  }
  out.back() += total - given;
  return out;
}

std::int64_t synthetic_volume(std::int64_t daily, int n, random_source& rng) {
  const double mean = static_cast<double>(daily) / n;
  return std::max<std::int64_t>(1, std::llround(mean * (0.5 + rng.uniform())));
}

}  // namespace

std::int64_t replay_tick_ms(day_number day, int step, int steps_per_day) noexcept {
  return static_cast<std::int64_t>(day) * ms_per_day + session_open_ms +
         static_cast<std::int64_t>(step) * session_ms / steps_per_day;
}

result<std::unique_ptr<replay_provider>> replay_provider::create(market_history history,
                                                                 const market_settings& settings,
                                                                 const resume_point& resume) {
  if (settings.tick_interval.count() <= 0 || settings.replay_day_duration.count() <= 0) {
    return fail(errc::config_malformed, "tick interval and replay day duration must be positive");
  }
  if (history.index_days.empty()) return fail(errc::parse_error, "the index history is empty");
  auto start_day = parse_iso_date(settings.replay_start);
  if (!start_day) {
    return fail(errc::config_malformed,
                fmt::format("replay start '{}' is not a YYYY-MM-DD date", settings.replay_start));
  }
  std::unique_ptr<replay_provider> p(new replay_provider());
  p->seed_ = settings.seed;
  p->tick_interval_ms_ = settings.tick_interval.count();
  p->steps_per_day_ = static_cast<int>(std::clamp<std::int64_t>(
      settings.replay_day_duration.count() / settings.tick_interval.count(), min_steps_per_day,
      1'000'000));

  // The replayable range: index days inside the span the stocks cover, so every day has data
  // for every listed stock that had been listed by then.
  day_number range_first = history.index_days.front().day;
  day_number range_last = history.index_days.back().day;
  if (!history.stocks.empty()) {
    range_first = std::numeric_limits<day_number>::max();
    range_last = std::numeric_limits<day_number>::min();
    for (const auto& [symbol, points] : history.stocks) {
      range_first = std::min(range_first, points.front().day);
      range_last = std::max(range_last, points.back().day);
    }
  }
  for (const daily_bar& bar : history.index_days) {
    if (bar.day < range_first) p->index_pre_close_ = bar.close;
    if (bar.day >= range_first && bar.day <= range_last) p->days_.push_back(bar);
  }
  if (p->days_.empty()) {
    return fail(errc::parse_error, "the index history has no trading day inside the stocks' range");
  }

  // The simulation that follows the real history: the index calibrated on its whole real series
  // (it may run past the stocks' range), the stocks on their monthly points (build_closes).
  p->index_cal_ =
      calibrate_index(history.index_days, p->days_.back().day).value_or(index_calibration{});
  for (const instrument_profile& profile : real_stock_profiles()) {
    auto it = history.stocks.find(profile.info.symbol);
    if (it == history.stocks.end()) continue;  // listed only when there is history for it
    stock_track track{profile, {}, {}};
    p->build_closes(it->second, track);
    p->instruments_.push_back(profile.info);
    p->stocks_.push_back(std::move(track));
  }
  for (const auto& [symbol, points] : history.stocks) {
    if (!find_profile(symbol)) spdlog::warn("replay: ignoring {}: not in the catalog", symbol);
  }
  p->instruments_.push_back(index_profile().info);
  p->companies_ = simulated_companies(settings.simulated_companies);
  for (const auto& c : p->companies_) p->instruments_.push_back(c.info);

  continuation::day last_real{p->days_.back(), {}};
  std::vector<continuation::stock> simulated_stocks;
  for (stock_track& track : p->stocks_) {
    last_real.closes.push_back(track.closes.empty() ? std::nullopt : track.closes.back());
    simulated_stocks.push_back({track.profile.info.symbol, track.calibration});
  }
  p->continuation_.emplace(settings.seed, p->index_cal_, std::move(simulated_stocks),
                           std::move(last_real));

  // Where to start: at the step after the resume point (the rest of its trading day first), else
  // on the first trading day on or after replay_start, in the simulation if that is past the
  // real history.
  const day_number target = resume.after_ts_ms ? day_of_ms(*resume.after_ts_ms) : *start_day;
  const auto by_day = [](const daily_bar& bar, day_number d) { return bar.day < d; };
  p->pos_ = static_cast<std::size_t>(
      std::lower_bound(p->days_.begin(), p->days_.end(), target, by_day) - p->days_.begin());
  if (p->pos_ == p->days_.size()) {
    p->pos_ = p->days_.size() - 1;
    p->next_day();
    while (p->today().day < target) p->next_day();
  }
  int start_step = 0;
  if (resume.after_ts_ms && p->today().day == target) {
    while (start_step < p->steps_per_day_ &&
           replay_tick_ms(target, start_step, p->steps_per_day_) <= *resume.after_ts_ms)
      ++start_step;
    if (start_step == p->steps_per_day_) {
      p->next_day();
      start_step = 0;
    }
  }
  if (p->simulating_) {
    spdlog::info(
        "replay: starting on {} in the simulated continuation of the real history "
        "(it ended on {})",
        format_iso_date(p->today().day), format_iso_date(p->days_.back().day));
  }

  // Previous closes: the day before the start (interpolated for stocks, simulated past the end).
  const std::optional<price_e4> index_prev = p->index_close_before();
  if (index_prev) p->previous_closes_[std::string(index_symbol)] = *index_prev;
  for (std::size_t i = 0; i < p->stocks_.size(); ++i) {
    if (auto before = p->stock_close_before(i))
      p->previous_closes_[p->stocks_[i].profile.info.symbol] = *before;
  }
  for (const auto& c : p->companies_) {
    auto it = resume.last_prices.find(c.info.symbol);
    const double price = it != resume.last_prices.end() && it->second > 0
                             ? static_cast<double>(it->second) / price_scale
                             : c.start_price;
    p->company_prices_.push_back(price);
    p->company_rngs_.emplace_back(
        derive_seed(settings.seed, "replay:" + c.info.symbol, p->today().day));
    p->previous_closes_[c.info.symbol] = std::max(round_to_cents(price), cent);
  }
  p->last_index_ = static_cast<double>(index_prev.value_or(p->today().open)) / price_scale;
  p->enter_day();
  if (start_step > 0) {
    // Mid-day: the index stood at the previous step's level (its path is the same whatever
    // day the replay started from), the base of the invented companies' next return.
    p->step_ = start_step;
    p->last_index_ = static_cast<double>(p->day_steps_[start_step - 1].back().price) / price_scale;
  }
  return p;
}

void replay_provider::build_closes(const std::vector<monthly_point>& points,
                                   stock_track& track) const {
  const std::string& symbol = track.profile.info.symbol;
  const double daily_sigma = track.profile.volatility / std::sqrt(trading_days_per_year);
  track.closes.assign(days_.size(), std::nullopt);
  // Each monthly point pins the close of the first trading day on/after its date.
  std::vector<std::pair<std::size_t, price_e4>> anchors;
  for (const monthly_point& point : points) {
    auto it = std::lower_bound(days_.begin(), days_.end(), point.day,
                               [](const daily_bar& bar, day_number d) { return bar.day < d; });
    if (it == days_.end()) continue;
    const auto pos = static_cast<std::size_t>(it - days_.begin());
    if (!anchors.empty() && anchors.back().first >= pos) continue;
    anchors.emplace_back(pos, point.price);
  }
  // The simulation after the history moves the stock as its monthly points did against the
  // index; with too few of them, as the catalog says it moves.
  track.calibration =
      calibrate_stock(anchors, days_, index_cal_)
          .value_or(stock_calibration{
              .drift = 0,
              .volatility = daily_sigma,
              .correlation = std::clamp(
                  track.profile.beta * market_volatility / std::max(track.profile.volatility, 1e-9),
                  -1.0, 1.0)});
  if (anchors.empty()) return;
  for (std::size_t a = 0; a + 1 < anchors.size(); ++a) {
    const auto [pos0, p0] = anchors[a];
    const auto [pos1, p1] = anchors[a + 1];
    random_source rng(derive_seed(seed_, "closes:" + symbol, days_[pos0].day));
    const int m = static_cast<int>(pos1 - pos0);
    const auto values = bridge(rng, log_price(p0), log_price(p1), m, daily_sigma);
    for (int k = 1; k < m; ++k) track.closes[pos0 + k] = price_of_log(values[k]);
  }
  for (const auto& [pos, price] : anchors) track.closes[pos] = price;
  // Past the symbol's last point (only if its data ends before the range does): a driftless
  // walk, so the stock keeps trading instead of freezing.
  random_source tail(derive_seed(seed_, "tail:" + symbol));
  double x = log_price(anchors.back().second);
  for (std::size_t pos = anchors.back().first + 1; pos < days_.size(); ++pos) {
    x += daily_sigma * tail.normal();
    track.closes[pos] = price_of_log(x);
  }
}

std::optional<price_e4> replay_provider::stock_close(std::string_view symbol,
                                                     day_number day) const {
  auto it = std::lower_bound(days_.begin(), days_.end(), day,
                             [](const daily_bar& bar, day_number d) { return bar.day < d; });
  if (it == days_.end() || it->day != day) return std::nullopt;
  for (const stock_track& track : stocks_) {
    if (track.profile.info.symbol == symbol) return track.closes[it - days_.begin()];
  }
  return std::nullopt;
}

std::optional<price_e4> replay_provider::previous_close(std::string_view symbol) const {
  auto it = previous_closes_.find(symbol);
  if (it == previous_closes_.end()) return std::nullopt;
  return it->second;
}

std::optional<stock_calibration> replay_provider::stock_calibrated(std::string_view symbol) const {
  for (const stock_track& track : stocks_) {
    if (track.profile.info.symbol == symbol) return track.calibration;
  }
  return std::nullopt;
}

std::optional<std::int64_t> replay_provider::simulated_from_ms() const {
  return static_cast<std::int64_t>(next_weekday(days_.back().day)) * ms_per_day;
}

const daily_bar& replay_provider::today() const noexcept {
  return simulating_ ? continuation_->today().index : days_[pos_];
}

std::optional<price_e4> replay_provider::index_close_before() const {
  if (simulating_) return continuation_->yesterday().index.close;
  return pos_ > 0 ? std::optional(days_[pos_ - 1].close) : index_pre_close_;
}

std::optional<price_e4> replay_provider::stock_close_today(std::size_t i) const {
  return simulating_ ? continuation_->today().closes[i] : stocks_[i].closes[pos_];
}

std::optional<price_e4> replay_provider::stock_close_before(std::size_t i) const {
  if (simulating_) return continuation_->yesterday().closes[i];
  return pos_ > 0 ? stocks_[i].closes[pos_ - 1] : std::nullopt;
}

void replay_provider::next_day() {
  if (!simulating_ && pos_ + 1 < days_.size()) {
    ++pos_;
    return;
  }
  if (!simulating_) {
    spdlog::info(
        "replay: the real history ends on {}; the market goes on in a simulation "
        "calibrated on it",
        format_iso_date(days_.back().day));
    simulating_ = true;
  }
  continuation_->advance();
}

void replay_provider::enter_day() {
  const daily_bar& bar = today();
  const int n = steps_per_day_;
  day_steps_.assign(static_cast<std::size_t>(n), {});
  for (auto& step : day_steps_) step.reserve(stocks_.size() + 1);
  for (std::size_t i = 0; i < stocks_.size(); ++i) {
    const stock_track& track = stocks_[i];
    const auto close = stock_close_today(i);
    if (!close) continue;  // not listed yet (GOOG before its first data point)
    const std::string& symbol = track.profile.info.symbol;
    const price_e4 from = stock_close_before(i).value_or(*close);
    random_source rng(derive_seed(seed_, "day:" + symbol, bar.day));
    const double daily_sigma = track.profile.volatility / std::sqrt(trading_days_per_year);
    const auto values =
        bridge(rng, log_price(from), log_price(*close), n, daily_sigma / std::sqrt(double(n)));
    for (int k = 0; k < n; ++k) {
      const price_e4 price = k == n - 1 ? *close : price_of_log(values[k + 1]);
      day_steps_[k].push_back(tick{symbol, price,
                                   synthetic_volume(track.profile.daily_volume, n, rng),
                                   replay_tick_ms(bar.day, k, n)});
    }
  }
  random_source rng(derive_seed(seed_, std::string("day:") + std::string(index_symbol), bar.day));
  const auto path = index_path(bar, n, rng);
  const auto volumes = split_volume(bar.volume, n, rng);
  for (int k = 0; k < n; ++k) {
    day_steps_[k].push_back(
        tick{std::string(index_symbol), path[k], volumes[k], replay_tick_ms(bar.day, k, n)});
  }
}

void replay_provider::emit_step(std::vector<tick>& out) {
  const int n = steps_per_day_;
  const auto& real = day_steps_[step_];
  out.insert(out.end(), real.begin(), real.end());
  // The index tick is the last of the real ones: its log return is the market factor.
  const double index_now = static_cast<double>(real.back().price) / price_scale;
  const double factor = std::log(index_now / last_index_);
  last_index_ = index_now;
  const double dt = 1.0 / (trading_days_per_year * n);
  const std::int64_t ts = real.back().ts_ms;
  for (std::size_t i = 0; i < companies_.size(); ++i) {
    const instrument_profile& c = companies_[i];
    random_source& rng = company_rngs_[i];
    const double sigma = c.volatility;
    const double r = (c.drift - 0.5 * sigma * sigma) * dt + c.beta * factor +
                     sigma * std::sqrt(dt) * rng.normal();
    company_prices_[i] = std::max(company_prices_[i] * std::exp(r), 0.01);
    out.push_back(tick{c.info.symbol, std::max(round_to_cents(company_prices_[i]), cent),
                       synthetic_volume(c.daily_volume, n, rng), ts});
  }
  if (++step_ < n) return;
  step_ = 0;
  next_day();
  enter_day();
}

std::vector<tick> replay_provider::next_batch(std::int64_t wall_ms) {
  std::vector<tick> out;
  if (!origin_wall_ms_) origin_wall_ms_ = wall_ms;
  if (wall_ms < *origin_wall_ms_) return out;  // the wall clock stepped back: wait for it
  std::int64_t due = (wall_ms - *origin_wall_ms_) / tick_interval_ms_ + 1;
  if (due - emitted_steps_ > max_catch_up_steps) {
    // Forget the missed time instead of replaying it in a burst.
    *origin_wall_ms_ += (due - emitted_steps_ - max_catch_up_steps) * tick_interval_ms_;
    due = emitted_steps_ + max_catch_up_steps;
  }
  for (; emitted_steps_ < due; ++emitted_steps_) emit_step(out);
  return out;
}

}  // namespace marketsim::market
