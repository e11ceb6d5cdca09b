// Applying the engine's plans inside an open transaction, shared by placing orders (orders.cpp)
// and tick processing (tick_processing.cpp); private to db. The rules are pure code in
// trading/execution_plan.hpp; this file reads what they need under locks (the book, kept per
// transaction in a book_cache; the accounts and their positions, kept in a locked_accounts
// view), asks them for a plan and writes it through trade_writes.hpp: the order's row once in
// its final state, the fills with their ledger transfers, the cost basis and reservations, and
// the events, built once and sent in one statement at the end. The symbol is locked by the
// caller; accounts are locked here in id order. db::pool threads.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "marketsim/db/orders.hpp"
#include "marketsim/trading/execution_plan.hpp"
#include "marketsim/trading/records.hpp"
#include "statements.hpp"

namespace marketsim::db::trading_repo {

using trading::money_e4;
using trading::order_record;
using trading::price_e4;

// qty × price (bounded: qty ≤ 1e9 and prices checked against notional() first).
money_e4 mul(std::int64_t qty, price_e4 price);

struct house_accounts {
  std::int64_t house = 0;
  std::int64_t treasury = 0;
};

house_accounts read_house(pqxx::transaction_base& tx);

// Locks the symbol's instruments row (every change to its orders happens under it): whether it
// is halted, or nullopt for an unknown symbol.
std::optional<bool> lock_instrument(pqxx::transaction_base& tx, const std::string& symbol);
// The same for several symbols in one statement, locked in symbol order, in two steps so other
// statements can travel with it in a pipeline: each known symbol's `halted` (an unknown symbol
// is absent).
pending send_lock_instruments(pqxx::transaction_base& tx, const std::vector<std::string>& symbols);
std::map<std::string, bool> take_lock_instruments(pqxx::transaction_base& tx, pending&& sent);

// The private events of one transaction (trade updates), each built once from the order row as
// the transaction wrote it and sent in one statement before commit (PostgreSQL delivers them
// at commit, to every instance; db/change_listener.hpp forwards them).
class order_events {
 public:
  // `event`: new, canceled, expired, replaced, rejected.
  void add(const order_record& o, std::string_view event);
  // A fill of `qty` at `price`; `position_qty`: the player's shares after it.
  void add_fill(const order_record& o, price_e4 price, std::int64_t qty, std::int64_t cum_qty,
                std::int64_t position_qty);
  void append(order_events&& other) { payloads_ += other.payloads_; }
  void send(pqxx::transaction_base& tx);
  // The id of the request that placed the orders these events are of (logs only; see
  // trading::order_request::trace).
  void trace(std::string_view id) { trace_ = id; }

 private:
  std::string payloads_;  // one JSON object per line
  std::string trace_;
};

// An account locked for this transaction, with its position in the symbol being traded.
struct locked_account {
  money_e4 cash = 0;
  money_e4 reserved = 0;
  std::int64_t shares = 0;
  std::int64_t shares_reserved = 0;
  money_e4 cost = 0;
  [[nodiscard]] trading::funds funds() const { return {cash, reserved, shares, shares_reserved}; }
};
using locked_accounts = std::map<std::int64_t, locked_account>;

// Locks the accounts in id order (so no two transactions wait on each other in a cycle), then
// reads their positions in `symbol`. The map is the transaction's view of them from then on:
// every write here that changes a locked account (fills, reservations) changes the view too,
// and nobody else can change them until commit, so later orders of a batch read the view
// instead of the database.
locked_accounts lock_accounts(pqxx::transaction_base& tx, const std::string& symbol,
                              std::vector<std::int64_t> ids);
// Positions read ahead with the accounts' lock, in every symbol of a batch: what the view's
// position fields become when the batch moves on to another symbol, without a round trip.
struct position_prefetch {
  std::set<std::int64_t> accounts;  // every account read (absent from `rows`: no position)
  std::set<std::string> symbols;
  std::map<std::pair<std::int64_t, std::string>, locked_account> rows;  // shares, reserved, cost
};
// The same in two steps, so other statements can travel with it in a pipeline, for positions
// in several symbols: the view gets those of `symbols.front()`, `ahead` (if given) all of them.
struct account_lock {
  pending accounts, positions;
  std::vector<std::int64_t> ids;
  std::vector<std::string> symbols;
};
account_lock send_lock_accounts(pqxx::transaction_base& tx, std::vector<std::string> symbols,
                                std::vector<std::int64_t> ids);
locked_accounts take_lock_accounts(pqxx::transaction_base& tx, account_lock&& sent,
                                   position_prefetch* ahead = nullptr);
// Sets the view's position fields to those in `symbol` of every account in `view` (a batch
// moving to another symbol: the view's cash stays, its position fields are of one symbol at a
// time): from `ahead` when it holds them all, else read.
void read_positions(pqxx::transaction_base& tx, const std::string& symbol, locked_accounts& view,
                    const position_prefetch* ahead = nullptr);
// Adds to `view` the accounts of `ids` it does not hold yet (locked, in id order).
void ensure_locked(pqxx::transaction_base& tx, const std::string& symbol, locked_accounts& view,
                   const std::vector<std::int64_t>& ids);

// Releases what an open order holds back for `qty` of its shares (and in `view`, if given).
void release(pqxx::transaction_base& tx, const order_record& o, std::int64_t qty,
             locked_accounts* view = nullptr);

// The order's row written in its state after a plan; returns the row as stored.
using store_fn = std::function<order_record(const trading::execution_plan&)>;

// A resting order in the book, as an incoming order may trade with it.
struct book_row {
  std::string id;
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  price_e4 limit = 0;
  std::int64_t remaining = 0;
  std::int64_t seq = 0;
  price_e4 reserve_price = 0;
  std::int64_t filled = 0;
};

// The worst price an incoming order may trade at in the book: its limit, and no worse than the
// house's quote (only resting orders at least as good as both can trade).
price_e4 book_bound(trading::side incoming, std::optional<price_e4> limit, const market_view& mv);

// The book of the symbols a transaction holds locked, read once per side and kept while nothing
// changes it: a symbol's orders change only under its lock, so a side's rows hold until an
// order of the transaction rests on that side or trades with one of them (changed()). An order
// then reads the book only when it needs a wider price range than was read.
class book_cache {
 public:
  // Sends the read of the resting orders that incoming `incoming` orders could meet, for every
  // symbol of `bounds` (each with the widest bound its incoming orders need), in one statement
  // that travels with others.
  void prefetch(pqxx::transaction_base& tx, trading::side incoming,
                const std::map<std::string, price_e4>& bounds);
  // Those orders within `bound`, best first, of every account (the caller leaves out its own).
  std::vector<book_row> rows(pqxx::transaction_base& tx, const std::string& symbol,
                             trading::side incoming, price_e4 bound);
  // The orders of `resting` side changed: read them again next time.
  void changed(const std::string& symbol, trading::side resting);

 private:
  // One statement's read of several symbols' books, taken by whichever entry comes first.
  struct shared_read {
    std::optional<pending> sent;
    std::map<std::string, std::vector<book_row>> by_symbol;
  };
  struct entry {
    price_e4 bound = 0;
    std::shared_ptr<shared_read> shared;  // until read: the statement that reads it
    std::vector<book_row> rows;
    bool truncated = false;  // the read hit its row limit: it covers only its own bound
  };
  bool covers(const entry& e, trading::side incoming, price_e4 bound) const;
  entry& read(pqxx::transaction_base& tx, const std::string& symbol, trading::side incoming,
              price_e4 bound);
  std::map<std::pair<std::string, trading::side>, entry> entries_;
};

// The order to execute now: a new order (stored by `store` after the checks pass) or a
// triggered one whose reservation was released.
struct execution {
  order_record& order;            // as stored so far (new orders: not yet)
  std::optional<price_e4> limit;  // nullopt: at market
  trading::time_in_force tif;     // ioc for a triggered stop
  order_events& events;
  book_cache* books = nullptr;  // the transaction's, if it keeps one
};

enum class exec_outcome { done, unaffordable_cash, unaffordable_shares, rejected, canceled };

// Matches, checks and applies. Nothing is written when the outcome is not `done`. With a
// `cap` check, an order that would stay open is refused (`capped` true) before anything is
// written when the account already has that many open orders.
struct open_cap {
  int cap = 0;  // 0: no cap
  bool capped = false;
};
// `view`: the transaction's locked accounts; the order's and its counterparties' are added.
exec_outcome execute(pqxx::transaction_base& tx, const house_accounts& h, execution ex,
                     const market_view& mv, locked_accounts& view, const store_fn& store,
                     open_cap* cap = nullptr);

// The account's open orders (the open-order cap counts them).
std::int64_t count_open_orders(pqxx::transaction_base& tx, std::int64_t account_id);

// Orders already in the book that the house takes at their limit (crossed resting limits),
// written together: four statements for any number of them (the reservations released, the
// orders stored filled, the fills with their ledger transfers, the positions' cost basis).
// Their accounts are in the view (locked by the caller), which follows the trades.
class house_fills {
 public:
  // `market_ms`: the market's time of the tick that crossed it (the tape's time).
  void add(const order_record& o, price_e4 price, std::int64_t market_ms) {
    pending_.push_back({o, price, market_ms});
  }
  void flush(pqxx::transaction_base& tx, const house_accounts& h, order_events& events,
             locked_accounts& view);

 private:
  struct pending {
    order_record order;
    price_e4 price;
    std::int64_t market_ms;
  };
  std::vector<pending> pending_;
};

// Ends an open order with `status` (canceled, expired, replaced), releasing what it holds.
void close_order(pqxx::transaction_base& tx, order_record& o, trading::order_status status,
                 locked_accounts* view = nullptr);

// A deadlock or serialization failure says nothing about the request: run it again. A unique
// violation is an answer (the value is taken) and running again would only repeat it, so it is
// never retried here (the callers that expect one map it to their code; db::pool maps the rest
// to 409 conflict).
template <class F>
auto with_retries(F&& f) {
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const pqxx::transaction_rollback&) {
      if (attempt >= 5) throw;
    }
  }
}

}  // namespace marketsim::db::trading_repo
