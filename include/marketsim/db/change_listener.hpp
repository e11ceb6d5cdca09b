// Listens on PostgreSQL for session and account changes made by any marketsim instance
// (LISTEN marketsim_sessions), players' trade updates (LISTEN marketsim_trades) and the public
// tape of fills (LISTEN marketsim_tape), so an instance's session cache forgets a logged-out
// session or a disabled user at once, not when its cached copy times out, and every instance's
// streams get every fill. Its own thread owns one libpqxx connection; the callback runs on that
// thread (the session cache is thread-safe). After a lost connection it reconnects and reports
// `resync`, since notifications may have been missed.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "marketsim/core/task_board.hpp"

namespace marketsim::db {

inline constexpr const char* sessions_channel = "marketsim_sessions";
// Players' trade updates, sent by whichever instance ran the order (db/orders.hpp,
// db/tick_processing.hpp).
inline constexpr const char* trades_channel = "marketsim_trades";
// Every fill, public, for the tape (db/trade_writes.cpp sends it, db/tape_events.hpp reads it).
inline constexpr const char* tape_channel = "marketsim_tape";

class change_listener {
 public:
  // Where it reports its progress (the admin's runtime view); its thread already runs.
  void report_to(task_board::task& t) { task_.store(&t); }
  struct callbacks {
    // "session:<hex>", "user:<id>" or "apikey:<key id>"
    std::function<void(std::string_view payload)> changed;
    // {"user": id, "event": "trade_update", "data": {...}}; may be empty
    std::function<void(std::string_view payload)> trade;
    // one fill: {"id", "symbol", "price" (e4), "qty", "taker", "market_ms", "buyer", "seller",
    // "previous_id"}; may be empty
    std::function<void(std::string_view payload)> tape;
    std::function<void()> resync;  // (re)connected: anything may have changed meanwhile
  };
  change_listener(std::string connection_string, callbacks cb);
  ~change_listener();
  change_listener(const change_listener&) = delete;
  change_listener& operator=(const change_listener&) = delete;
  void stop();

 private:
  void run();
  std::string connection_string_;
  callbacks cb_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::atomic<task_board::task*> task_{nullptr};
};

}  // namespace marketsim::db
