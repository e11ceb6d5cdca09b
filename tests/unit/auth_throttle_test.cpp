// Counting limits (auth/throttle.hpp), driven by the time passed in: the attempt budget's
// slots taken at the start of an attempt (so parallel attempts cannot overshoot it), refunds on
// success, refusal until the window ends, clear(), the RAII slot, and a bounded key count; the
// token-bucket rate limiter's burst, refusal with a retry time, refill, independent keys and
// bounded key count.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "marketsim/auth/throttle.hpp"

using namespace marketsim::auth;
using std::chrono::milliseconds;

namespace {

attempt_budget::settings small_settings() {
  attempt_budget::settings s;
  s.free_failures = 3;
  s.window = milliseconds(60'000);
  s.busy_retry = milliseconds(1'000);
  s.max_keys = 1'000;
  return s;
}

}  // namespace

TEST(AuthThrottle, SlotsAreTakenWhenAttemptsStart) {
  attempt_budget t(small_settings());
  // Three attempts in flight at once: the fourth is refused before it does any work, although
  // none of the three has failed yet.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(t.begin("acct:a", 0), milliseconds(0)) << i;
  EXPECT_EQ(t.begin("acct:a", 0), milliseconds(1'000));
  // One succeeds: its slot comes back.
  t.finish("acct:a", false);
  EXPECT_EQ(t.begin("acct:a", 10), milliseconds(0));
  // All three fail: the budget is spent until the window (from the first attempt) ends.
  for (int i = 0; i < 3; ++i) t.finish("acct:a", true);
  EXPECT_EQ(t.begin("acct:a", 20), milliseconds(59'980));
  EXPECT_EQ(t.retry_after("acct:a", 30'000), milliseconds(30'000));
  EXPECT_EQ(t.begin("acct:a", 59'999), milliseconds(1));
  EXPECT_EQ(t.begin("acct:a", 60'000), milliseconds(0)) << "a new window";
}

TEST(AuthThrottle, ParallelAttemptsNeverExceedTheBudget) {
  attempt_budget t(small_settings());
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j)
        if (t.begin("acct:v", 0).count() == 0) {
          ++admitted;
          t.finish("acct:v", true);
        }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 3);
}

TEST(AuthThrottle, KeysAreIndependentAndClearForgives) {
  attempt_budget t(small_settings());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(t.begin("acct:a", 0), milliseconds(0));
    t.finish("acct:a", true);
  }
  EXPECT_GT(t.retry_after("acct:a", 0), milliseconds(0));
  EXPECT_EQ(t.retry_after("acct:b", 0), milliseconds(0));
  EXPECT_EQ(t.begin("acct:b", 0), milliseconds(0));
  t.clear("acct:a");
  EXPECT_EQ(t.retry_after("acct:a", 0), milliseconds(0));
  // clear() keeps slots of attempts still in flight: their finish still counts.
  ASSERT_EQ(t.begin("acct:c", 0), milliseconds(0));
  t.clear("acct:c");
  t.finish("acct:c", true);
  ASSERT_EQ(t.begin("acct:c", 0), milliseconds(0));
  t.finish("acct:c", true);
  ASSERT_EQ(t.begin("acct:c", 0), milliseconds(0));
  t.finish("acct:c", true);
  EXPECT_GT(t.begin("acct:c", 0), milliseconds(0));
}

TEST(AuthThrottle, TheSlotGivesItselfBackUnlessFailed) {
  attempt_budget t(small_settings());
  {
    ASSERT_EQ(t.begin("k", 0), milliseconds(0));
    attempt_slot ok(t, "k");
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(t.begin("k", 0), milliseconds(0));
    attempt_slot bad(t, "k");
    bad.fail();
  }
  ASSERT_EQ(t.begin("k", 0), milliseconds(0));
  attempt_slot moved;
  {
    attempt_slot inner(t, "k");
    inner.fail();
    moved = std::move(inner);
  }
  EXPECT_EQ(t.begin("k", 0), milliseconds(1'000)) << "the moved slot is still held";
  moved.release();
  EXPECT_EQ(t.begin("k", 0), milliseconds(60'000)) << "three failures spend the budget";
}

TEST(AuthThrottle, SizeStaysBounded) {
  auto s = small_settings();
  s.max_keys = 16;
  attempt_budget t(s);
  for (int i = 0; i < 5'000; ++i) {
    auto key = "ip:" + std::to_string(i);
    ASSERT_EQ(t.begin(key, i), milliseconds(0));
    t.finish(key, true);
    ASSERT_LE(t.size(), s.max_keys) << "after key " << i;
  }
  EXPECT_GT(t.size(), 0u);
}

TEST(AuthThrottle, PruningKeepsSpentBudgetsLongest) {
  auto s = small_settings();
  s.max_keys = 8;
  attempt_budget t(s);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(t.begin("victim", 0), milliseconds(0));
    t.finish("victim", true);
  }
  ASSERT_EQ(t.retry_after("victim", 0), milliseconds(60'000));
  // A flood of other keys, each with one failure, does not free the spent one.
  for (int i = 0; i < 100; ++i) {
    auto key = "flood:" + std::to_string(i);
    ASSERT_EQ(t.begin(key, 10), milliseconds(0));
    t.finish(key, true);
  }
  EXPECT_EQ(t.retry_after("victim", 10), milliseconds(59'990));
  EXPECT_LE(t.size(), s.max_keys);
}

TEST(AuthThrottle, RateLimiterBurstThenRefusal) {
  rate_limiter r(60.0, 3.0);  // one a second, three saved up
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.allow("ip:1", 0)) << i;
  milliseconds wait{-1};
  EXPECT_FALSE(r.allow("ip:1", 0, &wait));
  EXPECT_GT(wait, milliseconds(0));
  EXPECT_GE(wait, milliseconds(999));
  EXPECT_LE(wait, milliseconds(1'001));
  EXPECT_FALSE(r.allow("ip:1", 0));  // the out-parameter is optional
  // Another key has its own bucket.
  EXPECT_TRUE(r.allow("ip:2", 0));
}

TEST(AuthThrottle, RateLimiterRefills) {
  rate_limiter r(60.0, 3.0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r.allow("k", 0));
  milliseconds wait{0};
  EXPECT_FALSE(r.allow("k", 400, &wait));
  EXPECT_GE(wait, milliseconds(599));
  EXPECT_LE(wait, milliseconds(601));
  EXPECT_TRUE(r.allow("k", 1'001));
  EXPECT_FALSE(r.allow("k", 1'001));
  // A long pause refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.allow("k", 3'600'000)) << i;
  EXPECT_FALSE(r.allow("k", 3'600'000));
}

TEST(AuthThrottle, RateLimiterSlowRate) {
  rate_limiter r(20.0 / 60.0, 1.0);  // 20 an hour, no burst: one every 3 minutes
  EXPECT_TRUE(r.allow("k", 0));
  milliseconds wait{0};
  EXPECT_FALSE(r.allow("k", 0, &wait));
  EXPECT_GE(wait, milliseconds(179'999));
  EXPECT_LE(wait, milliseconds(180'001));
  EXPECT_FALSE(r.allow("k", 179'000));
  EXPECT_TRUE(r.allow("k", 180'001));
}

TEST(AuthThrottle, RateLimiterStillLimitsAfterAFloodOfKeys) {
  rate_limiter r(60.0, 2.0, 8);
  for (int i = 0; i < 1'000; ++i) EXPECT_TRUE(r.allow("ip:" + std::to_string(i), 0)) << i;
  EXPECT_TRUE(r.allow("victim", 0));
  EXPECT_TRUE(r.allow("victim", 0));
  EXPECT_FALSE(r.allow("victim", 0));
}
