// Picks the quote provider named by the configuration. Called once at start-up (and by tests);
// the provider it returns then belongs to the feed loop.
#include "marketsim/market/provider.hpp"

#include <fmt/format.h>

#include "marketsim/market/history.hpp"
#include "marketsim/market/http_provider.hpp"
#include "marketsim/market/replay.hpp"
#include "marketsim/market/simulated.hpp"

namespace marketsim::market {
namespace {

// Each factory returns its own concrete type; the caller wants the interface.
template <class T>
result<std::unique_ptr<quote_provider>> as_interface(result<std::unique_ptr<T>> made) {
  if (!made) return std::unexpected(made.error());
  return std::unique_ptr<quote_provider>(std::move(*made));
}

}  // namespace

result<std::unique_ptr<quote_provider>> make_provider(const market_settings& settings,
                                                      const resume_point& resume) {
  if (settings.provider == "replay") {
    auto history = load_history(settings.data_dir);
    if (!history) return std::unexpected(history.error());
    return as_interface(replay_provider::create(std::move(*history), settings, resume));
  }
  if (settings.provider == "simulated") {
    return as_interface(simulated_provider::create(settings, resume));
  }
  if (settings.provider == "http") return as_interface(http_provider::create(settings));
  return fail(
      errc::config_malformed,
      fmt::format("unknown market provider '{}' (replay, simulated or http)", settings.provider));
}

}  // namespace marketsim::market
