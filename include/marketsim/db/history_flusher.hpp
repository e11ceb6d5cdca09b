// Writes the history buffer to PostgreSQL with COPY every flush interval and once more at
// shutdown, until nothing is left. A coroutine on the market strand; the COPY itself runs on a
// db pool thread. A failed flush keeps the ticks buffered and is retried, so none is lost.
// In a cluster only the leader writes (and prunes the relayed steps it stored); a follower's
// flush drops from its buffer what price_history already holds.
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/history_buffer.hpp"

namespace marketsim::db {

class history_flusher {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  history_flusher(db::pool& pool, market::history_buffer& buffer,
                  std::chrono::milliseconds interval)
      : pool_(pool), buffer_(buffer), interval_(interval) {}

  // One flush of everything pending; true when the buffer is empty afterwards.
  [[nodiscard]] boost::asio::awaitable<bool> flush_once();
  [[nodiscard]] boost::asio::awaitable<void> run();
  // Ends run() after a final flush (retried for up to final_retry); call on the same executor.
  [[nodiscard]] boost::asio::awaitable<void> stop(std::chrono::milliseconds final_retry);
  [[nodiscard]] std::uint64_t rows_written() const { return rows_written_.load(); }
  [[nodiscard]] std::uint64_t failures() const { return failures_.load(); }
  // Each successful flush's duration (GET /metrics). Set before run().
  void observe_flushes(metrics::histogram& durations) { durations_ = &durations; }
  // Writes only while `leading` says so. Set before run().
  void only_while(std::function<bool()> leading) { leading_ = std::move(leading); }

 private:
  db::pool& pool_;
  market::history_buffer& buffer_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopping_ = false;
  bool running_ = false;
  std::atomic<std::uint64_t> rows_written_{0};  // read by GET /metrics on any thread
  std::atomic<std::uint64_t> failures_{0};
  metrics::histogram* durations_ = nullptr;
  std::function<bool()> leading_;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::db
