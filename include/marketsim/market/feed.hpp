// The feed loop: once per tick interval it asks the provider for ticks, numbers them with the
// global sequence, updates the quote cache, publishes them to the SSE hub and appends them to
// the history buffer. A coroutine on the market strand; step() is public so tests drive it
// without a timer.
//
// In a cluster (relay_through set) only the leader produces: each step is first committed
// through the relay (PostgreSQL) and applied here only once that succeeded, so an id a client
// has seen is never given out again. Every other instance applies the leader's steps with
// apply_relayed, under the same ids and with the same event data. Everything but the atomics
// runs on the market strand.
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "marketsim/core/task_board.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/provider.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/market/tick_batch.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::market {

class feed {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  feed(std::unique_ptr<quote_provider> provider, quote_cache& cache, sse::hub& hub,
       history_buffer& history, std::int64_t last_seq, std::chrono::milliseconds interval,
       wall_clock clock = system_now_ms);

  std::size_t step();  // returns the number of ticks produced; no relay
  // Called after each applied step with its ticks, produced here or relayed. Set before run().
  void on_ticks(std::function<void(const std::vector<tick>&)> f) { on_ticks_ = std::move(f); }
  // Called after each step this instance produced (the order flow reacts to them). Set before
  // run().
  void on_produced(std::function<void(const std::vector<tick>&)> f) { on_produced_ = std::move(f); }
  // Called after each applied step_event (produced here or relayed), e.g. the home feed's
  // snapshot reaching a follower. Set before run().
  void on_event(std::function<void(const step_event&)> f) { on_event_ = std::move(f); }
  // An event for every stream, sent at once as a step of its own under the cluster's next id
  // (after a step in flight), through the relay like ticks, so every instance publishes it and
  // a stream resumes across it. False when not leading or when the relay refused it.
  [[nodiscard]] boost::asio::awaitable<bool> send_event(step_event e);
  [[nodiscard]] boost::asio::awaitable<void> run();
  void stop();  // call on the feed's executor

  // Cluster mode. The relay commits a produced step for the whole cluster (true: committed).
  // Set before run(); from then on the feed produces only between lead() and follow().
  using relay_fn = std::function<boost::asio::awaitable<bool>(const tick_batch&)>;
  void relay_through(relay_fn relay);
  // Starts producing after `cluster_seq`, the last id the cluster published. `producer` is the
  // provider to step from now on (null: the one given at construction).
  void lead(std::unique_ptr<quote_provider> producer, std::int64_t cluster_seq);
  void follow();  // stops producing at once
  // One step as the leader: produce, relay, apply. 0 when not leading, when another step is in
  // flight, or when the relay refused the step (then nothing of it is applied).
  [[nodiscard]] boost::asio::awaitable<std::size_t> lead_step();
  // A step the leader published. Steps already applied are ignored; ids missing before it (the
  // relay pruned them before this instance read them) are skipped with a warning.
  void apply_relayed(const tick_batch& batch);

  [[nodiscard]] const quote_provider& provider() const { return *provider_; }
  [[nodiscard]] std::int64_t last_seq() const { return last_seq_.load(); }
  [[nodiscard]] std::int64_t market_time_ms() const { return market_time_ms_.load(); }
  [[nodiscard]] std::chrono::milliseconds interval() const { return interval_; }
  [[nodiscard]] bool leading() const { return leading_.load(); }
  // Seconds since this instance last applied a step (produced or relayed); -1 before the
  // first. A feed falling behind its interval, or a follower whose relay stalled, shows here.
  [[nodiscard]] double seconds_since_step() const {
    const auto at = last_step_at_.load();
    if (at == 0) return -1;
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch() -
                                         std::chrono::steady_clock::duration(at))
        .count();
  }
  // Whether the provider given at construction has produced a step (then it no longer stands
  // where the cluster does after a handover).
  [[nodiscard]] bool provider_used() const { return provider_used_; }

 private:
  tick_batch produce();
  // Relays a produced step (stepping_ set), then applies it; its event count, 0 if refused.
  [[nodiscard]] boost::asio::awaitable<std::size_t> commit(tick_batch batch);
  void apply(const tick_batch& batch, bool produced);

  std::unique_ptr<quote_provider> provider_;
  std::unique_ptr<quote_provider> own_producer_;  // a provider made for this leadership
  quote_provider* producer_ = nullptr;            // the one stepped; null while following
  quote_cache& cache_;
  sse::hub& hub_;
  history_buffer& history_;
  std::atomic<std::int64_t> last_seq_;
  std::atomic<std::int64_t> market_time_ms_{0};
  std::atomic<bool> leading_{true};
  std::atomic<std::chrono::steady_clock::rep> last_step_at_{0};
  std::chrono::milliseconds interval_;
  wall_clock clock_;
  std::function<void(const std::vector<tick>&)> on_ticks_;
  std::function<void(const std::vector<tick>&)> on_produced_;
  std::function<void(const step_event&)> on_event_;
  relay_fn relay_;
  bool provider_used_ = false;
  bool stepping_ = false;
  // The ids of the step being relayed: its echo from the relay must not be applied as someone
  // else's step.
  std::int64_t in_flight_first_ = 0;
  std::int64_t in_flight_last_ = -1;
  bool stopped_ = false;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::market
