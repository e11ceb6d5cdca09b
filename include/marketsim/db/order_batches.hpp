// Group commit for new orders. Orders of one symbol that arrive while that symbol's previous
// batch is running wait together and run as the next batch: one transaction, in arrival order,
// each exactly as alone (db::trading_repo::place_orders), and each answered only after that
// transaction committed. A symbol has at most one batch queued or running on the pool at a time,
// so one busy symbol takes one pool thread and the others stay free for other symbols; across
// instances the symbol's row lock still serializes the batches. place() is called on io threads
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
#include <string>

#include "marketsim/db/orders.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db {

class order_batches {
 public:
  // `max_batch`: orders per transaction; `max_waiting`: orders waiting in all symbols together,
  // beyond which a new order is refused at once as unavailable (503) with nothing stored.
  explicit order_batches(pool& p, std::size_t max_batch = 64, std::size_t max_waiting = 10'000)
      : pool_(p), max_batch_(max_batch), max_waiting_(max_waiting) {}
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

 private:
  struct waiting {
    trading_repo::order_ticket ticket;
    std::function<void(result<trading_repo::placed>)> done;
  };
  void enqueue(waiting w);
  void start(const std::string& symbol);  // submits the symbol's next batch to the pool
  // Answers a batch's orders and starts the symbol's next one. `taken`: the batch (private).
  void finish(const std::string& symbol, std::shared_ptr<void> taken, result<void> ran);

  pool& pool_;
  std::size_t max_batch_;
  std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<waiting>> queues_;  // a symbol present: its batch is on the pool
  std::size_t waiting_ = 0;
  std::uint64_t batches_ = 0, orders_ = 0;
};

}  // namespace marketsim::db
