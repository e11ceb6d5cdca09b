// Exact price formatting and parsing for the market value types. Pure; called from every thread
// (feed loop, request handlers) without shared state.
#include "marketsim/market/types.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace marketsim::market {

std::string_view kind_name(instrument_kind kind) noexcept {
  switch (kind) {
    case instrument_kind::stock:
      return "stock";
    case instrument_kind::index:
      return "index";
    case instrument_kind::simulated:
      return "simulated";
  }
  return "stock";
}

std::string format_price(price_e4 price) {
  // Work on the magnitude as unsigned so that the most negative value does not overflow.
  const bool negative = price < 0;
  const auto magnitude = negative ? std::uint64_t(0) - static_cast<std::uint64_t>(price)
                                  : static_cast<std::uint64_t>(price);
  const std::uint64_t whole = magnitude / price_scale;
  std::uint64_t fraction = magnitude % price_scale;
  // Two decimals always (money reads as money); the last two only when they carry information.
  std::string out = fmt::format("{}{}.{:04}", negative ? "-" : "", whole, fraction);
  if (out.back() == '0') out.pop_back();
  if (out.back() == '0') out.pop_back();
  return out;
}

std::optional<price_e4> parse_price(std::string_view text) {
  // Bounded so the integer part can never overflow price_e4 after scaling.
  constexpr std::size_t max_integer_digits = 14;
  std::size_t i = 0;
  price_e4 whole = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (i >= max_integer_digits) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;  // no leading digit: "", ".5", "-1", "+1", " 1"
  price_e4 fraction = 0;
  if (i < text.size()) {
    if (text[i] != '.') return std::nullopt;
    ++i;
    const std::size_t first = i;
    int kept = 0;
    bool round_up = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return std::nullopt;
      if (kept < 4) {
        fraction = fraction * 10 + (c - '0');
        ++kept;
      } else if (i == first + 4) {
        // Only the first dropped digit decides: half away from zero on a non-negative value.
        round_up = c >= '5';
      }
    }
    if (i == first) return std::nullopt;  // "12." is not a number a person would type
    for (; kept < 4; ++kept) fraction *= 10;
    if (round_up) ++fraction;
  }
  return whole * price_scale + fraction;
}

price_e4 round_to_cents(double dollars) noexcept {
  if (!std::isfinite(dollars)) return 0;
  // Generators never get near this, but a wild value must not become undefined behaviour.
  constexpr double max_cents = 9.0e14;
  const double cents = std::clamp(dollars * 100.0, -max_cents, max_cents);
  return static_cast<price_e4>(std::llround(cents)) * (price_scale / 100);
}

double log_price(price_e4 price) noexcept {
  return std::log(static_cast<double>(price) / price_scale);
}

price_e4 price_of_log(double log_dollars) noexcept {
  return std::max(round_to_cents(std::exp(log_dollars)), cent);
}

}  // namespace marketsim::market
