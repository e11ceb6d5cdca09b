// The feed loop: once per tick interval it asks the provider for ticks, numbers them with the
// global sequence, updates the quote cache, publishes them to the SSE hub and appends them to
// the history buffer. A coroutine on the market strand; step() is public so tests drive it
// without a timer.
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "marketsim/core/time.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/provider.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::market {

class feed {
 public:
  feed(std::unique_ptr<quote_provider> provider, quote_cache& cache, sse::hub& hub,
       history_buffer& history, std::int64_t last_seq, std::chrono::milliseconds interval,
       wall_clock clock = system_now_ms);

  std::size_t step();  // returns the number of ticks produced
  // Called after each step with its ticks (the order flow reacts to them). Set before run().
  void on_ticks(std::function<void(const std::vector<tick>&)> f) { on_ticks_ = std::move(f); }
  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();  // call on the feed's executor

  [[nodiscard]] const quote_provider& provider() const { return *provider_; }
  [[nodiscard]] std::int64_t last_seq() const { return last_seq_.load(); }
  [[nodiscard]] std::int64_t market_time_ms() const { return market_time_ms_.load(); }
  [[nodiscard]] std::chrono::milliseconds interval() const { return interval_; }

 private:
  std::unique_ptr<quote_provider> provider_;
  quote_cache& cache_;
  sse::hub& hub_;
  history_buffer& history_;
  std::atomic<std::int64_t> last_seq_;
  std::atomic<std::int64_t> market_time_ms_{0};
  std::chrono::milliseconds interval_;
  wall_clock clock_;
  std::function<void(const std::vector<tick>&)> on_ticks_;
  bool stopped_ = false;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace marketsim::market
