// The password hashing pool (auth/hash_pool.hpp), with coroutines co_spawned on an io_context:
// run() returns the job's value (a result stays nested, not unwrapped), a full queue refuses
// at once with errc::busy while one job blocks the only thread, no more jobs run at once than
// there are threads, and a stopped pool refuses everything. Blocking jobs wait on a promise the
// test releases; waits for progress are bounded so a bug fails instead of hanging.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "marketsim/auth/hash_pool.hpp"
#include "marketsim/auth/password.hpp"

using namespace marketsim;
using namespace marketsim::auth;
namespace asio = boost::asio;

namespace {

struct tally {
  int done = 0;
  int ok = 0;
  int busy = 0;
  int other = 0;
};

// Plain functions, not capturing lambdas: the frame owns its parameters.
asio::awaitable<void> run_value(hash_pool& pool, int* out) {
  auto r = co_await pool.run([] { return 6 * 7; });
  *out = r ? *r : -1;
}

asio::awaitable<void> run_blocking(hash_pool& pool, std::shared_future<void> gate,
                                   std::atomic<int>* running, tally* t,
                                   std::function<void()> on_busy) {
  // Captures only pointers; WorkWithNonTrivialCapturesIsDestroyedOnce covers owning captures.
  const std::shared_future<void>* g = &gate;
  auto r = co_await pool.run([g, running] {
    ++*running;
    g->wait();
    --*running;
    return 1;
  });
  ++t->done;
  if (r) {
    ++t->ok;
  } else if (r.error().code == errc::busy) {
    ++t->busy;
    on_busy();
  } else {
    ++t->other;
  }
}

// The same, counted against `client`'s share; refusals over the share count as `other`.
asio::awaitable<void> run_shared(hash_pool& pool, std::string client, std::shared_future<void> gate,
                                 tally* t) {
  const std::shared_future<void>* g = &gate;
  auto r = co_await pool.run(std::move(client), [g] {
    g->wait();
    return 1;
  });
  ++t->done;
  if (r)
    ++t->ok;
  else if (r.error().code == errc::too_many_requests)
    ++t->other;
  else
    ++t->busy;
}

// Runs the io_context until `finished` or a generous deadline (a safety net, not a timing check).
template <class Pred>
void run_until(asio::io_context& ioc, Pred finished) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!finished() && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(std::chrono::milliseconds(50));
    if (ioc.stopped()) ioc.restart();
  }
}

}  // namespace

TEST(AuthHashPool, RunReturnsTheValue) {
  hash_pool pool(2, 8);
  asio::io_context ioc;
  int out = 0;
  asio::co_spawn(ioc, run_value(pool, &out), asio::detached);
  ioc.run();
  EXPECT_EQ(out, 42);
  auto s = pool.snapshot();
  EXPECT_EQ(s.threads, 2);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.rejected, 0u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.queued, 0u);
}

TEST(AuthHashPool, ResultValuesStayNested) {
  hash_pool pool(1, 4);
  asio::io_context ioc;
  std::optional<result<result<std::string>>> hashed;
  std::optional<result<bool>> verified;
  asio::co_spawn(
      ioc,
      [](hash_pool& p, std::optional<result<result<std::string>>>* h,
         std::optional<result<bool>>* v) -> asio::awaitable<void> {
        auto params = params_for(hash_strength::test_minimal);
        result<result<std::string>> r =
            co_await p.run([params] { return hash_password("pool password", params); });
        std::string stored = (r && *r) ? **r : std::string();
        *h = std::move(r);
        const std::string* sp = &stored;
        *v = co_await p.run([sp] { return verify_password(*sp, "pool password"); });
      }(pool, &hashed, &verified),
      asio::detached);
  ioc.run();
  ASSERT_TRUE(hashed);
  ASSERT_TRUE(*hashed);   // the pool accepted the job
  ASSERT_TRUE(**hashed);  // hashing succeeded
  EXPECT_TRUE((***hashed).starts_with("$argon2id$"));
  ASSERT_TRUE(verified);
  ASSERT_TRUE(*verified);
  EXPECT_TRUE(**verified);
  EXPECT_EQ(pool.snapshot().completed, 2u);
}

TEST(AuthHashPool, FullQueueRefusesWithBusy) {
  asio::io_context ioc;  // outlives the pool, whose threads post to it
  hash_pool pool(1, 1);
  std::promise<void> gate;
  std::shared_future<void> gate_future = gate.get_future().share();
  std::atomic<bool> released{false};
  auto release = [&] {
    if (!released.exchange(true)) gate.set_value();
  };
  std::atomic<int> running{0};
  tally t;
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(ioc, run_blocking(pool, gate_future, &running, &t, release), asio::detached);
  // One job runs (blocked), one waits in the queue, the third cannot be queued: its refusal
  // arrives while the others are still blocked, and releases them.
  run_until(ioc, [&] { return t.busy > 0; });
  EXPECT_GE(t.busy, 1) << "no job was refused while the only thread was blocked";
  EXPECT_LE(running.load(), 1);
  release();  // in case nothing was refused
  run_until(ioc, [&] { return t.done == 3; });
  ASSERT_EQ(t.done, 3);
  EXPECT_EQ(t.other, 0);
  EXPECT_EQ(t.ok + t.busy, 3);
  EXPECT_GE(t.ok, 1);
  auto s = pool.snapshot();
  EXPECT_LE(s.peak_in_flight, 1);
  EXPECT_GE(s.peak_in_flight, 1);
  EXPECT_EQ(s.rejected, static_cast<std::uint64_t>(t.busy));
  EXPECT_EQ(s.completed, static_cast<std::uint64_t>(t.ok));
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.queued, 0u);
}

TEST(AuthHashPool, OneClientCannotTakeMoreThanItsShare) {
  asio::io_context ioc;
  hash_pool pool(1, 64, 2);  // one thread, a queue of 64, two jobs per client
  std::promise<void> gate;
  std::shared_future<void> gate_future = gate.get_future().share();
  tally greedy, other;
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(ioc, run_shared(pool, "user:1", gate_future, &greedy), asio::detached);
  // The eight over the share are refused at once, while the first two still wait on the gate.
  run_until(ioc, [&] { return greedy.done == 8; });
  EXPECT_EQ(greedy.done, 8);
  EXPECT_EQ(greedy.other, 8) << "refused as too_many_requests";
  // Another client still gets its place in the queue, although user:1 holds two.
  asio::co_spawn(ioc, run_shared(pool, "user:2", gate_future, &other), asio::detached);
  asio::co_spawn(ioc, run_shared(pool, "user:2", gate_future, &other), asio::detached);
  gate.set_value();
  run_until(ioc, [&] { return greedy.done == 10 && other.done == 2; });
  EXPECT_EQ(greedy.ok, 2);
  EXPECT_EQ(other.ok, 2);
  EXPECT_EQ(other.other, 0);
  EXPECT_EQ(pool.snapshot().over_share, 8u);
  // The share comes back when the jobs end.
  tally later;
  std::promise<void> open;
  open.set_value();
  std::shared_future<void> opened = open.get_future().share();
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(ioc, run_shared(pool, "user:1", opened, &later), asio::detached);
  run_until(ioc, [&] { return later.done == 2; });
  EXPECT_EQ(later.ok, 2);
}

TEST(AuthHashPool, NeverMoreJobsAtOnceThanThreads) {
  asio::io_context ioc;
  hash_pool pool(2, 100);
  std::promise<void> gate;
  std::shared_future<void> gate_future = gate.get_future().share();
  std::atomic<int> running{0};
  tally t;
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(ioc, run_blocking(pool, gate_future, &running, &t, [] {}), asio::detached);
  // Let both threads pick up a job, then check nothing else started.
  run_until(ioc, [&] { return running.load() == 2 && pool.snapshot().queued == 8; });
  EXPECT_EQ(running.load(), 2);
  EXPECT_EQ(pool.snapshot().in_flight, 2);
  EXPECT_EQ(pool.snapshot().queued, 8u);
  gate.set_value();
  run_until(ioc, [&] { return t.done == 10; });
  ASSERT_EQ(t.done, 10);
  EXPECT_EQ(t.ok, 10);
  EXPECT_EQ(t.busy, 0);
  auto s = pool.snapshot();
  EXPECT_LE(s.peak_in_flight, 2);
  EXPECT_EQ(s.completed, 10u);
  EXPECT_EQ(s.rejected, 0u);
}

TEST(AuthHashPool, StoppedPoolRefuses) {
  hash_pool pool(1, 4);
  pool.stop();
  asio::io_context ioc;
  std::optional<result<int>> out;
  asio::co_spawn(
      ioc,
      [](hash_pool& p, std::optional<result<int>>* o) -> asio::awaitable<void> {
        *o = co_await p.run([] { return 1; });
      }(pool, &out),
      asio::detached);
  ioc.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, errc::busy);
  EXPECT_EQ(pool.snapshot().rejected, 1u);
  pool.stop();  // twice is harmless
}

namespace {

// Counts constructions and destructions: a callable holding one is destroyed exactly as many
// times as it (and its copies) were made.
struct lifetime_probe {
  static inline std::atomic<int> made{0};
  static inline std::atomic<int> destroyed{0};
  lifetime_probe() { ++made; }
  lifetime_probe(const lifetime_probe&) { ++made; }
  lifetime_probe(lifetime_probe&&) noexcept { ++made; }
  ~lifetime_probe() { ++destroyed; }
};

asio::awaitable<void> run_with_probe(hash_pool& pool, int* out) {
  lifetime_probe probe;
  auto job = [probe] { return 5; };
  auto r = co_await pool.run(std::move(job));
  *out = r ? *r : -1;
}

}  // namespace

// A `work` callable with non-trivially destructible captures (std::string, shared_ptr) is
// destroyed exactly once: GCC 12 destroyed a temporary job built inside the co_await twice.
TEST(AuthHashPool, WorkWithNonTrivialCapturesIsDestroyedOnce) {
  lifetime_probe::made = 0;
  lifetime_probe::destroyed = 0;
  {
    asio::io_context ioc;
    hash_pool pool(1, 4);
    int out = 0;
    asio::co_spawn(ioc, run_with_probe(pool, &out), asio::detached);
    ioc.run();
    EXPECT_EQ(out, 5);
  }
  EXPECT_EQ(lifetime_probe::destroyed.load(), lifetime_probe::made.load());
}
