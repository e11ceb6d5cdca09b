// Alpaca JSON shapes of orders, accounts, positions and activities (see records.hpp). Pure;
// io threads and, for stream events, the db pool threads.
#include "marketsim/trading/records.hpp"

#include <fmt/format.h>

#include "marketsim/core/crypto.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/trading/order_request.hpp"

namespace marketsim::trading {

namespace {

using market::format_price;
using nlohmann::json;

json price_or_null(const std::optional<price_e4>& p) {
  return p ? json(format_price(*p)) : json(nullptr);
}
json time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json(format_time(*ms)) : json(nullptr);
}
json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// The average of a notional over a quantity, rounded half up to 4 decimals.
price_e4 average(money_e4 notional_e4, std::int64_t qty) {
  if (qty <= 0) return 0;
  return (notional_e4 + qty / 2) / qty;
}

// An e4 amount × an e4 price ratio without overflow for realistic sizes (128-bit).
money_e4 mul_e4(std::int64_t qty, price_e4 price) {
  return static_cast<money_e4>(static_cast<__int128>(qty) * price);
}

struct priced {
  std::optional<price_e4> current;
  std::optional<price_e4> last_day;
};
priced prices_of(const market::quote_cache& quotes, const std::string& symbol) {
  auto q = quotes.find(symbol);
  if (!q) return {};
  return {q->price, q->previous_close ? q->previous_close : q->price};
}

}  // namespace

std::string asset_id(std::string_view symbol) {
  auto digest = sha256(std::string("marketsim-asset:") + std::string(symbol));
  std::string hex;
  for (int i = 0; i < 16; ++i) hex += fmt::format("{:02x}", static_cast<unsigned char>(digest[i]));
  // Version 5-style layout: 8-4-4-4-12 with the version and variant bits set.
  hex[12] = '5';
  hex[16] = "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3];
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

std::string format_ratio(money_e4 numerator, money_e4 denominator) {
  if (denominator == 0) return "0";
  // Four decimals, rounded half away from zero, computed in integers.
  auto scaled = static_cast<__int128>(numerator) * 10'000;
  auto q = scaled / denominator;
  auto r = scaled % denominator;
  if (r != 0 && (r < 0 ? -r : r) * 2 >= (denominator < 0 ? -denominator : denominator))
    q += ((scaled < 0) != (denominator < 0)) ? -1 : 1;
  auto v = static_cast<std::int64_t>(q);
  bool negative = v < 0;
  auto mag = negative ? -v : v;
  std::string out = fmt::format("{}{}.{:04}", negative ? "-" : "", mag / 10'000, mag % 10'000);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

json order_json(const order_record& o) {
  json trail_percent = nullptr;
  if (o.trail_ppm) trail_percent = format_ratio(*o.trail_ppm, 10'000);
  return json{
      {"id", o.id},
      {"client_order_id", o.client_order_id},
      {"created_at", format_time(o.submitted_ms)},
      {"updated_at", format_time(o.updated_ms)},
      {"submitted_at", format_time(o.submitted_ms)},
      {"filled_at", time_or_null(o.filled_ms)},
      {"expired_at", time_or_null(o.expired_ms)},
      {"canceled_at", time_or_null(o.canceled_ms)},
      {"failed_at", time_or_null(o.failed_ms)},
      {"replaced_at", time_or_null(o.replaced_ms)},
      {"replaced_by", text_or_null(o.replaced_by)},
      {"replaces", text_or_null(o.replaces)},
      {"asset_id", asset_id(o.symbol)},
      {"symbol", o.symbol},
      {"asset_class", "us_equity"},
      {"notional", nullptr},
      {"qty", std::to_string(o.qty)},
      {"filled_qty", std::to_string(o.filled_qty)},
      {"filled_avg_price", o.filled_qty > 0
                               ? json(format_price(average(o.filled_notional, o.filled_qty)))
                               : json(nullptr)},
      {"order_class", ""},
      {"order_type", type_name(o.type)},
      {"type", type_name(o.type)},
      {"side", side_name(o.order_side)},
      {"time_in_force", tif_name(o.tif)},
      {"limit_price", price_or_null(o.limit)},
      // A trailing stop's stop_price is where it stands now, as Alpaca shows it.
      {"stop_price", price_or_null(o.stop ? o.stop : o.trail_stop)},
      {"trail_price", price_or_null(o.trail_price)},
      {"trail_percent", trail_percent},
      {"hwm", price_or_null(o.hwm)},
      {"status", status_name(o.status)},
      {"extended_hours", false},
      {"legs", nullptr},
  };
}

valuation value_positions(const std::vector<position_record>& positions,
                          const market::quote_cache& quotes) {
  valuation v;
  for (const auto& p : positions) {
    if (p.qty == 0) continue;
    auto px = prices_of(quotes, p.symbol);
    // Without a quote (the symbol left the catalog), the position is worth its cost.
    auto current = px.current ? mul_e4(p.qty, *px.current) : p.cost;
    v.long_market_value += current;
    v.last_day_value += px.last_day ? mul_e4(p.qty, *px.last_day) : current;
    v.cost += p.cost;
  }
  return v;
}

json account_json(const account_record& a, const std::vector<position_record>& positions,
                  const market::quote_cache& quotes) {
  auto v = value_positions(positions, quotes);
  auto equity = a.cash + v.long_market_value;
  auto buying_power = a.cash - a.reserved;
  auto money = [](money_e4 m) { return format_price(m); };
  return json{
      {"id", a.uuid},
      {"account_number", fmt::format("MS{:09}", a.id)},
      {"status", "ACTIVE"},
      {"crypto_status", "INACTIVE"},
      {"currency", "USD"},
      {"cash", money(a.cash)},
      {"buying_power", money(buying_power)},
      {"regt_buying_power", money(buying_power)},
      {"daytrading_buying_power", "0"},
      {"non_marginable_buying_power", money(buying_power)},
      {"effective_buying_power", money(buying_power)},
      {"equity", money(equity)},
      {"last_equity", money(a.cash + v.last_day_value)},
      {"portfolio_value", money(equity)},
      {"long_market_value", money(v.long_market_value)},
      {"short_market_value", "0"},
      {"position_market_value", money(v.long_market_value)},
      {"initial_margin", "0"},
      {"maintenance_margin", "0"},
      {"last_maintenance_margin", "0"},
      {"sma", "0"},
      {"multiplier", "1"},
      {"pattern_day_trader", false},
      {"trading_blocked", false},
      {"transfers_blocked", true},
      {"account_blocked", false},
      {"trade_suspended_by_user", false},
      {"shorting_enabled", false},
      {"daytrade_count", 0},
      {"accrued_fees", "0"},
      {"pending_transfer_in", "0"},
      {"created_at", format_time(a.created_ms)},
      {"reserved_cash", money(a.reserved)},
      {"realized_pl", money(a.realized_pl)},
      {"login_equity", a.login_equity ? json(money(*a.login_equity)) : json(nullptr)},
  };
}

json account_event_json(const account_record& a, const std::vector<position_record>& positions,
                        const market::quote_cache& quotes) {
  auto v = value_positions(positions, quotes);
  return json{{"cash", format_price(a.cash)},
              {"buying_power", format_price(a.cash - a.reserved)},
              {"equity", format_price(a.cash + v.long_market_value)},
              {"long_market_value", format_price(v.long_market_value)},
              {"last_equity", format_price(a.cash + v.last_day_value)}};
}

json position_json(const position_record& p, const market::quote_cache& quotes) {
  auto px = prices_of(quotes, p.symbol);
  auto current = px.current.value_or(p.qty > 0 ? average(p.cost, p.qty) : 0);
  auto last_day = px.last_day.value_or(current);
  auto market_value = mul_e4(p.qty, current);
  auto last_value = mul_e4(p.qty, last_day);
  return json{
      {"asset_id", asset_id(p.symbol)},
      {"symbol", p.symbol},
      {"exchange", "MARKETSIM"},
      {"asset_class", "us_equity"},
      {"asset_marginable", false},
      {"qty", std::to_string(p.qty)},
      {"qty_available", std::to_string(p.qty - p.reserved_qty)},
      {"side", "long"},
      {"avg_entry_price", format_price(average(p.cost, p.qty))},
      {"cost_basis", format_price(p.cost)},
      {"market_value", format_price(market_value)},
      {"current_price", format_price(current)},
      {"lastday_price", format_price(last_day)},
      {"change_today", format_ratio(current - last_day, last_day)},
      {"unrealized_pl", format_price(market_value - p.cost)},
      {"unrealized_plpc", format_ratio(market_value - p.cost, p.cost)},
      {"unrealized_intraday_pl", format_price(market_value - last_value)},
      {"unrealized_intraday_plpc", format_ratio(market_value - last_value, last_value)},
      {"realized_pl", format_price(p.realized_pl)},
  };
}

json activity_json(const fill_activity& f) {
  const bool whole = f.cum_qty >= f.order.qty;
  return json{
      {"id", fmt::format("{}::{}", f.fill_id, f.order.id)},
      {"activity_type", "FILL"},
      {"transaction_time", format_time(f.at_ms)},
      {"type", whole ? "fill" : "partial_fill"},
      {"price", format_price(f.price)},
      {"qty", std::to_string(f.qty)},
      {"side", side_name(f.order.order_side)},
      {"symbol", f.symbol},
      {"leaves_qty", std::to_string(f.order.qty - f.cum_qty)},
      {"order_id", f.order.id},
      {"cum_qty", std::to_string(f.cum_qty)},
      {"order_status", status_name(f.order.status)},
  };
}

}  // namespace marketsim::trading
