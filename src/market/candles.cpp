// Candle aggregation from ticks and merging of stored with buffered candles. Pure: request
// handlers call it on io threads over data they already copied out of shared structures.
#include "marketsim/market/candles.hpp"

#include <algorithm>

namespace marketsim::market {

std::optional<std::int64_t> parse_interval(std::string_view text) noexcept {
  if (text == "1m") return 60'000;
  if (text == "5m") return 300'000;
  if (text == "1h") return 3'600'000;
  if (text == "1d") return 86'400'000;
  return std::nullopt;
}

std::vector<candle> aggregate(std::span<const tick> ticks, std::int64_t interval_ms) {
  std::vector<candle> out;
  if (interval_ms <= 0) return out;
  for (const tick& t : ticks) {
    const std::int64_t start = bucket_start(t.ts_ms, interval_ms);
    if (out.empty() || out.back().start_ms != start) {
      out.push_back(candle{start, t.price, t.price, t.price, t.price, t.volume});
      continue;
    }
    candle& c = out.back();
    c.high = std::max(c.high, t.price);
    c.low = std::min(c.low, t.price);
    c.close = t.price;
    c.volume += t.volume;
  }
  return out;
}

std::vector<candle> merge(std::span<const candle> earlier, std::span<const candle> later) {
  std::vector<candle> out;
  out.reserve(earlier.size() + later.size());
  std::size_t i = 0, j = 0;
  // A two-way merge rather than "join at the seam": it stays correct even if the caller's
  // split between stored and buffered data is not exactly on a bucket boundary.
  while (i < earlier.size() || j < later.size()) {
    if (j == later.size() || (i < earlier.size() && earlier[i].start_ms < later[j].start_ms)) {
      out.push_back(earlier[i++]);
    } else if (i == earlier.size() || later[j].start_ms < earlier[i].start_ms) {
      out.push_back(later[j++]);
    } else {
      const candle& a = earlier[i++];
      const candle& b = later[j++];
      out.push_back(candle{a.start_ms, a.open, std::max(a.high, b.high), std::min(a.low, b.low),
                           b.close, a.volume + b.volume});
    }
  }
  return out;
}

}  // namespace marketsim::market
