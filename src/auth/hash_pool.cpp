// The password hashing pool (see hash_pool.hpp): its own threads run the jobs; io threads only
// enqueue and are resumed through their executor.
#include "marketsim/auth/hash_pool.hpp"

namespace marketsim::auth {

namespace asio = boost::asio;

hash_pool::hash_pool(int threads, std::size_t max_queued)
    : max_queued_(max_queued), threads_(threads) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

hash_pool::~hash_pool() {
  stop();
}

void hash_pool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

hash_pool::stats hash_pool::snapshot() const {
  std::lock_guard lock(mutex_);
  return {threads_,     queue_.size(),    in_flight_.load(),
          peak_.load(), rejected_.load(), completed_.load()};
}

asio::awaitable<bool> hash_pool::submit(std::function<void()> work) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [this](auto handler, std::function<void()> work) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto done = [shared](bool ok) {
          auto ex = asio::get_associated_executor(*shared);
          asio::post(ex, [shared, ok]() mutable { (*shared)(ok); });
        };
        {
          std::unique_lock lock(mutex_);
          if (stopping_ || queue_.size() >= max_queued_) {
            lock.unlock();
            ++rejected_;
            done(false);
            return;
          }
          queue_.push_back(job{std::move(work), std::move(done)});
        }
        cv_.notify_one();
      },
      asio::use_awaitable, std::move(work));
}

void hash_pool::worker_loop() {
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      j = std::move(queue_.front());
      queue_.pop_front();
    }
    int now = ++in_flight_;
    int peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
    j.work();
    --in_flight_;
    ++completed_;
    j.done(true);
  }
}

}  // namespace marketsim::auth
