// The simulated provider: every instrument (the real stocks, the index, the invented companies)
// follows a seeded geometric Brownian motion tied to one common market factor. One step per
// next_batch call; owned and called by the feed loop only.
#pragma once
#include <memory>
#include <vector>

#include "marketsim/market/catalog.hpp"
#include "marketsim/market/provider.hpp"
#include "marketsim/market/random.hpp"

namespace marketsim::market {

class simulated_provider final : public quote_provider {
 public:
  // config_malformed when the tick settings are not positive.
  [[nodiscard]] static result<std::unique_ptr<simulated_provider>> create(
      const market_settings& settings, const resume_point& resume);

  [[nodiscard]] std::string_view name() const override { return "simulated"; }
  [[nodiscard]] const std::vector<instrument>& instruments() const override { return instruments_; }
  // The price the simulation started from (the resume price or the built-in start price).
  [[nodiscard]] std::optional<price_e4> previous_close(std::string_view symbol) const override;
  // Advances one step and returns a tick per instrument stamped wall_ms.
  [[nodiscard]] std::vector<tick> next_batch(std::int64_t wall_ms) override;
  [[nodiscard]] std::optional<std::int64_t> simulated_from_ms() const override { return 0; }

 private:
  struct walker {
    instrument_profile profile;
    double price = 0;  // unrounded, so cent rounding does not accumulate a bias
    price_e4 start = 0;
    random_source rng;
  };

  explicit simulated_provider(std::uint64_t seed) : factor_rng_(derive_seed(seed, "factor")) {}

  std::vector<instrument> instruments_;
  std::vector<walker> walkers_;
  random_source factor_rng_;
  double dt_ = 0;  // years per step
  int steps_per_day_ = 300;
};

}  // namespace marketsim::market
