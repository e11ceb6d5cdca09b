// Shared by the trading repositories in src/db (private to db): the orders table's columns
// and how a row becomes an order_record, the trigger rules' view of an order, and two small
// SQL helpers. db::pool threads.
#pragma once
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/trading/records.hpp"
#include "marketsim/trading/triggers.hpp"

// A timestamptz column as epoch milliseconds.
#define MS(col) "(extract(epoch from " col ") * 1000)::bigint"

namespace marketsim::db::trading_repo {

// Every column of an order, as read_order reads them (`o` is orders, `a` its account).
extern const char* const order_columns;
// The same columns for a RETURNING clause of a write to `orders as o` (no join: the user id
// reads 0, and the caller sets it).
extern const char* const returned_order_columns;
// A column where 0 means "none".
[[nodiscard]] std::optional<std::int64_t> positive(std::int64_t v);
// "select <every order column> from orders o join accounts a ... <rest>"
[[nodiscard]] std::string select_orders(std::string_view rest);
// The order at column `at` of a row selected with select_orders.
[[nodiscard]] trading::order_record read_order(const pqxx::row& r, int at = 0);
[[nodiscard]] std::optional<trading::order_record> load_order(pqxx::transaction_base& tx,
                                                              const std::string& id, bool lock);
// The order as the pure trigger rules see it: a triggered stop-limit is a resting limit.
[[nodiscard]] trading::standing_order standing_of(const trading::order_record& o);
// A well-formed UUID (so a bad path parameter is a 404, not a SQL error).
[[nodiscard]] bool is_uuid(std::string_view s);
// A PostgreSQL array literal of symbols, days or digits (nothing to escape).
[[nodiscard]] std::string array_literal(const std::vector<std::string>& items);
// A PostgreSQL array literal of any strings (quoted and escaped).
[[nodiscard]] std::string text_array_literal(const std::vector<std::string>& items);
// The same for integers.
[[nodiscard]] std::string array_literal(const std::vector<std::int64_t>& items);

}  // namespace marketsim::db::trading_repo
