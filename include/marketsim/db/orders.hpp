// Orders in PostgreSQL: placing, cancelling and replacing, each one transaction on a db::pool
// thread. Matching is serialized per symbol by locking the symbol's instruments row, so any number
// of server instances stay correct; accounts are then locked in id order, so two transactions never
// wait for each other in a cycle. Player balances change only through ledger rows (a trigger
// applies them; see migrations/0003_trading.sql). An order call returns only after its transaction
// committed. Private events (trade updates) go out with pg_notify at commit.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/change_listener.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

// What the order path needs to know about the market (and the player's budget) when it runs.
struct market_view {
  std::optional<trading::price_e4> reference;  // the symbol's last price
  trading::price_e4 half_spread = 100;
  std::string market_day;  // YYYY-MM-DD of the simulated market now
  // Open orders one account may have (MARKETSIM_MAX_OPEN_ORDERS); 0: no cap. An order that
  // would leave more open is refused with too_many_open_orders and nothing is stored.
  int open_order_cap = 0;
  std::int64_t market_ms = 0;  // the market's time now (the symbol's last tick): the tape's
};

// The market an order of `symbol` meets now: its last price from `quotes`, the day of its last
// tick (or of `market_time_ms` before any), the house's half-spread and the open-order cap.
[[nodiscard]] market_view market_view_of(const market::quote_cache& quotes,
                                         std::int64_t market_time_ms, trading::price_e4 half_spread,
                                         int open_order_cap, const std::string& symbol);

// The player's account, opened with the starting grant on first use.
[[nodiscard]] player ensure_account(connection& c, std::int64_t user_id,
                                    trading::money_e4 starting_cash);

struct placed {
  trading::order_record order;
  bool replayed = false;  // a retry of an existing client_order_id
};
// Unique violations (a client_order_id taken by a racing request) are client_order_id_conflict,
// never retried.
[[nodiscard]] result<placed> place_order(connection& c, const player& who,
                                         const trading::order_request& req, const market_view& mv);

// One order of a group commit and what became of it.
struct order_ticket {
  player who;
  trading::order_request req;
  market_view mv;
  result<placed> outcome;
};
// Group commit: places orders of one or more symbols in one transaction (the symbols locked in
// symbol order, each symbol's orders in the order given), each exactly as place_order would
// (the same checks, matching and writes), and fills in each ticket's outcome. With more than one order each runs under a savepoint, so an order the
// database refuses (a CHECK, the ledger's trigger, a client_order_id taken on another symbol)
// is rolled back alone while the others commit. Nothing is acknowledged before the commit: an
// outage fails the whole batch (the pool's error), and a deadlock runs it again.
void place_orders(connection& c, std::vector<order_ticket>& batch);
[[nodiscard]] result<trading::order_record> cancel_order(connection& c, const player& who,
                                                         const std::string& order_id);
// Replaces an open order with a new one (Alpaca's semantics): a given qty is the new order's
// whole quantity; without one, the new order is for what the old one had not filled. A
// triggered stop-limit stays triggered. One open order for another: the cap does not apply.
[[nodiscard]] result<trading::order_record> replace_order(connection& c, const player& who,
                                                          const std::string& order_id,
                                                          const trading::replace_request& r,
                                                          const market_view& mv);
}  // namespace marketsim::db::trading_repo
