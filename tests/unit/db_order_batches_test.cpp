// Group commit's waiting room (db/order_batches.hpp) without a database: orders beyond the cap
// on waiting orders are refused at once with errc::unavailable while many clients place at the
// same moment (the count is checked and taken under one lock, so no burst overshoots it), and a
// batch that can never run (the pool refuses it) answers every order waiting behind it instead
// of leaving them hanging. The orders never reach PostgreSQL here: the pool has no workers.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "marketsim/db/order_batches.hpp"

using namespace marketsim;
namespace asio = boost::asio;

namespace {

struct tally {
  std::atomic<int> answered{0};
  std::atomic<int> unavailable{0};
};

// A plain function, not a capturing lambda: the frame owns its parameters.
asio::awaitable<void> place_one(db::order_batches& batches, std::string symbol, tally* t) {
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

}  // namespace

TEST(OrderBatches, OrdersBeyondTheWaitingCapAreRefusedAtOnceUnderABurst) {
  asio::io_context ioc;
  // No workers: the first batch of each symbol stays queued, so every order after it waits.
  db::pool pool{"", 0, 100};
  db::order_batches batches{pool, 64, 25};
  tally t;
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
  tally t;
  for (int i = 0; i < 50; ++i) asio::co_spawn(ioc, place_one(batches, "AAPL", &t), asio::detached);
  run_threads(ioc, 2, std::chrono::milliseconds(300));
  EXPECT_EQ(t.answered.load(), 50);
  EXPECT_EQ(t.unavailable.load(), 50);
}
