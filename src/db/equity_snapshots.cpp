// Periodic equity snapshots (see equity_snapshots.hpp). Market strand and db pool.
#include "marketsim/db/equity_snapshots.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/db/equity.hpp"

namespace marketsim::db {

namespace asio = boost::asio;

asio::awaitable<void> equity_snapshots::run() {
  // Cancellation (the app's stop signal) ends the loop at its wait; a snapshot in progress
  // finishes first.
  co_await asio::this_coro::throw_if_cancelled(false);
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!stopped_) {
    timer_->expires_after(interval_);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_ ||
        (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
    if (leading_ && !leading_()) continue;
    std::vector<std::pair<std::string, market::price_e4>> prices;
    for (const auto& q : quotes_.all())
      if (q.price) prices.emplace_back(q.info.symbol, *q.price);
    std::int64_t rows = 0;
    const std::int64_t market_ms = market_ms_ ? market_ms_() : 0;
    db::job_fn job = [&](db::connection& c) {
      rows = db::trading_repo::snapshot_equity(c, prices, market_ms);
    };
    auto done = co_await pool_.execute(std::move(job));
    if (!done)
      spdlog::warn("portfolio: equity snapshot failed: {}", done.error().message);
    else
      spdlog::debug("portfolio: {} equity snapshots", rows);
  }
}

void equity_snapshots::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::db
