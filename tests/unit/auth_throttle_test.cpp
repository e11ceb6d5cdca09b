// Counting limits (auth/throttle.hpp), driven by the time passed in: the login throttle's free
// failures, doubling lock-out capped at max_lockout, countdown, clear(), forgiveness after a
// quiet window and bounded key count; the token-bucket rate limiter's burst, refusal with a
// retry time, refill, independent keys and bounded key count.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "marketsim/auth/throttle.hpp"

using namespace marketsim::auth;
using std::chrono::milliseconds;

namespace {

login_throttle::settings small_settings() {
  login_throttle::settings s;
  s.free_failures = 3;
  s.window = milliseconds(60'000);
  s.first_lockout = milliseconds(1'000);
  s.max_lockout = milliseconds(8'000);
  s.max_keys = 1'000;
  return s;
}

}  // namespace

TEST(AuthThrottle, FreeFailuresThenDoublingLockoutCapped) {
  login_throttle t(small_settings());
  const std::int64_t t0 = 1'000'000;
  EXPECT_EQ(t.retry_after("acct:a", t0), milliseconds(0));
  for (int i = 0; i < 3; ++i) {
    t.record_failure("acct:a", t0);
    EXPECT_EQ(t.retry_after("acct:a", t0), milliseconds(0)) << "failure " << i + 1 << " is free";
  }
  const milliseconds expected[] = {milliseconds(1'000), milliseconds(2'000), milliseconds(4'000),
                                   milliseconds(8'000), milliseconds(8'000), milliseconds(8'000)};
  for (auto want : expected) {
    t.record_failure("acct:a", t0);
    EXPECT_EQ(t.retry_after("acct:a", t0), want);
  }
  // Many more failures never exceed the cap (and the doubling does not overflow).
  for (int i = 0; i < 200; ++i) t.record_failure("acct:a", t0);
  EXPECT_EQ(t.retry_after("acct:a", t0), milliseconds(8'000));
}

TEST(AuthThrottle, RetryAfterCountsDown) {
  login_throttle t(small_settings());
  const std::int64_t t0 = 5'000;
  for (int i = 0; i < 5; ++i) t.record_failure("k", t0);  // 2 over: 2 s
  EXPECT_EQ(t.retry_after("k", t0), milliseconds(2'000));
  EXPECT_EQ(t.retry_after("k", t0 + 500), milliseconds(1'500));
  EXPECT_EQ(t.retry_after("k", t0 + 1'999), milliseconds(1));
  EXPECT_EQ(t.retry_after("k", t0 + 2'000), milliseconds(0));
  EXPECT_EQ(t.retry_after("k", t0 + 60'000), milliseconds(0));
  // The lock is measured from the latest failure.
  t.record_failure("k", t0 + 3'000);  // 3 over: 4 s
  EXPECT_EQ(t.retry_after("k", t0 + 3'000), milliseconds(4'000));
  EXPECT_EQ(t.retry_after("k", t0 + 6'000), milliseconds(1'000));
}

TEST(AuthThrottle, KeysAreIndependentAndClearResets) {
  login_throttle t(small_settings());
  for (int i = 0; i < 4; ++i) t.record_failure("acct:a", 0);
  EXPECT_GT(t.retry_after("acct:a", 0), milliseconds(0));
  EXPECT_EQ(t.retry_after("acct:b", 0), milliseconds(0));
  EXPECT_EQ(t.size(), 1u);
  t.clear("acct:a");
  EXPECT_EQ(t.retry_after("acct:a", 0), milliseconds(0));
  EXPECT_EQ(t.size(), 0u);
  // Counting starts over: three more failures are free again.
  for (int i = 0; i < 3; ++i) t.record_failure("acct:a", 0);
  EXPECT_EQ(t.retry_after("acct:a", 0), milliseconds(0));
  t.record_failure("acct:a", 0);
  EXPECT_EQ(t.retry_after("acct:a", 0), milliseconds(1'000));
  t.clear("acct:unknown");  // harmless
  EXPECT_EQ(t.size(), 1u);
}

TEST(AuthThrottle, AQuietWindowForgives) {
  // Within the window, the fourth failure locks.
  login_throttle u(small_settings());
  for (int i = 0; i < 3; ++i) u.record_failure("k", 0);
  u.record_failure("k", 59'000);
  EXPECT_EQ(u.retry_after("k", 59'000), milliseconds(1'000));
  // After the window, the count starts over: the fourth failure is the first of a new one.
  login_throttle t(small_settings());
  for (int i = 0; i < 3; ++i) t.record_failure("k", 0);
  t.record_failure("k", 60'001);
  EXPECT_EQ(t.retry_after("k", 60'001), milliseconds(0));
  t.record_failure("k", 60'002);
  t.record_failure("k", 60'003);
  EXPECT_EQ(t.retry_after("k", 60'003), milliseconds(0));
  t.record_failure("k", 60'004);
  EXPECT_EQ(t.retry_after("k", 60'004), milliseconds(1'000));
}

TEST(AuthThrottle, ALockedKeyIsNotForgivenWhileLocked) {
  auto s = small_settings();
  s.max_lockout = milliseconds(10 * 60'000);
  s.first_lockout = milliseconds(5 * 60'000);
  s.window = milliseconds(60'000);
  login_throttle t(s);
  for (int i = 0; i < 4; ++i) t.record_failure("k", 0);  // locked for 5 minutes
  EXPECT_EQ(t.retry_after("k", 0), milliseconds(5 * 60'000));
  // Past the window but still locked: the count goes on (doubling), it does not restart.
  t.record_failure("k", 2 * 60'000);
  EXPECT_EQ(t.retry_after("k", 2 * 60'000), milliseconds(10 * 60'000));
}

TEST(AuthThrottle, SizeStaysBounded) {
  auto s = small_settings();
  s.max_keys = 16;
  login_throttle t(s);
  for (int i = 0; i < 5'000; ++i) {
    t.record_failure("ip:" + std::to_string(i), i);
    ASSERT_LE(t.size(), s.max_keys) << "after key " << i;
  }
  EXPECT_GT(t.size(), 0u);
}

TEST(AuthThrottle, PruningKeepsLockedKeys) {
  auto s = small_settings();
  s.max_keys = 8;
  login_throttle t(s);
  for (int i = 0; i < 4; ++i) t.record_failure("victim", 0);
  ASSERT_EQ(t.retry_after("victim", 0), milliseconds(1'000));
  // A flood of other keys does not free the locked one.
  for (int i = 0; i < 100; ++i) t.record_failure("flood:" + std::to_string(i), 10);
  EXPECT_EQ(t.retry_after("victim", 10), milliseconds(990));
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
