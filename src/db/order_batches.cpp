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
  bool started = false;
  std::vector<std::string> symbols;  // marked busy while the batch runs
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
  const auto started = std::chrono::steady_clock::now();
  auto answer = co_await asio::async_initiate<decltype(asio::use_awaitable), void(result<placed>)>(
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
  if (latency_)
    latency_->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (outcomes_)
    outcomes_
        ->with(
            {answer ? trading::status_name(answer->order.status) : code_name(answer.error().code)})
        .inc();
  co_return answer;
}

void order_batches::enqueue(waiting w) {
  const std::string symbol = w.ticket.req.symbol;
  bool go = false;
  {
    std::unique_lock lock(mutex_);
    if (waiting_ >= max_waiting_) {
      lock.unlock();
      w.done(fail(errc::unavailable, "too many orders waiting; try again"));
      return;
    }
    queues_[symbol].push_back(std::move(w));
    ++waiting_;
    go = should_start();
  }
  if (go) start();
}

bool order_batches::should_start() {
  // A job already submitted and not started will take this order when it starts; otherwise a
  // new job is worth it when some symbol with waiting orders has no batch running.
  if (unstarted_ > 0 || jobs_ >= max_jobs_) return false;
  for (const auto& [symbol, q] : queues_)
    if (!q.empty() && !busy_.contains(symbol)) {
      ++jobs_;
      ++unstarted_;
      return true;
    }
  return false;
}

void order_batches::start() {
  auto taken = std::make_shared<batch>();
  submit_(
      [this, taken](connection& c) {
        bool go = false;
        {
          // Taken when the job starts, not when it was queued: whatever arrived meanwhile rides
          // along, from every symbol that has no batch running.
          std::lock_guard lock(mutex_);
          --unstarted_;
          taken->started = true;
          for (auto it = queues_.begin(); it != queues_.end();) {
            auto& [symbol, q] = *it;
            if (taken->tickets.size() >= max_batch_) break;
            if (q.empty() || busy_.contains(symbol)) {
              it = q.empty() ? queues_.erase(it) : std::next(it);
              continue;
            }
            busy_.insert(symbol);
            taken->symbols.push_back(symbol);
            while (!q.empty() && taken->tickets.size() < max_batch_) {
              taken->tickets.push_back(std::move(q.front().ticket));
              taken->answers.push_back(std::move(q.front().done));
              q.pop_front();
              --waiting_;
            }
            it = q.empty() ? queues_.erase(it) : std::next(it);
          }
          // A full batch leaves orders waiting, perhaps of symbols with no batch running: while
          // this job was unstarted no other could start for them, so start the next one now
          // rather than at the next order or finish, or free jobs would idle while they wait.
          go = should_start();
        }
        if (go) start();
        if (!taken->tickets.empty()) run_(c, taken->tickets);
      },
      [this, taken](result<void> ran) { finish(taken, std::move(ran)); });
}

void order_batches::finish(std::shared_ptr<void> taken_any, result<void> ran) {
  auto taken = std::static_pointer_cast<batch>(taken_any);
  std::vector<waiting> refused;
  bool go = false;
  {
    std::lock_guard lock(mutex_);
    --jobs_;
    if (!taken->started) {
      // The job never ran (the pool is stopping or full, or had no connection): the orders of
      // every symbol without a batch running get that answer now, or they would wait for a
      // job that never comes.
      --unstarted_;
      for (auto it = queues_.begin(); it != queues_.end();) {
        if (busy_.contains(it->first)) {
          ++it;
          continue;
        }
        for (auto& w : it->second) refused.push_back(std::move(w));
        waiting_ -= it->second.size();
        it = queues_.erase(it);
      }
    } else {
      for (const auto& symbol : taken->symbols) busy_.erase(symbol);
      if (!taken->answers.empty()) {
        ++batches_;
        orders_ += taken->answers.size();
      }
      go = should_start();
    }
  }
  for (auto& w : refused)
    w.done(std::unexpected(ran ? error{errc::unavailable, "database unavailable"} : ran.error()));
  for (std::size_t i = 0; i < taken->answers.size(); ++i)
    taken->answers[i](ran ? std::move(taken->tickets[i].outcome)
                          : result<placed>(std::unexpected(ran.error())));
  if (go) start();
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
