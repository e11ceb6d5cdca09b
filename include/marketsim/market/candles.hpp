// Candle (OHLCV bar) aggregation from ticks, and merging of stored and buffered candles. Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::market {

struct candle {
  std::int64_t start_ms = 0;  // bucket start, aligned to the interval in UTC
  price_e4 open = 0, high = 0, low = 0, close = 0;
  std::int64_t volume = 0;
};

// "1m", "5m", "1h", "1d" → bucket length in ms; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_interval(std::string_view text) noexcept;
[[nodiscard]] inline std::int64_t bucket_start(std::int64_t ts_ms,
                                               std::int64_t interval_ms) noexcept {
  std::int64_t r = ts_ms % interval_ms;
  if (r < 0) r += interval_ms;
  return ts_ms - r;
}
// Ticks in ts order (ties keep their order) → candles in start order; ticks for one symbol.
[[nodiscard]] std::vector<candle> aggregate(std::span<const tick> ticks, std::int64_t interval_ms);
// Both inputs sorted by start_ms, `earlier` built from ticks older than every tick in `later`.
// Same bucket: open from earlier, close from later, high/low extremes, volumes added.
[[nodiscard]] std::vector<candle> merge(std::span<const candle> earlier,
                                        std::span<const candle> later);

}  // namespace marketsim::market
