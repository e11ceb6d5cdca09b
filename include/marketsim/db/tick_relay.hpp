// The cluster's tick relay in PostgreSQL: the leader writes each feed step into tick_relay and
// notifies marketsim_ticks in one statement, on its lock connection (db/leader_lock.hpp), so a
// step is durable, numbered and fenced before any client sees it. Followers read the rows
// after the last id they applied whenever a notification arrives (tick_listener), so a missed
// notification or a reconnect loses nothing and the order is the table's. Rows stay until the
// history flush has stored their ticks in price_history (and a minute more, for followers
// that lag). A table rather than payloads alone: NOTIFY payloads stop at 8000 bytes, and a
// step of many symbols would not fit; and the table is where a new leader reads the last id
// and market time the cluster published.
//
// The SQL functions block: call them in db::pool or leader_lock jobs, or at start-up on the
// main thread. tick_listener's thread owns its own connection and calls back on that thread.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "marketsim/market/provider.hpp"
#include "marketsim/market/tick_batch.hpp"

namespace pqxx {
class connection_base;
}

namespace marketsim::db {

inline constexpr const char* ticks_channel = "marketsim_ticks";

namespace tick_relay {

// Inserts the step and notifies; false when its ids are already taken (then nothing changed).
[[nodiscard]] bool publish(pqxx::connection_base& conn, const market::tick_batch& batch);

// The relayed steps after `after_seq`, in id order (at most `limit`).
[[nodiscard]] std::vector<market::tick_batch> read_after(pqxx::connection_base& conn,
                                                         std::int64_t after_seq,
                                                         std::size_t limit = 1000);

// What the cluster has published, from the relay and the stored history together.
struct cluster_state {
  std::int64_t last_seq = 0;    // the last id given out
  std::int64_t stored_seq = 0;  // the last id in price_history
  market::resume_point resume;  // market time and last prices after last_seq
  // Every relayed step still kept, in order: all those after stored_seq, and some before
  // (what a starting instance can replay to resuming streams).
  std::vector<market::tick_batch> steps;
  // Where an instance starting from this state begins: before the oldest kept step.
  [[nodiscard]] std::int64_t replay_from() const {
    return steps.empty() ? stored_seq : std::min(stored_seq, steps.front().first_seq - 1);
  }
};
// Reads the relay before the history: a row pruned meanwhile is then in the history, so the
// two together miss nothing.
[[nodiscard]] cluster_state load(pqxx::connection_base& conn);

// The highest id stored in price_history (followers drop what the leader has flushed).
[[nodiscard]] std::int64_t stored_seq(pqxx::connection_base& conn);

// Deletes relayed steps stored in price_history up to `stored_seq` and older than a minute.
std::size_t prune(pqxx::connection_base& conn, std::int64_t stored_seq);

}  // namespace tick_relay

// LISTEN marketsim_ticks on a thread of its own. On every notification newer than what this
// instance applied, on (re)connecting and once a second regardless, it reads the steps after
// `applied()` and hands them to `steps` (on its thread, in id order). Not while `leading()`:
// the leader applies its own steps and no one else writes any.
class tick_listener {
 public:
  struct callbacks {
    std::function<std::int64_t()> applied;  // any thread
    std::function<void(std::vector<market::tick_batch>)> steps;
    std::function<bool()> leading;  // any thread
  };
  tick_listener(std::string connection_string, callbacks cb);
  ~tick_listener();
  tick_listener(const tick_listener&) = delete;
  tick_listener& operator=(const tick_listener&) = delete;
  void stop();

 private:
  void run();
  std::string connection_string_;
  callbacks cb_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace marketsim::db
