// Group commit for new orders. Orders that arrive while earlier batches run wait together and
// run as the next batch: one transaction, each symbol's orders in arrival order, each order
// exactly as alone (db::trading_repo::place_orders), and each answered only after that
// transaction committed. A batch takes the waiting orders of every symbol that has no batch
// running (so a symbol is in at most one batch at a time, and a quiet market of many symbols
// still shares its transactions); at most `max_jobs` batches are on the pool at once. Across
// instances the symbols' row locks still serialize the batches. place() is called on io threads
// (its caller resumes on its own executor); the batches run on db::pool threads; one mutex
// guards the waiting orders.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "marketsim/db/orders.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db {

class order_batches {
 public:
  using done_fn = std::function<void(result<void>)>;
  using submit_fn = std::function<void(job_fn, done_fn)>;
  using run_fn = std::function<void(connection&, std::vector<trading_repo::order_ticket>&)>;

  // `max_batch`: orders per transaction; `max_waiting`: orders waiting in all symbols together,
  // beyond which a new order is refused at once as unavailable (503) with nothing stored.
  // `max_jobs`: batches on the pool at once (its connection count, so requests of other kinds
  // still get through between them).
  explicit order_batches(pool& p, std::size_t max_batch = 64, std::size_t max_waiting = 10'000,
                         int max_jobs = 4)
      : order_batches(
            [&p](job_fn work, done_fn done) { p.submit(std::move(work), std::move(done)); },
            trading_repo::place_orders, max_batch, max_waiting, max_jobs) {}
  // How a batch reaches the database, for tests that watch the batches without one: `submit`
  // hands a job and its completion over as pool::submit does, `run` places a batch's orders on
  // the job's connection as trading_repo::place_orders does.
  order_batches(submit_fn submit, run_fn run, std::size_t max_batch, std::size_t max_waiting,
                int max_jobs)
      : submit_(std::move(submit)),
        run_(std::move(run)),
        max_batch_(max_batch),
        max_waiting_(max_waiting),
        max_jobs_(max_jobs) {}
  order_batches(const order_batches&) = delete;
  order_batches& operator=(const order_batches&) = delete;

  // The arguments are read before the first suspension point and must outlive the call (the
  // caller awaits it).
  [[nodiscard]] boost::asio::awaitable<result<trading_repo::placed>> place(
      const trading_repo::player& who, const trading::order_request& req,
      const trading_repo::market_view& mv);

  // Counters for tests and logs: transactions run and orders they carried.
  [[nodiscard]] std::uint64_t batches() const;
  [[nodiscard]] std::uint64_t orders() const;
  // GET /metrics: each place()'s time to its answer, and answers by the order's status or the
  // refusal's code. Set before the first order.
  void observe(metrics::histogram& latency, metrics::family<metrics::counter>& outcomes) {
    latency_ = &latency;
    outcomes_ = &outcomes;
  }

 private:
  struct waiting {
    trading_repo::order_ticket ticket;
    std::function<void(result<trading_repo::placed>)> done;
  };
  void enqueue(waiting w);
  // Under mutex_: whether to submit a job now (and counts it if so).
  bool should_start();
  void start();  // submits a job that takes what is waiting when it starts
  // Answers a batch's orders and starts the next job if one is due. `taken`: the batch.
  void finish(std::shared_ptr<void> taken, result<void> ran);

  submit_fn submit_;
  run_fn run_;
  std::size_t max_batch_;
  std::size_t max_waiting_;
  mutable std::mutex mutex_;
  int max_jobs_;
  std::map<std::string, std::deque<waiting>> queues_;  // waiting orders by symbol
  std::set<std::string> busy_;                         // symbols in a batch that runs
  int jobs_ = 0;                                       // submitted and not finished
  int unstarted_ = 0;                                  // submitted and not started
  std::size_t waiting_ = 0;
  std::uint64_t batches_ = 0, orders_ = 0;
  metrics::histogram* latency_ = nullptr;
  metrics::family<metrics::counter>* outcomes_ = nullptr;
};

}  // namespace marketsim::db
