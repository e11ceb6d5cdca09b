// Wall-clock time in milliseconds since the epoch, with an offset that only tests move
// (MARKETSIM_TEST_HOOKS): session and token expiry read this clock, so tests check timeouts
// without waiting. Any thread; the offset is atomic.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace marketsim {

class account_clock {
 public:
  [[nodiscard]] std::int64_t now_ms() const {
    auto real = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    return real + offset_ms_.load(std::memory_order_relaxed);
  }
  void advance(std::chrono::milliseconds by) { offset_ms_ += by.count(); }

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace marketsim
