// Cluster leadership: one PostgreSQL session-level advisory lock, held on a connection of its
// own. Whoever holds it leads (runs the feed, the tick-driven order flow, the equity snapshots
// and the history flush); the others retry every retry interval. The lock lives and dies with
// that one connection, so work that must be fenced (the leader's relay writes) runs on it
// through execute(): a leader whose connection broke can no longer write, even before it
// notices. A lost connection is lost leadership; an idle leader checks its connection every
// retry interval, so a dead session is noticed within about one interval.
//
// Its own thread owns the connection; state changes are reported through the callback on that
// thread. execute() may be called from any coroutine; the result is posted back to it.
#pragma once
#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "marketsim/core/error.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db {

// The advisory lock key of the cluster's leader (any bigint no other lock of ours uses).
inline constexpr std::int64_t leader_lock_key = 0x6d6b7473696d01;  // "mktsim" 1

class leader_lock {
 public:
  // leading: true when this instance took the lock, false when it lost it. The first attempt
  // reports false too when it did not take the lock, so a caller can tell the start is settled.
  using state_fn = std::function<void(bool leading)>;

  leader_lock(std::string connection_string, std::chrono::milliseconds retry_every,
              std::int64_t key = leader_lock_key);
  ~leader_lock();
  leader_lock(const leader_lock&) = delete;
  leader_lock& operator=(const leader_lock&) = delete;

  void start(state_fn on_state);
  // Gives the lock up (closing the session) and contends again after one retry interval.
  void resign();
  // Gives the lock up for good without waiting (shutdown, on any thread); stop() joins.
  void release();
  // Ends the thread; the session closes, so the lock is released at once.
  void stop();

  [[nodiscard]] bool leading() const { return leading_.load(); }

  // Runs work on the lock's connection while this instance leads: errc::unavailable when it
  // does not (or the connection broke meanwhile, which also ends the leadership),
  // errc::database_error when the work failed on a healthy connection (the lock is kept).
  [[nodiscard]] boost::asio::awaitable<result<void>> execute(job_fn work);

 private:
  struct job {
    job_fn work;
    std::function<void(result<void>)> done;
  };
  void enqueue(job j);
  void run();
  void set_leading(bool leading);

  std::string connection_string_;
  std::chrono::milliseconds retry_every_;
  std::int64_t key_;
  state_fn on_state_;
  std::atomic<bool> leading_{false};
  bool reported_ = false;  // the first attempt's outcome was reported (lock thread only)
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stopping_ = false;
  bool resign_ = false;
  std::thread thread_;
};

}  // namespace marketsim::db
