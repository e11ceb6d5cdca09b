// Group commit's waiting room (db/order_batches.hpp) without a database: orders beyond the cap
// on waiting orders are refused at once with errc::unavailable while many clients place at the
// same moment (the count is checked and taken under one lock, so no burst overshoots it), and a
// batch that can never run (the pool refuses it) answers every order waiting behind it instead
// of leaving them hanging. The orders never reach PostgreSQL here: the pool has no workers, or,
// where the batches must run, a fake pool runs them on threads of its own with a watcher in
// place of the database, which checks the batches' limits under a burst of submitters: at most
// 64 orders a batch, at most max_jobs batches at once, a symbol in one running batch at most,
// and one answer, its own, for every submitter.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "marketsim/db/order_batches.hpp"

using namespace marketsim;
namespace asio = boost::asio;

namespace {

struct batch_tally {
  std::atomic<int> answered{0};
  std::atomic<int> unavailable{0};
};

// A plain function, not a capturing lambda: the frame owns its parameters.
asio::awaitable<void> place_one(db::order_batches& batches, std::string symbol, batch_tally* t) {
  trading::order_request req;
  req.symbol = std::move(symbol);
  req.qty = 1;
  const db::trading_repo::player who{1, 1};
  const db::trading_repo::market_view mv;
  auto r = co_await batches.place(who, req, mv);
  ++t->answered;
  if (!r && r.error().code == errc::unavailable) ++t->unavailable;
}

void run_threads(asio::io_context& ioc, int threads, std::chrono::milliseconds for_how_long) {
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back([&] { ioc.run_for(for_how_long); });
  for (auto& w : workers) w.join();
}

// The pool's side without a database: each job runs on a thread of its own pool (more threads
// than any max_jobs here, so order_batches' own cap is the only one) and then its completion, as
// db::pool runs them, but none before release(), so a test can have every order waiting first.
// The connection is libpqxx's null one, which the watcher never touches.
class fake_pool {
 public:
  explicit fake_pool(int threads) : threads_(threads), released_(release_.get_future().share()) {}
  ~fake_pool() { join(); }
  db::order_batches::submit_fn submit() {
    return [this](db::job_fn work, db::order_batches::done_fn done) {
      asio::post(threads_, [this, work = std::move(work), done = std::move(done)] {
        released_.wait();
        work(connection_);
        done({});
      });
    };
  }
  void release() { release_.set_value(); }
  void join() { threads_.join(); }

 private:
  asio::thread_pool threads_;
  std::promise<void> release_;
  std::shared_future<void> released_;
  pqxx::nullconnection connection_;
};

// Stands in for trading_repo::place_orders: records what each batch holds and what runs beside
// it, and answers each order with its own client_order_id. Each of the first `gate` batches waits
// (up to 5 s) until `gate` batches run at once: with order_batches starting them as it should,
// that is at once, and the peak is then reached for certain, not by luck of timing. Every batch
// is then held a little longer, so the next ones pile up behind it.
struct batch_watch {
  int gate = 0;
  std::chrono::milliseconds hold{2};
  std::mutex mutex;
  std::condition_variable more_running;
  std::multiset<std::string> running_symbols;
  int running = 0, peak_running = 0;
  int batches = 0, full_batches = 0, symbol_clashes = 0;
  std::size_t largest = 0;

  db::order_batches::run_fn runner() {
    return [this](db::connection&, std::vector<db::trading_repo::order_ticket>& tickets) {
      std::set<std::string> symbols;
      for (const auto& t : tickets) symbols.insert(t.req.symbol);
      {
        std::unique_lock lock(mutex);
        const int number = ++batches;
        peak_running = std::max(peak_running, ++running);
        largest = std::max(largest, tickets.size());
        if (tickets.size() == 64) ++full_batches;
        for (const auto& s : symbols) {
          if (running_symbols.contains(s)) ++symbol_clashes;
          running_symbols.insert(s);
        }
        more_running.notify_all();
        if (number <= gate)
          more_running.wait_for(lock, std::chrono::seconds(5), [&] { return running >= gate; });
      }
      std::this_thread::sleep_for(hold);
      for (auto& t : tickets) {
        trading::order_record o;
        o.client_order_id = t.req.client_order_id;
        o.symbol = t.req.symbol;
        t.outcome = db::trading_repo::placed{std::move(o)};
      }
      std::lock_guard lock(mutex);
      --running;
      for (const auto& s : symbols) running_symbols.erase(running_symbols.find(s));
    };
  }
};

// What each submitter got back: how many answers, and whether each was its own order.
struct answers {
  explicit answers(int n) : count(n) {}
  std::vector<std::atomic<int>> count;
  std::atomic<int> total{0};
  std::atomic<int> foreign_or_failed{0};
};

// One submitter: `rounds` orders of `symbol`, each placed as soon as the one before is answered,
// as a client that waits for its acknowledgement does; the orders are numbered from `first`.
asio::awaitable<void> submitter(db::order_batches& batches, std::string symbol, int first,
                                int rounds, answers* got) {
  const db::trading_repo::player who{1, 1};
  const db::trading_repo::market_view mv;
  for (int id = first; id < first + rounds; ++id) {
    trading::order_request req;
    req.symbol = symbol;
    req.qty = 1;
    req.client_order_id = "c" + std::to_string(id);
    auto r = co_await batches.place(who, req, mv);
    if (!r || r->order.client_order_id != req.client_order_id || r->order.symbol != req.symbol)
      ++got->foreign_or_failed;
    ++got->count[id];
    ++got->total;
  }
}

// `submitters` submitters over `symbols` symbols. Each one's first order is waiting before the
// pool runs anything (they are all in place() at once); the later rounds arrive while batches
// run. 4 io threads run until every order is answered or 60 s passed; then the pool is drained
// and whatever it posted is run, so a late second answer would still be counted.
void crowd(db::order_batches& batches, fake_pool& pool, int submitters, int rounds, int symbols,
           answers& got) {
  asio::io_context ioc;
  for (int i = 0; i < submitters; ++i)
    asio::co_spawn(ioc,
                   submitter(batches, "S" + std::to_string(i % symbols), i * rounds, rounds, &got),
                   asio::detached);
  ioc.poll();  // each submitter runs up to its first answer: its order waits
  pool.release();
  auto guard = asio::make_work_guard(ioc);
  std::vector<std::thread> io;
  for (int i = 0; i < 4; ++i) io.emplace_back([&] { ioc.run(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.total.load() < submitters * rounds && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  guard.reset();
  for (auto& t : io) t.join();
  pool.join();
  ioc.restart();
  ioc.poll();
}

// A crowd on order_batches{64 orders a batch, 10,000 waiting, 4 jobs} and the fake pool, the
// watcher gating its first `gate` batches; once constructed, everything has run and stopped.
struct crowd_run {
  crowd_run(int gate, int submitters, int rounds, int symbols) : got(submitters * rounds) {
    watch.gate = gate;
    crowd(batches, pool, submitters, rounds, symbols, got);
  }
  fake_pool pool{8};
  batch_watch watch;
  db::order_batches batches{pool.submit(), watch.runner(), 64, 10'000, 4};
  answers got;
};

// What every run must show: no batch over 64 orders, and (so that this could fail) some of
// exactly 64; no symbol in two running batches; every order answered exactly once, with its own
// order, and counted once by order_batches.
void expect_limits_kept(const crowd_run& run) {
  const auto& w = run.watch;
  EXPECT_LE(w.largest, 64u);
  EXPECT_GT(w.full_batches, 0);
  EXPECT_EQ(w.symbol_clashes, 0);
  EXPECT_EQ(w.running, 0);
  EXPECT_EQ(run.got.total.load(), static_cast<int>(run.got.count.size()));
  EXPECT_EQ(run.got.foreign_or_failed.load(), 0);
  int not_once = 0;
  for (const auto& c : run.got.count) not_once += c.load() != 1;
  EXPECT_EQ(not_once, 0);
  EXPECT_EQ(run.batches.orders(), run.got.count.size());
  EXPECT_EQ(run.batches.batches(), static_cast<std::uint64_t>(w.batches));
}

}  // namespace

TEST(OrderBatches, OrdersBeyondTheWaitingCapAreRefusedAtOnceUnderABurst) {
  asio::io_context ioc;
  // No workers: the first batch of each symbol stays queued, so every order after it waits.
  db::pool pool{"", 0, 100};
  db::order_batches batches{pool, 64, 25};
  batch_tally t;
  const char* symbols[] = {"AAPL", "MSFT", "IBM"};
  for (int i = 0; i < 200; ++i)
    asio::co_spawn(ioc, place_one(batches, symbols[i % 3], &t), asio::detached);
  run_threads(ioc, 4, std::chrono::milliseconds(300));
  // 25 wait (across all symbols together); the other 175 were answered, all unavailable.
  EXPECT_EQ(t.answered.load(), 175);
  EXPECT_EQ(t.unavailable.load(), 175);
  EXPECT_EQ(batches.batches(), 0u);
}

TEST(OrderBatches, ABatchThePoolRefusesAnswersEveryOrderWaitingBehindIt) {
  asio::io_context ioc;
  db::pool pool{"", 0, 0};  // refuses every job: the queue holds none
  db::order_batches batches{pool};
  batch_tally t;
  for (int i = 0; i < 50; ++i) asio::co_spawn(ioc, place_one(batches, "AAPL", &t), asio::detached);
  run_threads(ioc, 2, std::chrono::milliseconds(300));
  EXPECT_EQ(t.answered.load(), 50);
  EXPECT_EQ(t.unavailable.load(), 50);
}

TEST(OrderBatches, ABurstRunsMaxJobsBatchesAtOnceNeverMoreAndNoneOverfilled) {
  // 3,000 orders of 12 symbols, all waiting when the pool starts: far more than 4 jobs' worth,
  // so every free job has a full batch to take.
  crowd_run run(4, 3000, 1, 12);
  expect_limits_kept(run);
  // The cap is reached, not just respected.
  EXPECT_LE(run.watch.peak_running, 4);
  EXPECT_EQ(run.watch.peak_running, 4);
}

TEST(OrderBatches, ACrowdPlacingAgainOnEachAnswerKeepsEveryLimit) {
  // 600 submitters, each placing its next order as soon as the last is answered (5 each).
  crowd_run run(0, 600, 5, 12);
  expect_limits_kept(run);
  EXPECT_LE(run.watch.peak_running, 4);
  EXPECT_GT(run.watch.peak_running, 1);
}

TEST(OrderBatches, ASymbolIsNeverInTwoRunningBatchesEvenWithJobsToSpare) {
  // Two symbols and four jobs: were a busy symbol taken again, a third and a fourth batch would
  // run beside the first two and share their symbols. Only the symbol rule holds them back.
  crowd_run run(2, 1000, 1, 2);
  expect_limits_kept(run);
  EXPECT_EQ(run.watch.peak_running, 2);
}
