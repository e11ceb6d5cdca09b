// An order as an API client asks for it (Alpaca's fields), read strictly from the JSON body of
// POST /v2/orders or PATCH /v2/orders/{id}: which fields an order type takes, their ranges, and
// the fingerprint that tells a retry of the same order from a reuse of its client_order_id.
// Pure; io threads. Unit-tested with the bad inputs.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/core/error.hpp"
#include "marketsim/trading/triggers.hpp"

namespace marketsim::trading {

struct order_request {
  std::string symbol;  // upper-cased; the caller checks it exists
  std::int64_t qty = 0;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  std::optional<price_e4> limit;
  std::optional<price_e4> stop;
  std::optional<price_e4> trail_price;
  std::optional<std::int64_t> trail_ppm;  // trail_percent × 10^4
  std::string client_order_id;            // empty: the server makes one
  // Who asked, for the logs only: the placing request's id (or "rule-<id>-<seq>"). It rides
  // along with the order's trade updates through NOTIFY, so the instance that delivers them to
  // the player's streams logs the same id as the one that took the order.
  std::string trace;
};

// A replacement's changes; what is absent stays as it was.
struct replace_request {
  std::optional<std::int64_t> qty;
  std::optional<time_in_force> tif;
  std::optional<price_e4> limit;
  std::optional<price_e4> stop;
  std::optional<price_e4> trail;  // the new trail_price, or trail_percent × 10^4
  std::optional<std::string> client_order_id;
};

inline constexpr std::size_t max_client_order_id = 128;

[[nodiscard]] result<order_request> parse_order_request(const nlohmann::json& body);
[[nodiscard]] result<replace_request> parse_replace_request(const nlohmann::json& body);
// The order with a replacement applied, checked as a new order would be.
[[nodiscard]] result<order_request> apply_replace(order_request base, const replace_request& r);
// Checks the combination of fields (which prices a type takes, market orders and tif).
[[nodiscard]] result<void> validate(const order_request& o);

// Every field that defines the order, in one string.
[[nodiscard]] std::string fingerprint(const order_request& o);

[[nodiscard]] std::string_view side_name(side s) noexcept;
[[nodiscard]] std::string_view type_name(order_type t) noexcept;
[[nodiscard]] std::string_view tif_name(time_in_force t) noexcept;
[[nodiscard]] std::optional<side> parse_side(std::string_view s) noexcept;
[[nodiscard]] std::optional<order_type> parse_type(std::string_view s) noexcept;
[[nodiscard]] std::optional<time_in_force> parse_tif(std::string_view s) noexcept;

}  // namespace marketsim::trading
