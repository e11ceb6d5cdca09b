// The tick side of the order flow: after every feed step it hands the new prices to
// db::trading_repo::apply_ticks (crossed limits fill, stops trigger, trailing stops move, day
// orders expire). One batch runs at a time on the db pool; prices that arrive meanwhile are
// merged (the latest per symbol wins), so a slow database delays the order flow but never
// queues work without bound. offer() is called on the market strand; the drain coroutine runs
// on the io context.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/db/tick_processing.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::db {

class order_ticker {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  order_ticker(boost::asio::any_io_executor ex, db::pool& pool, market::price_e4 half_spread)
      : ex_(std::move(ex)), pool_(pool), half_spread_(half_spread) {}

  void offer(const std::vector<market::tick>& ticks);
  [[nodiscard]] std::uint64_t batches() const;

 private:
  boost::asio::awaitable<void> drain();

  boost::asio::any_io_executor ex_;
  db::pool& pool_;
  market::price_e4 half_spread_;
  mutable std::mutex mutex_;
  std::map<std::string, db::trading_repo::symbol_tick, std::less<>> pending_;
  bool running_ = false;
  std::uint64_t batches_ = 0;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::db
