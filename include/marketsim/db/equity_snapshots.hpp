// Records every player's equity at the current prices every MARKETSIM_EQUITY_SNAPSHOT, for the
// portfolio history (GET /v2/account/portfolio/history). A coroutine on the market strand; the
// prices come from the quote cache, the single INSERT ... SELECT runs on the db pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "marketsim/db/pool.hpp"
#include "marketsim/market/quote_cache.hpp"

namespace marketsim::db {

class equity_snapshots {
 public:
  equity_snapshots(db::pool& pool, const market::quote_cache& quotes,
                   std::chrono::milliseconds interval)
      : pool_(pool), quotes_(quotes), interval_(interval) {}

  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();  // on the strand it runs on
  // Records only while `leading` says so (one instance of a cluster). Set before run().
  void only_while(std::function<bool()> leading) { leading_ = std::move(leading); }
  // The market's time, stored with each snapshot (the leaderboard's periods are market days).
  // Set before run().
  void market_clock(std::function<std::int64_t()> market_ms) { market_ms_ = std::move(market_ms); }

 private:
  db::pool& pool_;
  const market::quote_cache& quotes_;
  std::chrono::milliseconds interval_;
  bool stopped_ = false;
  std::function<bool()> leading_;
  std::function<std::int64_t()> market_ms_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace marketsim::db
