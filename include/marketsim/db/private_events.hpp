// Players' private stream events. Trade updates arrive from PostgreSQL (every instance hears
// every order's NOTIFY, db/change_listener.hpp) and go to that player's open streams on this
// instance as `trade_update`, followed by a fresh `account` event (cash, buying power, equity)
// read from the database. Between trades the account of every player streaming here is kept in
// memory, and each feed step that moves the value of their holdings sends a new `account`
// event. A burst of trades costs at most one read on its way and one more after it per player
// (a pool queue of one read per trade delayed the tick's own work behind it). on_trade() runs on
// the listener thread, on_ticks() on the market strand; the account
// read is a coroutine on the io context whose SQL runs on the db pool. One mutex guards the
// kept accounts.
#pragma once
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <vector>

#include "marketsim/db/orders.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::db {

class private_events {
 public:
  private_events(boost::asio::io_context& ioc, db::pool& pool, sse::hub& hub,
                 const market::quote_cache& quotes, std::int64_t starting_cash_e4)
      : ioc_(ioc), pool_(pool), hub_(hub), quotes_(quotes), starting_cash_e4_(starting_cash_e4) {}

  void on_trade(std::string_view payload);
  void on_ticks(const std::vector<market::tick>& ticks);
  // Reads the player's account and sends it to their streams (if they have any here).
  boost::asio::awaitable<void> send_account(std::int64_t user_id);

 private:
  boost::asio::io_context& ioc_;
  db::pool& pool_;
  sse::hub& hub_;
  const market::quote_cache& quotes_;
  // A player who streams before any trading request gets their account opened here, with the
  // same starting grant as anywhere else.
  std::int64_t starting_cash_e4_;
  struct kept {
    db::trading_repo::account_state state;
    std::string last_sent;  // the last event's data: unchanged values are not sent again
  };
  std::mutex mutex_;
  std::map<std::int64_t, kept> accounts_;
  std::set<std::int64_t> loading_;  // an account read is on its way
  std::set<std::int64_t> stale_;    // ...and a trade came after it began: read once more
};

}  // namespace marketsim::db
