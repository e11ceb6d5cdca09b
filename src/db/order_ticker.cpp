// Tick-driven order processing (see order_ticker.hpp). offer() on the market strand, drain()
// on the io context, the SQL on the db pool.
#include "marketsim/db/order_ticker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "marketsim/core/time.hpp"

namespace marketsim::db {

namespace {
// A plain function, not a lambda: GCC 12 and coroutine lambdas with captures do not mix.
boost::asio::awaitable<void> run_drain(order_ticker* self,
                                       boost::asio::awaitable<void> (order_ticker::*fn)()) {
  co_await (self->*fn)();
}
}  // namespace

void order_ticker::offer(const std::vector<market::tick>& ticks) {
  if (ticks.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (const auto& t : ticks)
      pending_[t.symbol] = db::trading_repo::symbol_tick{
          t.symbol, t.price, format_time(t.ts_ms).substr(0, 10), t.ts_ms};
    if (running_) return;
    running_ = true;
  }
  // Outside the lock: co_spawn may start the coroutine right here on an io thread.
  boost::asio::co_spawn(ex_, run_drain(this, &order_ticker::drain), boost::asio::detached);
}

std::uint64_t order_ticker::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

boost::asio::awaitable<void> order_ticker::drain() {
  for (;;) {
    std::vector<db::trading_repo::symbol_tick> batch;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty()) {
        running_ = false;
        co_return;
      }
      for (auto& [symbol, t] : pending_) batch.push_back(std::move(t));
      pending_.clear();
    }
    db::trading_repo::tick_outcome outcome;
    const auto spread = half_spread_;
    const auto started = std::chrono::steady_clock::now();
    db::job_fn job = [&](db::connection& c) {
      outcome = db::trading_repo::apply_ticks(c, batch, spread);
    };
    // First in the queue: fills wait for nobody's account refresh or snapshot.
    auto done = co_await pool_.execute(std::move(job), db::pool::place::first);
    if (!done) spdlog::warn("orders: tick processing failed: {}", done.error().message);
    if (task_)
      task_->step_took(std::chrono::steady_clock::now() - started,
                       done ? "waiting for ticks" : "tick processing failed");
    if (outcome.fills || outcome.triggered || outcome.expired)
      spdlog::debug("orders: {} filled, {} triggered, {} expired", outcome.fills, outcome.triggered,
                    outcome.expired);
    std::lock_guard lock(mutex_);
    ++batches_;
  }
}

}  // namespace marketsim::db
