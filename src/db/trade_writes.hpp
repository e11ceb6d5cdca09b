// The rows a trade writes, each kind set-based (private to db): new orders, fills with their
// ledger transfers, the positions' and accounts' deltas (cost basis, realized P&L,
// reservations), and reservations given back. Placing orders, tick processing and the house's
// crossed-limit fills all write through these. db::pool threads.
//
// Each call writes at once, unless the transaction coalesces its writes (a pipelined batch of
// orders, see `coalesced_writes`): then rows of one kind gather until some other statement is
// sent, and go as one statement per kind, in the order reservations given back, orders, fills,
// deltas. That order keeps every CHECK true between statements: a reservation is given back
// before the ledger moves what it held, an order is stored before its fills reference it, and
// the deltas, which may add reservations, come after the ledger moved the cash and shares they
// are checked against. A reservation given back while deltas are waiting (an order of the batch
// that rested and is traded by a later one) sends what waits first.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "marketsim/trading/money.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

using trading::money_e4;
using trading::price_e4;

// A fill: `buyer` pays `seller` (0: the house, on either side).
struct fill_row {
  std::string symbol;
  price_e4 price = 0;
  std::int64_t qty = 0;
  std::string buy_order, sell_order;  // empty: the house's side
  std::int64_t buyer = 0, seller = 0;
  std::int64_t buy_cum = 0, sell_cum = 0;  // each order's filled quantity with this fill
  // The side that took it: the incoming order's, or the house's when the market crossed a
  // resting limit. nullopt: not known.
  std::optional<trading::side> taker;
  std::int64_t market_ms = 0;  // the market's time of the trade (0: none yet)
};

// What one account's position in one symbol, and the account, change beside the ledger.
struct position_delta {
  money_e4 cost = 0;        // the position's cost basis
  money_e4 realized = 0;    // realized P&L, on the position and the account
  money_e4 cash = 0;        // the account's reserved cash
  std::int64_t shares = 0;  // the position's reserved shares
};
using deltas_by_position = std::map<std::pair<std::int64_t, std::string>, position_delta>;

// A reservation given back: `cash` of the account's reserved cash, or `shares` of its reserved
// shares in `symbol`.
struct release_row {
  std::int64_t account = 0;
  money_e4 cash = 0;
  std::string symbol;
  std::int64_t shares = 0;
};

// The order's row as `o` holds it (o.id made by the caller; its timestamps are the
// transaction's now()).
void write_order(pqxx::transaction_base& tx, const trading::order_record& o,
                 const std::string& fingerprint);
// `house`: the house's account, which the ledger names where a side is the house.
void write_fills(pqxx::transaction_base& tx, std::int64_t house, const std::vector<fill_row>& rows);
void write_deltas(pqxx::transaction_base& tx, const deltas_by_position& deltas);
void write_releases(pqxx::transaction_base& tx, const std::vector<release_row>& rows);

// While one lives, the writes above of its transaction (which must have a db::pipelined open)
// gather, and go before the next other statement the pipeline sends.
class coalesced_writes {
 public:
  coalesced_writes(pqxx::transaction_base& tx, std::int64_t house);
  coalesced_writes(const coalesced_writes&) = delete;
  coalesced_writes& operator=(const coalesced_writes&) = delete;
  ~coalesced_writes();

  static coalesced_writes* of(pqxx::transaction_base& tx);

  void add_order(const trading::order_record& o, const std::string& fingerprint);
  void add_fills(const std::vector<fill_row>& rows);
  void add_deltas(const deltas_by_position& deltas);
  void add_releases(const std::vector<release_row>& rows);
  // Sends what gathered (no-op when nothing did).
  void flush();

 private:
  pqxx::transaction_base& tx_;
  std::int64_t house_;
  coalesced_writes* outer_;
  std::vector<release_row> releases_;
  std::vector<std::pair<trading::order_record, std::string>> orders_;
  std::vector<fill_row> fills_;
  deltas_by_position deltas_;
};

}  // namespace marketsim::db::trading_repo
