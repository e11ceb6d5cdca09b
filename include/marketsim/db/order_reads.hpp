// Reading a player's orders and fills, and a symbol's book: index ranges cut to the page, so a
// page costs its size, not the player's history. Each function is one read-only transaction
// on a db::pool thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

// Open orders' ids, oldest first (for cancel-all, one transaction each).
[[nodiscard]] std::vector<std::string> open_order_ids(connection& c, const player& who);

struct order_filter {
  enum class state { open, closed, all } status = state::open;
  int limit = 50;
  std::optional<std::int64_t> after_ms;
  std::optional<std::int64_t> until_ms;
  bool ascending = false;
  std::vector<std::string> symbols;
};
[[nodiscard]] std::vector<trading::order_record> list_orders(connection& c, const player& who,
                                                             const order_filter& f);
[[nodiscard]] std::optional<trading::order_record> find_order(connection& c, const player& who,
                                                              const std::string& order_id);
[[nodiscard]] std::optional<trading::order_record> find_order_by_client_id(
    connection& c, const player& who, const std::string& client_order_id);

struct activity_page {
  std::optional<std::int64_t> before_fill;  // descending: fills older than this id
  std::optional<std::int64_t> after_fill;   // ascending: fills newer than this id
  bool ascending = false;
  int limit = 50;
  std::optional<std::int64_t> after_ms;
  std::optional<std::int64_t> until_ms;
};
[[nodiscard]] std::vector<trading::fill_activity> activities(connection& c, const player& who,
                                                             const activity_page& p);

struct book_level {
  trading::price_e4 price = 0;
  std::int64_t qty = 0;
  std::int64_t orders = 0;
  // Of those, the bots' (users with a bot_strategy); the rest are people's.
  std::int64_t bot_qty = 0;
  std::int64_t bot_orders = 0;
};
struct book_depth {
  std::vector<book_level> bids;  // best (highest) first
  std::vector<book_level> asks;  // best (lowest) first
};
[[nodiscard]] book_depth read_book(connection& c, const std::string& symbol, int depth);

}  // namespace marketsim::db::trading_repo
