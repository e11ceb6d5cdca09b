// Trading SQL: every function is one or more PostgreSQL transactions run on a db::pool thread.
// Matching is serialized per symbol by locking the symbol's instruments row, so any number of
// server instances stay correct; accounts are then locked in id order, so two transactions
// never wait for each other in a cycle. Player balances change only through ledger rows (a
// trigger applies them; see migrations/0003_trading.sql). An order call returns only after its
// transaction committed. Private events (trade updates) go out with pg_notify at commit.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/db/change_listener.hpp"
#include "marketsim/db/pool.hpp"
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
};

struct player {
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
};

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
[[nodiscard]] result<trading::order_record> cancel_order(connection& c, const player& who,
                                                         const std::string& order_id);
// Replaces an open order with a new one (Alpaca's semantics): a given qty is the new order's
// whole quantity; without one, the new order is for what the old one had not filled. A
// triggered stop-limit stays triggered. One open order for another: the cap does not apply.
[[nodiscard]] result<trading::order_record> replace_order(connection& c, const player& who,
                                                          const std::string& order_id,
                                                          const trading::replace_request& r,
                                                          const market_view& mv);
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

struct account_state {
  trading::account_record account;
  std::vector<trading::position_record> positions;
};
// With a session hash, the session's login equity is read (and set to `equity_now` if unset).
[[nodiscard]] account_state read_account(connection& c, const player& who);
[[nodiscard]] std::optional<trading::money_e4> session_login_equity(
    connection& c, const std::string& session_hash_hex, trading::money_e4 equity_now);

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
};
struct book_depth {
  std::vector<book_level> bids;  // best (highest) first
  std::vector<book_level> asks;  // best (lowest) first
};
[[nodiscard]] book_depth read_book(connection& c, const std::string& symbol, int depth);

// One symbol's new price, as the tick flow hands it over.
struct symbol_tick {
  std::string symbol;
  trading::price_e4 price = 0;
  std::string market_day;  // YYYY-MM-DD of the tick
};
struct tick_outcome {
  int fills = 0;
  int triggered = 0;
  int expired = 0;
  int trailed = 0;
};
// Applies the ticks to open orders: day orders of an earlier day expire, crossed limits fill
// against the house, stops trigger, trailing stops move. Only orders the new prices affect are
// read (index ranges, see migrations/0005): trailing stops' water marks move in one statement
// per symbol, then every crossed or expired order runs in its own transaction, oldest first,
// with no batch cap, so no number of far-away orders can keep a crossed one waiting.
[[nodiscard]] tick_outcome apply_ticks(connection& c, const std::vector<symbol_tick>& ticks,
                                       trading::price_e4 half_spread);

// Every player's equity at these prices (a position without a price counts at its cost), one
// snapshot row each at the database's now(). Returns the rows written.
[[nodiscard]] std::int64_t snapshot_equity(
    connection& c, const std::vector<std::pair<std::string, trading::price_e4>>& prices);
// The player's snapshots in [from_ms, to_ms], the last one of each bucket, oldest first; at
// most max_history_points buckets (the newest).
inline constexpr std::int64_t max_history_points = 50'000;
struct equity_point {
  std::int64_t at_ms = 0;
  trading::money_e4 equity = 0;
};
[[nodiscard]] std::vector<equity_point> equity_history(connection& c, const player& who,
                                                       std::int64_t from_ms, std::int64_t to_ms,
                                                       std::int64_t bucket_ms);

// Watchlists (Alpaca's shape): names unique per player; how many and how long come from the
// configuration (too_many_watchlists, watchlist_full beyond), checked under a lock so parallel
// requests cannot overshoot.
struct watchlist {
  std::string id;
  std::string name;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::vector<std::string> symbols;  // in the order they were added
};
struct watchlist_caps {
  int lists = 20;     // MARKETSIM_MAX_WATCHLISTS
  int symbols = 200;  // MARKETSIM_WATCHLIST_SIZE
};
[[nodiscard]] std::vector<watchlist> list_watchlists(connection& c, const player& who);
[[nodiscard]] std::optional<watchlist> find_watchlist(connection& c, const player& who,
                                                      const std::string& id);
// Creates, or with `id` replaces name and symbols. Errors: 404, 422 (name taken, unknown
// symbol), 403 (too_many_watchlists, watchlist_full).
[[nodiscard]] result<watchlist> save_watchlist(
    connection& c, const player& who, const std::optional<std::string>& id,
    const std::optional<std::string>& name, const std::optional<std::vector<std::string>>& symbols,
    const watchlist_caps& caps);
[[nodiscard]] result<watchlist> add_to_watchlist(connection& c, const player& who,
                                                 const std::string& id, const std::string& symbol,
                                                 const watchlist_caps& caps);
[[nodiscard]] result<watchlist> remove_from_watchlist(connection& c, const player& who,
                                                      const std::string& id,
                                                      const std::string& symbol);
[[nodiscard]] bool delete_watchlist(connection& c, const player& who, const std::string& id);

// Ledger totals (tests and the admin): sum per asset over all accounts (always zero), and cash
// granted so far.
struct ledger_check {
  bool balanced = false;
  trading::money_e4 granted = 0;
  trading::money_e4 player_cash = 0;
};
[[nodiscard]] ledger_check check_ledger(connection& c);

}  // namespace marketsim::db::trading_repo
