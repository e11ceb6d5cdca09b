// Order statuses and their transitions (see order_status.hpp). Pure.
#include "marketsim/trading/order_status.hpp"

#include <array>
#include <utility>

namespace marketsim::trading {

namespace {
constexpr std::array<std::pair<order_status, std::string_view>, 7> names{{
    {order_status::fresh, "new"},
    {order_status::partially_filled, "partially_filled"},
    {order_status::filled, "filled"},
    {order_status::canceled, "canceled"},
    {order_status::expired, "expired"},
    {order_status::replaced, "replaced"},
    {order_status::rejected, "rejected"},
}};
}  // namespace

std::string_view status_name(order_status s) noexcept {
  for (const auto& [status, name] : names)
    if (status == s) return name;
  return "new";
}

std::optional<order_status> parse_status(std::string_view s) noexcept {
  for (const auto& [status, name] : names)
    if (name == s) return status;
  return std::nullopt;
}

bool can_become(order_status from, order_status to) noexcept {
  if (!is_open(from)) return false;  // final statuses never change
  switch (to) {
    case order_status::fresh:
      return false;  // fills never go back
    case order_status::partially_filled:
    case order_status::filled:
    case order_status::canceled:
    case order_status::expired:
    case order_status::replaced:
      return true;
    case order_status::rejected:
      return from == order_status::fresh;  // only before anything filled
  }
  return false;
}

order_status status_after(std::int64_t qty, std::int64_t filled, bool open) noexcept {
  if (filled >= qty) return order_status::filled;
  if (open) return filled > 0 ? order_status::partially_filled : order_status::fresh;
  return order_status::canceled;
}

}  // namespace marketsim::trading
