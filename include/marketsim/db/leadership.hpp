// One engine per cluster: wires the leader lock (db/leader_lock.hpp), the tick relay
// (db/tick_relay.hpp) and the feed. The instance holding the lock reads what the cluster
// published (the relay and the stored history), applies any step it had not received, makes
// a provider that stands where the market stopped, and produces from the next id on; every
// step it produces is committed to the relay on the lock's connection before it is applied
// here. Losing the lock stops production at once. The order flow, the equity snapshots and
// the history flush ask leading() before they act.
//
// Runs on the market strand; on_lock is called on the lock's thread and posts to the strand.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <string>

#include "marketsim/db/leader_lock.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/provider.hpp"

namespace marketsim::db {

class leadership {
 public:
  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // startup_seq: the last id the cluster had published when the feed's own provider was made
  // (it may lead from there if nothing was published since). Puts the feed in cluster mode.
  // `market`: how to make a provider that resumes the market; `instance`: this instance's
  // name for the log lines.
  leadership(strand ex, const market::market_settings& market, std::string instance,
             db::leader_lock& lock, market::feed& feed, std::int64_t startup_seq);

  // Starts contending for the lock. Completes once the first attempt settled: at once for a
  // follower, after its first step for a leader (so nothing is served before the market has
  // prices), and after 15 s whatever happened.
  [[nodiscard]] boost::asio::awaitable<void> start();
  // The feed's relay: commits one step for the cluster; false when it was not committed.
  [[nodiscard]] boost::asio::awaitable<bool> relay(const market::tick_batch& batch);
  [[nodiscard]] bool leading() const { return feed_.leading(); }

 private:
  void on_lock(bool leading);
  [[nodiscard]] boost::asio::awaitable<void> take_over(std::uint64_t generation);
  void settle();

  strand strand_;
  const market::market_settings& market_;
  db::leader_lock& lock_;
  market::feed& feed_;
  std::int64_t startup_seq_;
  std::string instance_;
  std::uint64_t generation_ = 0;  // bumped by every lock change; a stale take-over gives up
  bool settled_ = false;
  boost::asio::steady_timer settle_timer_;
};

}  // namespace marketsim::db
