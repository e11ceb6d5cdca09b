// One order's execution inside an open transaction, shared by placing orders
// (orders.cpp) and tick processing (tick_processing.cpp); private to db. The symbol is
// locked by the caller; these lock accounts in id order, move reservations, write fills and
// ledger transfers, and queue the private events sent at commit. db::pool threads.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "marketsim/db/orders.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

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

house_accounts read_house(pqxx::work& tx);

// Private events, sent at commit to every instance (db/change_listener.hpp forwards them).
struct event_note {
  std::int64_t user_id = 0;
  std::string order_id;
  std::string event;
  std::optional<price_e4> price;
  std::int64_t qty = 0;
};

void send_events(pqxx::work& tx, const std::vector<event_note>& notes);

// Releases what an open order holds back for `qty` of its shares.
void release(pqxx::work& tx, const order_record& o, std::int64_t qty);

// One trade: the fill row, the reservations it uses up, cost basis and realized P&L, and the
// two ledger transfers (cash one way, shares the other). `buy_order`/`sell_order` empty and
// account 0 mean the house.
struct trade {
  std::string symbol;
  price_e4 price = 0;
  std::int64_t qty = 0;
  std::string buy_order, sell_order;
  std::int64_t buyer = 0, seller = 0;  // player account ids, or 0 for the house
  // Each player order's filled quantity including this fill (0 for the house).
  std::int64_t buy_cum_qty = 0, sell_cum_qty = 0;
};

void record_trade(pqxx::work& tx, const house_accounts& h, const trade& t);

// Adds a fill to an order row.
void add_fill(pqxx::work& tx, const std::string& order_id, std::int64_t qty, price_e4 price);

struct lock_result {
  money_e4 cash = 0;
  money_e4 reserved = 0;
};

// Locks the accounts in id order (so no two transactions wait on each other in a cycle) and
// returns the cash of `self`.
lock_result lock_accounts(pqxx::work& tx, std::int64_t self, std::vector<std::int64_t> others);

struct position_free {
  std::int64_t qty = 0;
  std::int64_t reserved = 0;
};

position_free read_position(pqxx::work& tx, std::int64_t account, const std::string& symbol);

// What a buy that waits for a trigger holds back per share: the price it would pay now or at
// its stop, with 5% room for the market moving past the stop before the next tick.
price_e4 stop_reserve_price(const trading::order_request& o, std::optional<price_e4> reference);

// The order to execute now: a new order or a triggered one whose reservation was released.
struct execution {
  order_record& order;            // its row as stored (new orders: id set after insert)
  std::optional<price_e4> limit;  // nullopt: at market
  trading::time_in_force tif;     // ioc for a triggered stop
  std::vector<event_note>& events;
};

enum class exec_outcome { done, unaffordable_cash, unaffordable_shares, rejected, canceled };

// Matches, checks and applies. With `insert`, the order row is inserted after the checks pass
// (`insert_row` does it and fills in order.id). Nothing is written when the check fails.
exec_outcome execute(pqxx::work& tx, const house_accounts& h, execution ex, const market_view& mv,
                     const std::function<void()>& insert_row);

// Ends an open order with `status` (canceled, expired, replaced), releasing what it holds.
void close_order(pqxx::work& tx, order_record& o, const std::string& status);

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
