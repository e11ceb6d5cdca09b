// Group commit for new orders (see order_batches.hpp). place() on io threads, the batches and
// their completions on db::pool threads; mutex_ guards the queues and counters.
#include "marketsim/db/order_batches.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>
#include <vector>

namespace marketsim::db {

namespace asio = boost::asio;
using trading_repo::placed;

namespace {
// One batch as the pool runs it: the tickets (with their outcomes once run) and how to answer
// each.
struct batch {
  std::vector<trading_repo::order_ticket> tickets;
  std::vector<std::function<void(result<placed>)>> answers;
};
}  // namespace

asio::awaitable<result<placed>> order_batches::place(const trading_repo::player& who,
                                                     const trading::order_request& req,
                                                     const trading_repo::market_view& mv) {
  // The ticket lives in this frame until the answer resumes it; the initiation only captures a
  // reference (GCC 12 destroys non-trivial temporaries of a co_await expression twice).
  trading_repo::order_ticket ticket{who, req, mv, fail(errc::internal, "not placed")};
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(result<placed>)>(
      [this, &ticket](auto handler) {
        // The handler is move-only; the answer must be copyable for std::function.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        enqueue(waiting{std::move(ticket), [shared](result<placed> r) {
                          auto ex = asio::get_associated_executor(*shared);
                          asio::post(ex, [shared, r = std::move(r)]() mutable {
                            (*shared)(std::move(r));
                          });
                        }});
      },
      asio::use_awaitable);
}

void order_batches::enqueue(waiting w) {
  const std::string symbol = w.ticket.req.symbol;
  bool first = false;
  {
    std::unique_lock lock(mutex_);
    if (waiting_ >= max_waiting_) {
      lock.unlock();
      w.done(fail(errc::unavailable, "too many orders waiting; try again"));
      return;
    }
    auto [it, inserted] = queues_.try_emplace(symbol);
    it->second.push_back(std::move(w));
    ++waiting_;
    first = inserted;
  }
  if (first) start(symbol);
}

void order_batches::start(const std::string& symbol) {
  auto taken = std::make_shared<batch>();
  pool_.submit(
      [this, symbol, taken](connection& c) {
        {
          // Taken when the job starts, not when it was queued: whatever arrived meanwhile rides
          // along.
          std::lock_guard lock(mutex_);
          auto& q = queues_[symbol];
          while (!q.empty() && taken->tickets.size() < max_batch_) {
            taken->tickets.push_back(std::move(q.front().ticket));
            taken->answers.push_back(std::move(q.front().done));
            q.pop_front();
            --waiting_;
          }
        }
        trading_repo::place_orders(c, taken->tickets);
      },
      [this, symbol, taken](result<void> ran) { finish(symbol, taken, std::move(ran)); });
}

void order_batches::finish(const std::string& symbol, std::shared_ptr<void> taken_any,
                           result<void> ran) {
  auto taken = std::static_pointer_cast<batch>(taken_any);
  if (!ran && taken->answers.empty()) {
    // The batch never ran (the pool is stopping or full, or no connection): every order of
    // the symbol gets that answer now, or they would wait for a batch that never comes.
    std::deque<waiting> q;
    {
      std::lock_guard lock(mutex_);
      auto it = queues_.find(symbol);
      if (it != queues_.end()) {
        q = std::move(it->second);
        waiting_ -= q.size();
        queues_.erase(it);
      }
    }
    for (auto& w : q) w.done(std::unexpected(ran.error()));
    return;
  }
  for (std::size_t i = 0; i < taken->answers.size(); ++i)
    taken->answers[i](ran ? std::move(taken->tickets[i].outcome)
                          : result<placed>(std::unexpected(ran.error())));
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    ++batches_;
    orders_ += taken->answers.size();
    auto it = queues_.find(symbol);
    if (it != queues_.end() && it->second.empty())
      queues_.erase(it);
    else
      more = it != queues_.end();
  }
  if (more) start(symbol);
}

std::uint64_t order_batches::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::uint64_t order_batches::orders() const {
  std::lock_guard lock(mutex_);
  return orders_;
}

}  // namespace marketsim::db
