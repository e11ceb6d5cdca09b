// A small, bounded pool of threads for argon2id (tens of ms and tens of MiB per call), so a
// burst of logins neither blocks the io threads nor allocates without limit: at most `threads`
// hashes run at once and at most `max_queued` wait; beyond that callers get errc::busy at once.
// Each client (a player, or an address for anonymous requests) may hold at most `per_client`
// jobs queued or running, so no one can fill the queue and starve everyone else's sign-in:
// beyond their share they get errc::too_many_requests at once.
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
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "marketsim/core/error.hpp"

namespace marketsim::auth {

class hash_pool {
 public:
  hash_pool(int threads, std::size_t max_queued, int per_client = 0);  // 0: no share limit
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
    std::uint64_t over_share;  // refused because that client already had its share
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

  // The same, counted against `client`'s share of the pool.
  template <class F>
  [[nodiscard]] boost::asio::awaitable<result<std::invoke_result_t<F&>>> run(std::string client,
                                                                             F work) {
    if (!take_share(client))
      co_return fail(errc::too_many_requests,
                     "too many password checks of yours at once; retry in a moment");
    share_guard held{this, std::move(client)};
    co_return co_await run(std::move(work));
  }

  void stop();

 private:
  struct share_guard {
    hash_pool* pool;
    std::string client;
    share_guard(hash_pool* p, std::string c) : pool(p), client(std::move(c)) {}
    share_guard(const share_guard&) = delete;
    share_guard& operator=(const share_guard&) = delete;
    ~share_guard() { pool->give_share(client); }
  };
  bool take_share(const std::string& client);
  void give_share(const std::string& client);

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
  std::atomic<std::uint64_t> over_share_{0};
  int per_client_;
  std::mutex shares_mutex_;
  std::unordered_map<std::string, int> shares_;  // clients with jobs queued or running
  std::vector<std::thread> workers_;
};

}  // namespace marketsim::auth
