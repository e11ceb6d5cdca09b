// The trading actions' live engine (issue 12): evaluates the players' rules on the ticks the
// cluster's leader produces, next to the tick-driven orders, and acts on their firings through
// the order path every player uses (db::order_batches): the same checks, matching and ledger.
//
// offer() runs on the market strand for every produced step: each tick looks up only the rules
// it can fire (trading::rules::rule_index) and evaluates them (trading::rules::evaluate, the
// backtest's code too); a firing is queued. run(), a coroutine on the same strand, records each
// firing with the rule's new state, then places its order with the client_order_id derived from
// the firing ("rule-<id>-<seq>"), then records the outcome: a leader that stops between two of
// these steps leaves the firing pending, and the next leader places it again under the same
// client_order_id, which the order path answers with the order already placed, never a second.
// run() also reads the rules again when they change (every second it asks for their version,
// in the same pool job that reads what their owners hold and their cash). Only while this
// instance leads; the database steps on the pool.
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "marketsim/core/task_board.hpp"
#include "marketsim/db/order_batches.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/db/rules.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/rules.hpp"

namespace marketsim::rules {

// Atomic: GET /metrics reads them on an io thread.
struct engine_counts {
  std::atomic<std::uint64_t> firings{0};
  std::atomic<std::uint64_t> placed{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> alerts{0};
};

class rule_engine {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  rule_engine(db::pool& pool, db::order_batches& orders, const market::quote_cache& quotes,
              std::function<std::int64_t()> market_time_ms, std::function<bool()> leading,
              trading::price_e4 half_spread, int open_order_cap);

  // The leader's new ticks, on the market strand.
  void offer(const std::vector<market::tick>& ticks);
  [[nodiscard]] boost::asio::awaitable<void> run();
  [[nodiscard]] const engine_counts& counts() const { return counts_; }

 private:
  struct live {
    db::rules_repo::rule_row row;
    trading::rules::spec spec;
    trading::rules::state state;
    bool state_dirty = false;  // moved without a firing (a trailing mark, a day's close)
  };
  struct queued {
    std::int64_t user_id = 0;
    std::int64_t account_id = 0;
    db::rules_repo::new_firing firing;
  };
  struct placed_outcome {
    std::string outcome;  // placed, refused
    std::string order_id;
    std::string reason;
  };

  [[nodiscard]] boost::asio::awaitable<void> reload(bool force);
  [[nodiscard]] boost::asio::awaitable<void> act(queued q);
  // A firing's order through the order path: the same order for a first try and a retry.
  [[nodiscard]] boost::asio::awaitable<placed_outcome> place(
      std::int64_t account_id, std::int64_t user_id, const std::string& symbol,
      const std::string& action, std::int64_t qty, trading::price_e4 limit,
      const std::string& client_order_id);
  [[nodiscard]] boost::asio::awaitable<void> retry_pending();
  [[nodiscard]] boost::asio::awaitable<void> save_marks();
  void on_tick(const market::tick& t, trading::price_e4 previous);
  [[nodiscard]] trading::rules::book book_of(std::int64_t account_id,
                                             const trading::rules::spec& s) const;

  db::pool& pool_;
  db::order_batches& orders_;
  const market::quote_cache& quotes_;
  std::function<std::int64_t()> market_time_ms_;
  std::function<bool()> leading_;
  trading::price_e4 half_spread_;
  int open_order_cap_;

  std::map<std::int64_t, live> rules_;
  trading::rules::rule_index index_;
  std::int64_t version_ = -1;
  std::map<std::string, trading::price_e4, std::less<>> last_price_;
  std::map<std::pair<std::int64_t, std::string>, db::rules_repo::holding> held_;
  std::map<std::int64_t, trading::money_e4> cash_;
  // Rules not evaluated yet, by symbol: the first tick of one sets when it started watching.
  std::map<std::string, std::vector<std::int64_t>, std::less<>> unstarted_;
  std::deque<queued> queue_;
  std::unique_ptr<boost::asio::steady_timer> wake_;
  bool led_ = false;
  engine_counts counts_;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::rules
