// Seeded GBM market. A step draws one market-factor shock shared by every instrument and one
// idiosyncratic shock each; the index carries the factor alone. Time is compressed like the
// replay's: one trading day per replay_day_duration, so the simulated market moves as visibly.
// Only the feed loop calls in.
#include "marketsim/market/simulated.hpp"

#include <algorithm>
#include <cmath>

namespace marketsim::market {

result<std::unique_ptr<simulated_provider>> simulated_provider::create(
    const market_settings& settings, const resume_point& resume) {
  if (settings.tick_interval.count() <= 0 || settings.replay_day_duration.count() <= 0) {
    return fail(errc::config_malformed, "tick interval and replay day duration must be positive");
  }
  std::unique_ptr<simulated_provider> p(new simulated_provider(settings.seed));
  p->steps_per_day_ = static_cast<int>(std::clamp<std::int64_t>(
      settings.replay_day_duration.count() / settings.tick_interval.count(), 1, 1'000'000));
  p->dt_ = 1.0 / (252.0 * p->steps_per_day_);
  std::vector<instrument_profile> profiles = real_stock_profiles();
  profiles.push_back(index_profile());
  for (auto& c : simulated_companies(settings.simulated_companies)) profiles.push_back(c);
  for (const instrument_profile& profile : profiles) {
    const auto it = resume.last_prices.find(profile.info.symbol);
    const double price = it != resume.last_prices.end() && it->second > 0
                             ? static_cast<double>(it->second) / price_scale
                             : profile.start_price;
    p->instruments_.push_back(profile.info);
    p->walkers_.push_back(walker{profile, price, std::max(round_to_cents(price), cent),
                                 random_source(derive_seed(settings.seed, profile.info.symbol))});
  }
  return p;
}

std::optional<price_e4> simulated_provider::previous_close(std::string_view symbol) const {
  for (const walker& w : walkers_) {
    if (w.profile.info.symbol == symbol) return w.start;
  }
  return std::nullopt;
}

std::vector<tick> simulated_provider::next_batch(std::int64_t wall_ms) {
  const double sqrt_dt = std::sqrt(dt_);
  const double factor = market_volatility * sqrt_dt * factor_rng_.normal();
  std::vector<tick> out;
  out.reserve(walkers_.size());
  for (walker& w : walkers_) {
    const instrument_profile& p = w.profile;
    // Total variance = beta² σm² + σ², so the drift correction uses both parts.
    const double variance =
        p.beta * p.beta * market_volatility * market_volatility + p.volatility * p.volatility;
    const double r = (p.drift - 0.5 * variance) * dt_ + p.beta * factor +
                     p.volatility * sqrt_dt * w.rng.normal();
    w.price = std::max(w.price * std::exp(r), 0.01);
    const double mean_volume = static_cast<double>(p.daily_volume) / steps_per_day_;
    const auto volume =
        std::max<std::int64_t>(1, std::llround(mean_volume * (0.5 + w.rng.uniform())));
    out.push_back(tick{p.info.symbol, std::max(round_to_cents(w.price), cent), volume, wall_ms});
  }
  return out;
}

}  // namespace marketsim::market
