// A job run on the db pool every interval, on one instance of a cluster (the leader), for work
// nobody waits on: the equity snapshots and the integrity scan. A coroutine on the market
// strand; the job itself runs on a pool thread and returns a line for the debug log.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db {

class periodic_job {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  using job = std::function<std::string(connection&)>;
  periodic_job(db::pool& pool, std::string name, std::chrono::milliseconds interval, job work)
      : pool_(pool), name_(std::move(name)), interval_(interval), work_(std::move(work)) {}

  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();  // on the strand it runs on
  // Runs only while `leading` says so. Set before run().
  void only_while(std::function<bool()> leading) { leading_ = std::move(leading); }

 private:
  db::pool& pool_;
  std::string name_;
  std::chrono::milliseconds interval_;
  job work_;
  bool stopped_ = false;
  std::function<bool()> leading_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::db
