// The quote-provider interface the feed loop drives, and the factory that picks one by config.
// A provider is owned and called by the feed loop only (one thread at a time); next_batch never
// blocks on I/O: providers that fetch from the network do it on a thread of their own.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

struct market_settings {
  std::string provider = "replay";  // replay | simulated | http
  std::string data_dir;             // the data/ folder of the installed npm package vega-datasets
  std::uint64_t seed = 42;
  std::chrono::milliseconds tick_interval{1000};
  std::chrono::milliseconds replay_day_duration{300'000};  // one trading day per 5 minutes
  std::string replay_start = "2005-01-03";                 // first replayed trading day
  int simulated_companies = 20;                            // taken from the built-in list
  std::string http_base_url = "https://stooq.com";
  std::chrono::milliseconds http_poll_interval{15'000};
  std::chrono::milliseconds http_timeout{5'000};
  std::vector<std::string> http_symbols;  // empty: the five real stocks
};

// Where a restarted server or a cluster's new leader picks up: after the last tick the cluster
// published, from the last prices. A replay goes on at the step after after_ts_ms (the rest of
// an interrupted trading day is not skipped), so market time never goes back.
struct resume_point {
  std::optional<std::int64_t> after_ts_ms;
  std::map<std::string, price_e4, std::less<>> last_prices;
};

class quote_provider {
 public:
  virtual ~quote_provider() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual const std::vector<instrument>& instruments() const = 0;
  // The previous close known before the first tick (for "change since previous close").
  [[nodiscard]] virtual std::optional<price_e4> previous_close(std::string_view symbol) const = 0;
  // One feed step: the ticks produced since the last call (may be empty). wall_ms is the wall
  // clock, injected so tests control time.
  [[nodiscard]] virtual std::vector<tick> next_batch(std::int64_t wall_ms) = 0;
  // Whether where it stands depends on where the market was (a replay, a simulation); false
  // for live quotes, which a cluster's new leader keeps using instead of making afresh.
  [[nodiscard]] virtual bool resumes() const { return true; }
  // The market time from which its prices are a simulation rather than real history or live
  // quotes (a replay past the end of its history: the first simulated day; the simulated
  // provider: 0, always); nullopt: never.
  [[nodiscard]] virtual std::optional<std::int64_t> simulated_from_ms() const {
    return std::nullopt;
  }
};

[[nodiscard]] result<std::unique_ptr<quote_provider>> make_provider(const market_settings& settings,
                                                                    const resume_point& resume);

}  // namespace marketsim::market
