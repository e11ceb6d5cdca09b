// Delivers the mail outbox. Account mail is written to the outbox table in the same
// transaction as the change it is about, so none is lost; this loop then hands each message to
// the delivery. The only delivery today writes the message to the log (development and tests
// read links there or from the admin outbox page); an SMTP delivery would plug in here.
// A coroutine on the market strand; the SQL runs on db pool threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "marketsim/db/pool.hpp"

namespace marketsim::app {

class mail_sender {
 public:
  mail_sender(db::pool& pool, std::chrono::milliseconds interval)
      : pool_(pool), interval_(interval) {}
  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();

 private:
  db::pool& pool_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopping_ = false;
};

}  // namespace marketsim::app
