// Exact money and quantities for orders: prices and cash in ten-thousandths of a dollar
// (market::price_e4), quantities in whole shares, read strictly from what an API client sent
// (a JSON string like Alpaca's, or a JSON number) and multiplied without overflow. Pure.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::trading {

using money_e4 = std::int64_t;  // same scale as market::price_e4

inline constexpr std::int64_t max_order_qty = 1'000'000'000;
inline constexpr market::price_e4 max_order_price = 1'000'000'000LL * market::price_scale;

// Whole shares, 1..max_order_qty, from "10" or 10. Fractions, exponents, signs, spaces, NaN,
// booleans and anything too large are refused (errc::bad_request, naming `field`).
[[nodiscard]] result<std::int64_t> parse_quantity(const nlohmann::json& value,
                                                  std::string_view field);
// A positive price with at most 4 decimals, from "12.34" or 12.34, below max_order_price.
[[nodiscard]] result<market::price_e4> parse_order_price(const nlohmann::json& value,
                                                         std::string_view field);
// equity / start - 1 as an exact decimal of 6 places, rounded half away from zero ("0.012345",
// "-0.5"): the return the leaderboard, profiles and the home feed all show. start > 0.
[[nodiscard]] std::string format_return(money_e4 equity, money_e4 start);
// price × qty, or nullopt when it would not fit.
[[nodiscard]] std::optional<money_e4> notional(market::price_e4 price, std::int64_t qty) noexcept;

}  // namespace marketsim::trading
