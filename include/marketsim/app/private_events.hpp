// Players' private stream events. Trade updates arrive from PostgreSQL (every instance hears
// every order's NOTIFY, db/change_listener.hpp) and go to that player's open streams on this
// instance as `trade_update`, followed by a fresh `account` event (cash, buying power, equity)
// read from the database. on_trade() runs on the listener thread; the account read is a
// coroutine on the io context whose SQL runs on the db pool.
#pragma once
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string_view>

#include "marketsim/db/pool.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim {

class private_events {
 public:
  private_events(boost::asio::io_context& ioc, db::pool& pool, sse::hub& hub,
                 const market::quote_cache& quotes)
      : ioc_(ioc), pool_(pool), hub_(hub), quotes_(quotes) {}

  void on_trade(std::string_view payload);
  // Reads the player's account and sends it to their streams (if they have any here).
  boost::asio::awaitable<void> send_account(std::int64_t user_id);

 private:
  boost::asio::io_context& ioc_;
  db::pool& pool_;
  sse::hub& hub_;
  const market::quote_cache& quotes_;
};

}  // namespace marketsim
