// Order rows and SQL helpers shared by the trading repositories (see order_rows.hpp).
// db::pool threads.
#include "order_rows.hpp"

#include <fmt/format.h>

#include "marketsim/trading/order_request.hpp"
#include "statements.hpp"

namespace marketsim::db::trading_repo {

using trading::order_record;
using trading::side;

// Every column of an order; `user` is the account's user id (a column of the join, or a
// placeholder where a write returns the row and the caller knows the player).
#define ORDER_COLUMNS(user) \
  "o.id::text, o.seq, o.account_id, " user                                                     \
  ", o.client_order_id, o.symbol, o.side, o.type, "                                            \
  "o.time_in_force, o.qty, o.filled_qty, o.filled_notional_e4, coalesce(o.limit_e4, 0), "      \
  "coalesce(o.stop_e4, 0), coalesce(o.trail_price_e4, 0), coalesce(o.trail_ppm, 0), "          \
  "coalesce(o.hwm_e4, 0), o.reserve_price_e4, o.triggered, o.status, o.market_day::text, " MS( \
      "o.submitted_at") ", " MS("o.updated_at") ", coalesce(" MS("o.filled_at") ", -1), "      \
  "coalesce(" MS("o.canceled_at") ", -1), coalesce(" MS("o.expired_at") ", -1), "              \
  "coalesce(" MS("o.replaced_at") ", -1), coalesce(" MS("o.failed_at") ", -1), "              \
  "coalesce(o.replaces::text, ''), coalesce(o.replaced_by::text, ''), "                        \
  "coalesce(o.trail_stop_e4, 0)"

const char* const order_columns = ORDER_COLUMNS("a.user_id");
const char* const returned_order_columns = ORDER_COLUMNS("0::bigint");

namespace {

std::optional<std::int64_t> stamp(std::int64_t v) {
  return v >= 0 ? std::optional(v) : std::nullopt;
}

}  // namespace

std::optional<std::int64_t> positive(std::int64_t v) {
  return v > 0 ? std::optional(v) : std::nullopt;
}

std::string select_orders(std::string_view rest) {
  return fmt::format("select {} from orders o join accounts a on a.id = o.account_id {}",
                     order_columns, rest);
}

order_record read_order(const pqxx::row& r, int at) {
  order_record o;
  auto f = [&](int i) { return r[at + i]; };
  o.id = f(0).as<std::string>();
  o.seq = f(1).as<std::int64_t>();
  o.account_id = f(2).as<std::int64_t>();
  o.user_id = f(3).is_null() ? 0 : f(3).as<std::int64_t>();
  o.client_order_id = f(4).as<std::string>();
  o.symbol = f(5).as<std::string>();
  o.order_side = trading::parse_side(f(6).as<std::string>()).value_or(side::buy);
  o.type = trading::parse_type(f(7).as<std::string>()).value_or(trading::order_type::market);
  o.tif = trading::parse_tif(f(8).as<std::string>()).value_or(trading::time_in_force::day);
  o.qty = f(9).as<std::int64_t>();
  o.filled_qty = f(10).as<std::int64_t>();
  o.filled_notional = f(11).as<std::int64_t>();
  o.limit = positive(f(12).as<std::int64_t>());
  o.stop = positive(f(13).as<std::int64_t>());
  o.trail_price = positive(f(14).as<std::int64_t>());
  o.trail_ppm = positive(f(15).as<std::int64_t>());
  o.hwm = positive(f(16).as<std::int64_t>());
  o.reserve_price = f(17).as<std::int64_t>();
  o.triggered = f(18).as<bool>();
  o.status = trading::parse_status(f(19).as<std::string>()).value_or(trading::order_status::fresh);
  o.market_day = f(20).as<std::string>();
  o.submitted_ms = f(21).as<std::int64_t>();
  o.updated_ms = f(22).as<std::int64_t>();
  o.filled_ms = stamp(f(23).as<std::int64_t>());
  o.canceled_ms = stamp(f(24).as<std::int64_t>());
  o.expired_ms = stamp(f(25).as<std::int64_t>());
  o.replaced_ms = stamp(f(26).as<std::int64_t>());
  o.failed_ms = stamp(f(27).as<std::int64_t>());
  o.replaces = f(28).as<std::string>();
  o.replaced_by = f(29).as<std::string>();
  o.trail_stop = positive(f(30).as<std::int64_t>());
  return o;
}

trading::standing_order standing_of(const order_record& o) {
  trading::standing_order s;
  s.order_side = o.order_side;
  s.type = (o.type == trading::order_type::stop_limit && o.triggered) ? trading::order_type::limit
                                                                      : o.type;
  s.limit = o.limit;
  s.stop = o.stop;
  s.trail_price = o.trail_price;
  s.trail_ppm = o.trail_ppm;
  s.water_mark = o.hwm;
  return s;
}

std::optional<order_record> load_order(pqxx::transaction_base& tx, const std::string& id,
                                       bool lock) {
  static const statement plain{"load_order", select_orders("where o.id = $1::uuid")};
  static const statement locked{"load_order_locked",
                                select_orders("where o.id = $1::uuid for update of o")};
  auto r = exec(tx, lock ? locked : plain, id);
  if (r.empty()) return std::nullopt;
  return read_order(r[0]);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += items[i];  // symbols, days and digits only: nothing to escape
    out += '"';
  }
  out += '}';
  return out;
}

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string array_literal(const std::vector<std::int64_t>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  out += '}';
  return out;
}

}  // namespace marketsim::db::trading_repo
