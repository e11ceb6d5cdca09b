// The database pool: a fixed set of worker threads, each owning one libpqxx connection.
// libpqxx is blocking, so io threads never call it: a coroutine hands a job to the pool and
// co_awaits the result, which is posted back to the coroutine's executor. A worker whose
// connection broke reconnects on its next job, so the pool recovers by itself after an outage.
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/core/metrics.hpp"

namespace pqxx {
class connection_base;
}

namespace marketsim::db {

using connection = pqxx::connection_base;
using job_fn = std::function<void(connection&)>;

// The connection string with libpq's application_name set, so pg_stat_activity and the
// server's log name the instance and pool behind each session ("marketsim host:42 requests"):
// a URI gets a query parameter, a keyword/value string a keyword.
[[nodiscard]] std::string with_application_name(const std::string& connection_string,
                                                std::string_view name);

class pool {
 public:
  pool(std::string connection_string, int size, std::size_t max_queued = 10'000);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  // Callers: pass lambdas that capture by reference (or trivially destructible values) when the
  // call sits inside a co_await expression. GCC 12 destroys such temporaries twice, which only
  // trivially destructible captures survive; otherwise build the job in a named variable first.
  //
  // Runs `work` on a pool thread. libpqxx exceptions become errors: a broken connection is
  // errc::unavailable, a unique violation errc::conflict, anything else errc::database_error.
  // A full queue is errc::unavailable.
  // `first`: ahead of every job already waiting (latency-bound work that others must not queue
  // in front of, like the tick's order processing behind a burst of account reads).
  enum class place { last, first };
  [[nodiscard]] boost::asio::awaitable<result<void>> execute(job_fn work,
                                                             place where = place::last);

  // Convenience: work returns a value.
  template <class F>
  [[nodiscard]] boost::asio::awaitable<result<std::invoke_result_t<F&, connection&>>> query(
      F work) {
    using value_t = std::invoke_result_t<F&, connection&>;
    std::optional<value_t> out;
    job_fn job = [&](connection& c) { out.emplace(work(c)); };
    auto done = co_await execute(std::move(job));
    if (!done) co_return std::unexpected(done.error());
    // in_place: value_t may itself be a result, which must not be taken for a conversion.
    co_return result<value_t>(std::in_place, std::move(*out));
  }

  // Runs `work` on a pool thread and then calls `done` there with its outcome (the errors as
  // execute gives them); a full queue or a stopping pool calls `done` at once, on the caller's
  // thread. For components that complete their own waiters (db::order_batches).
  void submit(job_fn work, std::function<void(result<void>)> done);

  // Blocking variant for start-up and shutdown code on non-io threads.
  [[nodiscard]] result<void> execute_blocking(job_fn work);

  void stop();  // finishes queued jobs, then joins the workers
  // Jobs run so far (tests count them: a forged cookie must cost none).
  [[nodiscard]] std::uint64_t jobs_run() const { return jobs_run_.load(); }
  // For GET /metrics (any thread): jobs running and waiting now, failed jobs (by cause) and
  // connections made again after one broke, and each job's wait in the queue.
  struct stats {
    std::size_t size = 0, in_use = 0, queued = 0;
    std::uint64_t jobs = 0, errors = 0, unavailable = 0, refused = 0, reconnects = 0;
  };
  [[nodiscard]] stats snapshot() const;
  // Each job's wait from enqueue to a worker taking it, from now on.
  void observe_waits(metrics::histogram& waits) { waits_.store(&waits); }

 private:
  struct job {
    job_fn work;
    std::function<void(result<void>)> done;
    std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();
  };
  void enqueue(job j, place where = place::last);
  void worker_loop();

  std::string connection_string_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stopping_ = false;
  // Bumped when any worker finds its connection broken: the others then reconnect before their
  // next job instead of each failing once on a stale connection after an outage.
  std::atomic<std::uint64_t> broken_generation_{0};
  std::atomic<std::uint64_t> jobs_run_{0};
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> errors_{0};       // database errors (not a unique violation)
  std::atomic<std::uint64_t> unavailable_{0};  // failed for a connection lost or not made
  std::atomic<std::uint64_t> refused_{0};      // a full queue or a stopping pool
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<metrics::histogram*> waits_{nullptr};  // set once, read by the workers
  std::vector<std::thread> workers_;
};

}  // namespace marketsim::db
