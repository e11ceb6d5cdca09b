// Matching (see matcher.hpp). Pure; called from whatever thread runs the order transaction.
#include "marketsim/trading/matcher.hpp"

#include <algorithm>

namespace marketsim::trading {

price_e4 house_ask(price_e4 reference, price_e4 half_spread) noexcept {
  return reference + half_spread;
}

price_e4 house_bid(price_e4 reference, price_e4 half_spread) noexcept {
  return std::max<price_e4>(1, reference - half_spread);
}

namespace {

bool crosses(const incoming_order& o, price_e4 price) {
  if (!o.limit) return true;
  return o.order_side == side::buy ? price <= *o.limit : price >= *o.limit;
}

}  // namespace

match_result match(const incoming_order& order, std::span<const resting_order> book,
                   std::optional<price_e4> reference, price_e4 half_spread) {
  match_result out;
  if (order.qty <= 0) {
    out.rejected = true;
    return out;
  }
  // Players' orders on the other side, best price first, then earliest.
  std::vector<const resting_order*> others;
  for (const auto& r : book) {
    if (r.order_side == order.order_side || r.account_id == order.account_id || r.remaining <= 0)
      continue;
    if (!crosses(order, r.limit)) continue;
    // Never worse than what the house would give.
    if (reference) {
      bool better_or_equal = order.order_side == side::buy
                                 ? r.limit <= house_ask(*reference, half_spread)
                                 : r.limit >= house_bid(*reference, half_spread);
      if (!better_or_equal) continue;
    }
    others.push_back(&r);
  }
  std::stable_sort(others.begin(), others.end(), [&](const auto* a, const auto* b) {
    if (a->limit != b->limit)
      return order.order_side == side::buy ? a->limit < b->limit : a->limit > b->limit;
    return a->sequence < b->sequence;
  });

  std::int64_t left = order.qty;
  for (const auto* r : others) {
    if (left == 0) break;
    auto q = std::min(left, r->remaining);
    out.fills.push_back(fill{r->id, q, r->limit});
    left -= q;
  }
  if (left > 0 && reference) {
    auto price = order.order_side == side::buy ? house_ask(*reference, half_spread)
                                               : house_bid(*reference, half_spread);
    if (crosses(order, price)) {
      out.fills.push_back(fill{std::nullopt, left, price});
      left = 0;
    }
  }
  for (const auto& f : out.fills) out.filled += f.qty;

  if (order.tif == time_in_force::fok && left > 0) {
    // All or nothing.
    out.fills.clear();
    out.filled = 0;
    out.canceled = order.qty;
    out.rejected = true;
    return out;
  }
  if (left > 0) {
    if (!order.limit) {
      // A market order with no quote to fill against.
      out.canceled = left;
      out.rejected = out.filled == 0;
    } else if (order.tif == time_in_force::ioc) {
      out.canceled = left;
    } else {
      out.rests = left;
    }
  }
  return out;
}

}  // namespace marketsim::trading
