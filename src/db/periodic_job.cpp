// A periodic job on the leader (see periodic_job.hpp). Market strand and db pool.
#include "marketsim/db/periodic_job.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace marketsim::db {

namespace asio = boost::asio;

asio::awaitable<void> periodic_job::run() {
  // Cancellation (the app's stop signal) ends the loop at its wait; a job in progress finishes.
  co_await asio::this_coro::throw_if_cancelled(false);
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!stopped_) {
    timer_->expires_after(interval_);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_ ||
        (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
    if (leading_ && !leading_()) {
      if (task_) task_->progress("idle: not leading");
      continue;
    }
    std::string line;
    db::job_fn job = [&](db::connection& c) { line = work_(c); };
    const auto started = std::chrono::steady_clock::now();
    auto done = co_await pool_.execute(std::move(job));
    if (task_)
      task_->step_took(std::chrono::steady_clock::now() - started,
                       done ? line : "failed: " + done.error().message);
    if (!done)
      spdlog::warn("{}: failed: {}", name_, done.error().message);
    else
      spdlog::debug("{}: {}", name_, line);
  }
}

void periodic_job::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::db
