// The engine's rules for one order (see execution_plan.hpp). Pure.
#include "marketsim/trading/execution_plan.hpp"

#include <algorithm>

namespace marketsim::trading {

namespace {
money_e4 mul(std::int64_t qty, price_e4 price) {
  return qty * price;  // bounded: qty ≤ 1e9 and prices checked against notional() first
}
}  // namespace

execution_plan plan_execution(const executable& order, const match_result& m, const funds& f) {
  execution_plan p;
  if (m.rejected) {
    // A fill-or-kill that cannot fill whole ends canceled; anything else without a quote is
    // rejected.
    p.refused = order.tif == time_in_force::fok ? refusal::unfilled : refusal::no_quote;
    p.filled_qty = order.filled_qty;
    p.status = order.tif == time_in_force::fok ? order_status::canceled : order_status::rejected;
    return p;
  }
  const bool buy = order.order_side == side::buy;
  for (const auto& fl : m.fills) p.notional += mul(fl.qty, fl.price);
  const price_e4 rest_price = order.limit.value_or(0);
  if (buy) {
    if (p.notional + mul(m.rests, rest_price) > f.cash - f.reserved) {
      p.refused = refusal::unaffordable_cash;
      return p;
    }
  } else if (order.remaining() > f.shares - f.shares_reserved) {
    p.refused = refusal::unaffordable_shares;
    return p;
  }
  std::int64_t cum = order.filled_qty;
  for (const auto& fl : m.fills) {
    cum += fl.qty;
    p.fills.push_back({fl.price, fl.qty, fl.resting_id, cum});
  }
  p.filled_qty = cum;
  p.rests = m.rests;
  p.status = status_after(order.qty, cum, m.rests > 0);
  if (m.rests > 0) {
    if (buy) {
      p.reserve_price = rest_price;
      p.cash_reserved = mul(m.rests, rest_price);
    } else {
      p.shares_reserved = m.rests;
    }
  }
  return p;
}

price_e4 stop_reserve_price(const waiting_order& o, std::optional<price_e4> reference) noexcept {
  price_e4 base = reference.value_or(0);
  if (o.stop) base = std::max(base, *o.stop);
  if (o.trail_price && reference) base = std::max(base, *reference + *o.trail_price);
  if (o.trail_ppm && reference)
    base = std::max(base, *reference + static_cast<price_e4>(static_cast<__int128>(*reference) *
                                                             *o.trail_ppm / 1'000'000));
  return base + (base + 19) / 20;
}

waiting_plan plan_waiting(const waiting_order& o, std::optional<price_e4> reference,
                          const funds& f) {
  waiting_plan p;
  if (o.order_side == side::buy) {
    // A stop-limit never pays more than its limit; the others pay the market when triggered.
    p.reserve_price =
        o.type == order_type::stop_limit && o.limit ? *o.limit : stop_reserve_price(o, reference);
    auto total = notional(p.reserve_price, o.qty);
    if (!total || *total > f.cash - f.reserved) {
      p.refused = refusal::unaffordable_cash;
      return p;
    }
    p.cash_reserved = *total;
  } else {
    if (o.qty > f.shares - f.shares_reserved) {
      p.refused = refusal::unaffordable_shares;
      return p;
    }
    p.shares_reserved = o.qty;
  }
  return p;
}

trigger_execution on_trigger(order_type type, std::optional<price_e4> limit,
                             time_in_force tif) noexcept {
  if (type == order_type::stop_limit) return {limit, tif};
  return {std::nullopt, time_in_force::ioc};
}

money_e4 cost_removed(money_e4 cost, std::int64_t held, std::int64_t qty) noexcept {
  if (held <= qty) return cost;
  return static_cast<money_e4>((static_cast<__int128>(cost) * qty + held / 2) / held);
}

}  // namespace marketsim::trading
