// The password hashing pool (see hash_pool.hpp): its own threads run the jobs; io threads only
// enqueue and are resumed through their executor.
#include "marketsim/auth/hash_pool.hpp"

namespace marketsim::auth {

namespace asio = boost::asio;

hash_pool::hash_pool(int threads, std::size_t max_queued, int per_client)
    : max_queued_(max_queued), threads_(threads), per_client_(per_client) {
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
  return {threads_,         queue_.size(),     in_flight_.load(), peak_.load(),
          rejected_.load(), completed_.load(), over_share_.load()};
}

bool hash_pool::take_share(const std::string& client) {
  if (per_client_ <= 0) return true;
  std::lock_guard lock(shares_mutex_);
  auto& held = shares_[client];
  if (held >= per_client_) {
    ++over_share_;
    return false;
  }
  ++held;
  return true;
}

void hash_pool::give_share(const std::string& client) {
  if (per_client_ <= 0) return;
  std::lock_guard lock(shares_mutex_);
  // Entries exist only while a client has jobs, so the map is bounded by the queue.
  auto it = shares_.find(client);
  if (it != shares_.end() && --it->second <= 0) shares_.erase(it);
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
