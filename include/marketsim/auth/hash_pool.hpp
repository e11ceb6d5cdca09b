// A small, bounded pool of threads for argon2id (tens of ms and tens of MiB per call), so a
// burst of logins neither blocks the io threads nor allocates without limit: at most `threads`
// hashes run at once and at most `max_queued` wait; beyond that callers get errc::busy at once.
// Coroutines on io threads co_await run(); the result is posted back to their executor.
#pragma once
#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "marketsim/core/error.hpp"

namespace marketsim::auth {

class hash_pool {
 public:
  hash_pool(int threads, std::size_t max_queued);
  ~hash_pool();
  hash_pool(const hash_pool&) = delete;
  hash_pool& operator=(const hash_pool&) = delete;

  struct stats {
    int threads;
    std::size_t queued;
    int in_flight;
    int peak_in_flight;
    std::uint64_t rejected;
    std::uint64_t completed;
  };
  [[nodiscard]] stats snapshot() const;

  // Runs `work` on a pool thread; errc::busy when the queue is full or the pool stopped.
  template <class F>
  [[nodiscard]] boost::asio::awaitable<result<std::invoke_result_t<F&>>> run(F work) {
    using value_t = std::invoke_result_t<F&>;
    // The coroutine stays suspended until the job ran (or was refused), so the job may write
    // straight into this frame.
    std::optional<value_t> out;
    // A named job, not a temporary inside the co_await expression: GCC 12 destroys such
    // temporaries twice.
    std::function<void()> job = [&out, w = std::move(work)]() mutable { out.emplace(w()); };
    bool accepted = co_await submit(std::move(job));
    if (!accepted) co_return fail(errc::busy, "the server is busy; retry in a moment");
    // in_place: value_t may itself be a result, which must not be unwrapped into this one.
    co_return result<value_t>(std::in_place, std::move(*out));
  }

  void stop();

 private:
  // Completes with false at once when rejected, with true after the job ran.
  boost::asio::awaitable<bool> submit(std::function<void()> work);
  void worker_loop();

  struct job {
    std::function<void()> work;
    std::function<void(bool)> done;
  };
  std::size_t max_queued_;
  int threads_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stopping_ = false;
  std::atomic<int> in_flight_{0};
  std::atomic<int> peak_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::vector<std::thread> workers_;
};

}  // namespace marketsim::auth
