// Trading data as the database holds it (orders, accounts, positions, fills) and its Alpaca
// JSON shapes. Plain values, filled by db::trading_repo on pool threads and rendered on io
// threads; the JSON functions are pure and also build the private stream events.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/money.hpp"
#include "marketsim/trading/order_status.hpp"
#include "marketsim/trading/triggers.hpp"

namespace marketsim::trading {

struct order_record {
  std::string id;  // uuid
  std::int64_t seq = 0;
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  std::string client_order_id;
  std::string symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  std::int64_t qty = 0;
  std::int64_t filled_qty = 0;
  money_e4 filled_notional = 0;
  std::optional<price_e4> limit;
  std::optional<price_e4> stop;
  std::optional<price_e4> trail_price;
  std::optional<std::int64_t> trail_ppm;
  std::optional<price_e4> hwm;
  std::optional<price_e4> trail_stop;  // a trailing stop's current stop level (from hwm)
  price_e4 reserve_price = 0;
  bool triggered = false;
  order_status status = order_status::fresh;
  std::string market_day;  // YYYY-MM-DD of the simulated market
  std::int64_t submitted_ms = 0;
  std::int64_t updated_ms = 0;
  std::optional<std::int64_t> filled_ms, canceled_ms, expired_ms, replaced_ms, failed_ms;
  std::string replaces, replaced_by;  // empty: none

  [[nodiscard]] bool open() const { return is_open(status); }
  [[nodiscard]] std::int64_t remaining() const { return qty - filled_qty; }
};

struct account_record {
  std::int64_t id = 0;
  std::string uuid;
  std::int64_t user_id = 0;
  money_e4 cash = 0;
  money_e4 reserved = 0;
  money_e4 realized_pl = 0;
  std::int64_t created_ms = 0;
  std::optional<money_e4> login_equity;
};

struct position_record {
  std::string symbol;
  std::int64_t qty = 0;
  std::int64_t reserved_qty = 0;
  money_e4 cost = 0;
  money_e4 realized_pl = 0;
};

struct fill_activity {
  std::int64_t fill_id = 0;
  std::int64_t at_ms = 0;
  std::string symbol;
  price_e4 price = 0;
  std::int64_t qty = 0;
  order_record order;        // as it is now
  std::int64_t cum_qty = 0;  // the order's filled quantity up to and including this fill
};

// A stable id for every asset: a name-based UUID of the symbol.
[[nodiscard]] std::string asset_id(std::string_view symbol);

[[nodiscard]] nlohmann::json order_json(const order_record& o);

// The account valued at the quotes' current prices.
struct valuation {
  money_e4 long_market_value = 0;
  money_e4 last_day_value = 0;  // the same holdings at the previous close
  money_e4 cost = 0;
};
[[nodiscard]] valuation value_positions(const std::vector<position_record>& positions,
                                        const market::quote_cache& quotes);
[[nodiscard]] nlohmann::json account_json(const account_record& a,
                                          const std::vector<position_record>& positions,
                                          const market::quote_cache& quotes);
// The short form the stream's `account` event carries.
[[nodiscard]] nlohmann::json account_event_json(const account_record& a,
                                                const std::vector<position_record>& positions,
                                                const market::quote_cache& quotes);
[[nodiscard]] nlohmann::json position_json(const position_record& p,
                                           const market::quote_cache& quotes);
[[nodiscard]] nlohmann::json activity_json(const fill_activity& f);

// Decimal strings of a ratio (e.g. unrealized_plpc), 4 significant decimals.
[[nodiscard]] std::string format_ratio(money_e4 numerator, money_e4 denominator);

}  // namespace marketsim::trading
