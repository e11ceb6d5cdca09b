// Delivers the mail outbox. Account mail is written to the outbox table in the same
// transaction as the change it is about, so none is lost; this loop then hands each message to
// the delivery: SMTP when MARKETSIM_SMTP_URL is set, else the log (development and tests read
// links there or from the admin outbox page). A failed delivery is retried with a growing delay.
// A coroutine on the market strand; the SQL runs on db pool threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include <optional>
#include <string>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/mail/smtp.hpp"

namespace marketsim::mail {

class mail_sender {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  // Without `smtp`, messages are written to the log.
  mail_sender(db::pool& pool, std::chrono::milliseconds interval, std::optional<smtp_settings> smtp,
              std::string from)
      : pool_(pool), interval_(interval), smtp_(std::move(smtp)), from_(std::move(from)) {}
  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();

 private:
  db::pool& pool_;
  std::chrono::milliseconds interval_;
  std::optional<smtp_settings> smtp_;
  std::string from_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopping_ = false;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::mail
