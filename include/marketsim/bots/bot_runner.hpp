// The simulated traders (issue 11): MARKETSIM_BOTS accounts, each with a strategy
// (trading/bot_strategies.hpp) and its symbols drawn from MARKETSIM_BOT_SEED, that trade only
// through the order path every player uses (db::order_batches, trading_repo::cancel_order): the
// same checks, matching, ledger and events. One runner per cluster: it acts only while its
// instance leads, creates the bots' accounts the first time it does (idempotently, so a new
// leader after a failover finds the same bots) and picks up from their accounts as stored.
//
// Pacing: each bot thinks about every MARKETSIM_BOT_THINK (market makers twice as often),
// jittered;
// what all bots send (orders and cancels together) is capped at MARKETSIM_BOT_ORDER_RATE per
// second, so they never crowd players out of the order path: an intent beyond the budget is
// dropped and counted. A coroutine on the market strand; its database steps run on the pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/bot_accounts.hpp"
#include "marketsim/db/order_batches.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/bot_strategies.hpp"

namespace marketsim::bots {

struct bot_settings {
  int count = 30;                         // MARKETSIM_BOTS; 0: none
  std::uint64_t seed = 1;                 // MARKETSIM_BOT_SEED
  int orders_per_second = 40;             // MARKETSIM_BOT_ORDER_RATE, all bots together
  std::chrono::milliseconds think{5000};  // MARKETSIM_BOT_THINK, each bot, on average
};

// One bot as drawn from the seed: who it is and its character.
struct bot_plan {
  db::bot_repo::bot_identity identity;
  trading::bots::params params;
};

// The roster: `count` bots over the tradable `symbols` (sorted). Pure and deterministic. The
// market makers come first and share the symbols between them (every symbol has one when
// there are enough bots: about one bot in five is a market maker); the others get a few
// symbols each, drawn from the seed.
[[nodiscard]] std::vector<bot_plan> plan_bots(int count, std::uint64_t seed,
                                              const std::vector<std::string>& symbols);

// Orders per second as tokens: `take` is false once the budget of the last second is spent.
class order_budget {
 public:
  explicit order_budget(double per_second) : rate_(per_second), tokens_(per_second) {}
  [[nodiscard]] bool take(std::chrono::steady_clock::time_point now);

 private:
  double rate_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{};
};

struct bot_counts {
  std::uint64_t thoughts = 0;
  std::uint64_t placed = 0;    // orders the order path accepted
  std::uint64_t refused = 0;   // orders it refused (no cash, halted...)
  std::uint64_t canceled = 0;  // cancels done
  std::uint64_t over_budget = 0;
};

class bot_runner {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  // `market_time_ms`: the market's clock (for the orders' day); `leading`: whether this
  // instance leads the cluster now.
  bot_runner(db::pool& pool, db::order_batches& orders, const market::quote_cache& quotes,
             std::function<std::int64_t()> market_time_ms, std::function<bool()> leading,
             bot_settings settings, trading::money_e4 starting_cash, trading::price_e4 half_spread,
             int open_order_cap);

  // Runs until cancelled (the app's stop signal) or stop(). Nothing at all when count is 0.
  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();  // on the strand it runs on

 private:
  struct bot {
    bot_plan plan;
    db::bot_repo::bot_account account;
    trading::bots::rng random;
    std::chrono::steady_clock::time_point next_thought;
  };
  [[nodiscard]] boost::asio::awaitable<bool> provision();
  [[nodiscard]] boost::asio::awaitable<void> think_round(std::chrono::steady_clock::time_point now);
  [[nodiscard]] boost::asio::awaitable<void> act(bot& b, const trading::bots::intent& what);
  void remember_prices();
  void report(std::chrono::steady_clock::time_point now);          // the counts, in the log
  [[nodiscard]] std::chrono::milliseconds jittered(bot& b) const;  // its next thought, from now

  db::pool& pool_;
  db::order_batches& orders_;
  const market::quote_cache& quotes_;
  std::function<std::int64_t()> market_time_ms_;
  std::function<bool()> leading_;
  bot_settings settings_;
  trading::money_e4 starting_cash_;
  trading::price_e4 half_spread_;
  int open_order_cap_;
  order_budget budget_;
  std::vector<bot> bots_;
  bool provisioned_ = false;
  bool stopped_ = false;
  // The last prices seen of each symbol (oldest first), for the strategies that look back.
  std::map<std::string, std::vector<market::price_e4>, std::less<>> recent_;
  std::map<std::string, std::int64_t, std::less<>> seen_ms_;  // the tick each last price came from
  bot_counts counts_;                                         // since start
  std::chrono::steady_clock::time_point last_report_{};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::bots
