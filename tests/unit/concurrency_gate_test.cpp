// concurrency_gate (core/concurrency_gate.hpp): slots per key, taken before the work and given
// back however it ends, under a crowd of threads.
#include "marketsim/core/concurrency_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace marketsim {
namespace {

TEST(ConcurrencyGate, AKeyHoldsAtMostItsSlotsAndOthersAreFree) {
  concurrency_gate gate(2);
  auto a = gate.enter(1);
  auto b = gate.enter(1);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(gate.enter(1));
  EXPECT_TRUE(gate.enter(2));  // another player's slot, given back at once
  a.reset();
  auto c = gate.enter(1);
  EXPECT_TRUE(c);
  b.reset();
  c.reset();
  EXPECT_EQ(gate.keys_in_flight(), 0u);  // nothing kept for a key with no work
}

TEST(ConcurrencyGate, ACrowdOfThreadsNeverHasMoreInFlightThanTheLimit) {
  concurrency_gate gate(3);
  std::atomic<int> running{0}, most{0}, admitted{0}, refused{0};
  std::vector<std::thread> crowd;
  for (int i = 0; i < 16; ++i)
    crowd.emplace_back([&] {
      for (int round = 0; round < 500; ++round) {
        auto slot = gate.enter(7);
        if (!slot) {
          ++refused;
          continue;
        }
        ++admitted;
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --running;
      }
    });
  for (auto& t : crowd) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_EQ(admitted.load() + refused.load(), 16 * 500);
  EXPECT_EQ(gate.keys_in_flight(), 0u);
}

}  // namespace
}  // namespace marketsim
