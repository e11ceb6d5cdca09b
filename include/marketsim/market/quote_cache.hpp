// In-memory latest quote per symbol with the day's statistics. Written by the feed loop,
// read concurrently by request handlers on io threads (a shared mutex guards it).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::market {

struct quote {
  instrument info;
  std::optional<price_e4> price;  // nullopt until the first tick (e.g. before an IPO)
  std::optional<price_e4> previous_close;
  std::optional<price_e4> day_open;
  std::optional<price_e4> day_high;
  std::optional<price_e4> day_low;
  std::int64_t day_volume = 0;
  std::int64_t updated_ms = 0;  // ts_ms of the last tick
};

// change and change % since the previous close; nullopt when either side is unknown.
struct change {
  price_e4 amount = 0;
  double percent = 0.0;
};
[[nodiscard]] std::optional<change> change_of(const quote& q) noexcept;

struct movers {
  std::vector<quote> gainers;      // by change % descending
  std::vector<quote> losers;       // by change % ascending
  std::vector<quote> most_active;  // by day volume descending
};

class quote_cache {
 public:
  // Registers the instruments in catalog order, with their previous closes when known.
  void reset(const std::vector<instrument>& instruments,
             const std::map<std::string, price_e4, std::less<>>& previous_closes);
  // Applies a tick: a tick on a later UTC day than the quote's last one rolls the day
  // (previous close := last price, day stats restart).
  void apply(const tick& t);
  // What apply does to one quote, on a copy: the feed formats an event from the quote a tick
  // will make before the cluster has accepted the tick.
  static void advance(quote& q, const tick& t);
  [[nodiscard]] std::vector<quote> all() const;
  [[nodiscard]] std::optional<quote> find(std::string_view symbol) const;
  [[nodiscard]] bool contains(std::string_view symbol) const;
  [[nodiscard]] movers top_movers(std::size_t count) const;  // indexes excluded

 private:
  mutable std::shared_mutex mutex_;
  std::vector<std::string> order_;
  std::map<std::string, quote, std::less<>> quotes_;
};

}  // namespace marketsim::market
