// Order amounts (see money.hpp). Pure.
#include "marketsim/trading/money.hpp"

#include <fmt/format.h>

#include <cmath>

#include <nlohmann/json.hpp>

namespace marketsim::trading {

namespace {

// The text of a JSON string or number; nullopt for anything else.
std::optional<std::string> number_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) {
    if (v.is_number_float() && !std::isfinite(v.get<double>())) return std::nullopt;
    return v.dump();  // shortest round-trip form: 100.1 stays "100.1"
  }
  return std::nullopt;
}

// "123" or "123.4567": digits, then at most `max_decimals` after a dot. Scaled by 10^decimals.
std::optional<std::int64_t> strict_decimal(std::string_view t, int max_decimals, int scale_digits,
                                           std::int64_t max_value) {
  if (t.empty() || t.size() > 40) return std::nullopt;
  std::int64_t whole = 0;
  std::size_t i = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    if (whole > max_value) return std::nullopt;
    whole = whole * 10 + (t[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::int64_t fraction = 0;
  int decimals = 0;
  if (i < t.size()) {
    if (t[i] != '.' || i + 1 == t.size()) return std::nullopt;
    for (++i; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      if (decimals == max_decimals) {
        if (t[i] != '0') return std::nullopt;  // more precision than allowed
        continue;
      }
      fraction = fraction * 10 + (t[i] - '0');
      ++decimals;
    }
  }
  for (; decimals < scale_digits; ++decimals) fraction *= 10;
  std::int64_t scale = 1;
  for (int k = 0; k < scale_digits; ++k) scale *= 10;
  if (whole > max_value / scale) return std::nullopt;
  auto value = whole * scale + fraction;
  if (value > max_value) return std::nullopt;
  return value;
}

}  // namespace

result<std::int64_t> parse_quantity(const nlohmann::json& value, std::string_view field) {
  auto text = number_text(value);
  auto bad = [&] {
    return fail(errc::bad_request, fmt::format("{} must be a whole number of shares from 1 to {}",
                                               field, max_order_qty));
  };
  if (!text) return bad();
  auto q = strict_decimal(*text, 0, 0, max_order_qty);
  if (!q || *q < 1) return bad();
  return *q;
}

result<market::price_e4> parse_order_price(const nlohmann::json& value, std::string_view field) {
  auto text = number_text(value);
  auto bad = [&] {
    return fail(errc::bad_request,
                fmt::format("{} must be a positive price with at most 4 decimals", field));
  };
  if (!text) return bad();
  auto p = strict_decimal(*text, 4, 4, max_order_price);
  if (!p || *p <= 0 || *p >= max_order_price) return bad();
  return *p;
}

std::optional<money_e4> notional(market::price_e4 price, std::int64_t qty) noexcept {
  money_e4 out = 0;
  if (__builtin_mul_overflow(price, qty, &out)) return std::nullopt;
  return out;
}

std::string format_return(money_e4 equity, money_e4 start) {
  // Twice the 6-decimal figure, so halves round away from zero in integers alone.
  const __int128 scaled = static_cast<__int128>(equity - start) * 2'000'000 / start;
  const __int128 rounded = (scaled + (scaled < 0 ? -1 : 1)) / 2;
  const bool negative = rounded < 0;
  const auto magnitude = static_cast<unsigned __int128>(negative ? -rounded : rounded);
  return fmt::format("{}{}.{:06}", negative ? "-" : "",
                     static_cast<std::uint64_t>(magnitude / 1'000'000),
                     static_cast<std::uint64_t>(magnitude % 1'000'000));
}

}  // namespace marketsim::trading
