// The server's metrics for GET /metrics (issue 13; docs/operations.md lists them all): the
// families the request path, the pools, the flusher and the order path record into, the
// collectors that read the other subsystems' counts at scrape time, the process's own figures
// (CPU, memory, open files, from /proc), and the event-loop lag monitor. Built by the
// application on the main thread before the io threads run; recorded into from any thread.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "marketsim/core/metrics.hpp"
#include "marketsim/core/task_board.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim {
namespace http {
class server;
}
namespace sse {
class hub;
}
namespace db {
class pool;
class history_flusher;
}  // namespace db
namespace market {
class feed;
class history_buffer;
}  // namespace market
namespace auth {
class hash_pool;
}
namespace api {
struct account_metrics;
}
namespace rules {
struct engine_counts;
}
}  // namespace marketsim

namespace marketsim::app {

// What the collectors read at scrape time (each a thread-safe, non-blocking count).
struct collected {
  const http::server& server;
  const sse::hub& hub;
  const db::pool& requests;
  const db::pool& background;
  const market::feed& feed;
  const market::history_buffer& history;
  const db::history_flusher& flusher;
  const auth::hash_pool& hashes;
  const api::account_metrics& accounts;
  const rules::engine_counts& rules;
};
void register_collectors(metrics::registry& reg, const collected& from);

class server_metrics {
 public:
  server_metrics();
  [[nodiscard]] metrics::registry& registry() { return registry_; }

  // An answer written (http::middleware::observe): by method, route pattern and status.
  void observe_request(const http::request_context& ctx, int status, double seconds);

  // The io threads' event-loop lag: a timer due every `every`, and how late it ran, labelled
  // with the io thread that ran it (one watcher per io thread keeps every thread sampled). A
  // lateness beyond `slow` is logged: a handler held an io thread that long without yielding.
  // Runs until cancelled.
  [[nodiscard]] boost::asio::awaitable<void> watch_loop(std::chrono::milliseconds every,
                                                        std::chrono::milliseconds slow);
  // Names the calling thread as io thread `index` (each io thread, before it runs the loop).
  static void name_io_thread(int index);

  // Process figures read from /proc at scrape time (cheap procfs reads).
  void collect_process();

  // The answer to GET /metrics.
  [[nodiscard]] http::response scrape() const;

  // Each io thread's loop lag over its last 100 samples (10 s): the last and the largest.
  struct lag_view {
    int thread = 0;
    double last_ms = 0, max_ms = 0;
  };
  [[nodiscard]] std::vector<lag_view> loop_lags() const;

 private:
  metrics::registry registry_;
  // Tells this instance's entries in the per-thread cache of request children apart from
  // those of an instance that lived before at the same address.
  std::uint64_t generation_;
  metrics::family<metrics::counter>& requests_;
  metrics::family<metrics::histogram>& request_seconds_;
  metrics::family<metrics::histogram>& loop_lag_;
  mutable std::mutex lags_mutex_;
  std::map<int, std::deque<double>> lags_;  // thread → recent lateness, seconds
};

// GET /api/admin/runtime: the server seen from inside, now (io thread; nothing blocks).
struct runtime_sources {
  const collected& counts;
  const server_metrics& metrics;
  const task_board& tasks;
  std::chrono::steady_clock::time_point started;
};
[[nodiscard]] nlohmann::json runtime_view(const runtime_sources& from);

}  // namespace marketsim::app
