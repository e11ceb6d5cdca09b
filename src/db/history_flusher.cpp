// Periodic and final history flushes (see history_flusher.hpp). Market strand only.
#include "marketsim/db/history_flusher.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/db/market_repo.hpp"
#include "marketsim/db/tick_relay.hpp"

namespace marketsim::db {

namespace asio = boost::asio;

asio::awaitable<bool> history_flusher::flush_once() {
  if (running_) co_return false;  // one flush at a time; the other caller retries
  running_ = true;
  if (leading_ && !leading_()) {
    // The leader stores the cluster's ticks: keep only what it has not stored yet.
    auto stored =
        co_await pool_.query([](db::connection& c) { return db::tick_relay::stored_seq(c); });
    running_ = false;
    if (stored) buffer_.mark_flushed(*stored);
    co_return true;
  }
  auto batch = buffer_.pending();
  if (batch.empty()) {
    running_ = false;
    co_return true;
  }
  auto started = std::chrono::steady_clock::now();
  auto written = co_await pool_.query([&batch](db::connection& c) {
    auto n = db::market_repo::store_ticks(c, batch);
    // The relayed steps now stored need not be kept for followers any longer.
    (void)db::tick_relay::prune(c, batch.back().seq);
    return n;
  });
  running_ = false;
  if (!written) {
    ++failures_;
    if (task_) task_->set_state("flush failed; retrying");
    spdlog::warn("history: flush of {} ticks failed ({}); kept for the next try", batch.size(),
                 written.error().message);
    co_return false;
  }
  buffer_.mark_flushed(batch.back().seq);
  rows_written_ += *written;
  const auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (durations_) durations_->observe(took);
  if (task_)
    task_->step_took(std::chrono::steady_clock::now() - started,
                     fmt::format("stored {} ticks", *written));
  spdlog::info("history: stored {} ticks (seq {}..{}) in {:.0f} ms", *written, batch.front().seq,
               batch.back().seq, took * 1000);
  co_return buffer_.size() == 0;
}

asio::awaitable<void> history_flusher::run() {
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!stopping_) {
    timer_->expires_after(interval_);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    (void)co_await flush_once();
  }
}

asio::awaitable<void> history_flusher::stop(std::chrono::milliseconds final_retry) {
  stopping_ = true;
  if (timer_) timer_->cancel();
  asio::steady_timer wait(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + final_retry;
  for (;;) {
    if (co_await flush_once()) co_return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    wait.expires_after(std::chrono::milliseconds(250));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  spdlog::error("history: {} ticks could not be stored before shutdown", buffer_.size());
}

}  // namespace marketsim::db
