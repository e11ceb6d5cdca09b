// Value types of the market: instruments, ticks, exact prices. Pure; shared by every thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace marketsim::market {

// Prices are exact integers in 1/10000 of a dollar (never floating point outside generators).
using price_e4 = std::int64_t;
inline constexpr price_e4 price_scale = 10'000;
// The lowest price a generator emits (replay and simulated floor their prices at it).
inline constexpr price_e4 cent = price_scale / 100;

enum class instrument_kind { stock, index, simulated };

struct instrument {
  std::string symbol;
  std::string name;
  std::string sector;
  instrument_kind kind = instrument_kind::stock;
};

// One price observation. ts_ms is market time (UTC milliseconds): for replay it is the
// simulated trading day's clock, for the other providers the wall clock.
struct tick {
  std::string symbol;
  price_e4 price = 0;
  std::int64_t volume = 0;
  std::int64_t ts_ms = 0;
};

[[nodiscard]] std::string_view kind_name(instrument_kind kind) noexcept;
// "123.45" (at least two decimals, up to four, no trailing zeros beyond two).
[[nodiscard]] std::string format_price(price_e4 price);
// Parses a non-negative decimal with at most 4 fractional digits ("12", "12.5", "0.0001").
// Rounds half away from zero when more digits are given. nullopt for anything else.
[[nodiscard]] std::optional<price_e4> parse_price(std::string_view text);
// Rounds a floating generator value to whole cents, in price_e4 units.
[[nodiscard]] price_e4 round_to_cents(double dollars) noexcept;
// The generators walk in log prices: these convert, the second rounding to whole cents and never
// below one cent.
[[nodiscard]] double log_price(price_e4 price) noexcept;
[[nodiscard]] price_e4 price_of_log(double log_dollars) noexcept;

}  // namespace marketsim::market
