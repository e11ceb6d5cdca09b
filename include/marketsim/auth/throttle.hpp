// Counting limits keyed by a string, with the time passed in (so tests drive it):
// - attempt_budget: password (or key) attempts per account or per address. An attempt takes its
//   slot when it *starts* (begin), before any slow work, so a thousand parallel guesses cannot
//   all pass a check made before the hash and recorded after it. At most `free_failures`
//   attempts are in flight or failed per window; a success gives its slot back. Past the budget
//   every attempt is refused until the window (counted from its first attempt) ends, which is
//   also how long the owner waits at most: never locked out for good.
// - rate_limiter: a token bucket per key (error reports, registrations).
// - window_limiter: a fixed budget per key and minute (API keys, session /v2 requests).
// All are bounded in memory and guarded by a mutex; io threads call them.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace marketsim::auth {

class attempt_budget {
 public:
  struct settings {
    int free_failures = 5;
    std::chrono::milliseconds window{15 * 60'000};
    // Retry-After while the budget is only held by attempts still in flight.
    std::chrono::milliseconds busy_retry{1'000};
    std::size_t max_keys = 100'000;
  };
  explicit attempt_budget(settings s) : s_(s) {}

  // Takes a slot: zero when the attempt may go ahead (the caller must then call finish), else
  // how long to wait.
  [[nodiscard]] std::chrono::milliseconds begin(std::string_view key, std::int64_t now_ms);
  // Ends an attempt begun with begin(): a failure keeps its slot until the window ends, a
  // success gives it back.
  void finish(std::string_view key, bool failed);
  // Zero when an attempt could start now, else how long to wait (takes nothing).
  [[nodiscard]] std::chrono::milliseconds retry_after(std::string_view key,
                                                      std::int64_t now_ms) const;
  // Forgets the key's failures (a correct password proves the owner is here).
  void clear(std::string_view key);
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    int failures = 0;
    int in_flight = 0;
    bool open = false;          // a window has started
    std::int64_t first_ms = 0;  // when it started
  };
  void roll(entry& e, std::int64_t now_ms) const;
  [[nodiscard]] std::chrono::milliseconds wait_of(const entry& e, std::int64_t now_ms) const;
  void prune(std::int64_t now_ms);
  settings s_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

// Holds a slot of an attempt_budget for one attempt and gives it back as a success unless
// marked failed; so no exit path of a handler (errors, early returns) can leak a slot.
class attempt_slot {
 public:
  attempt_slot() = default;
  attempt_slot(attempt_budget& b, std::string key) : budget_(&b), key_(std::move(key)) {}
  attempt_slot(attempt_slot&& o) noexcept
      : budget_(std::exchange(o.budget_, nullptr)), key_(std::move(o.key_)), failed_(o.failed_) {}
  attempt_slot& operator=(attempt_slot&& o) noexcept {
    if (this != &o) {
      release();
      budget_ = std::exchange(o.budget_, nullptr);
      key_ = std::move(o.key_);
      failed_ = o.failed_;
    }
    return *this;
  }
  ~attempt_slot() { release(); }
  void fail() { failed_ = true; }
  void release() {
    if (budget_) std::exchange(budget_, nullptr)->finish(key_, failed_);
  }

 private:
  attempt_budget* budget_ = nullptr;
  std::string key_;
  bool failed_ = false;
};

class rate_limiter {
 public:
  // `per_minute` tokens a minute, at most `burst` saved up.
  rate_limiter(double per_minute, double burst, std::size_t max_keys = 100'000)
      : per_ms_(per_minute / 60'000.0), burst_(burst), max_keys_(max_keys) {}
  // Takes a token; false (and how long until one is free) when the bucket is empty.
  [[nodiscard]] bool allow(std::string_view key, std::int64_t now_ms,
                           std::chrono::milliseconds* retry_after = nullptr);

 private:
  struct bucket {
    double tokens;
    std::int64_t at_ms;
  };
  double per_ms_;
  double burst_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

// A fixed budget per key and minute, reported the way Alpaca does (X-RateLimit-Limit,
// -Remaining, -Reset): API keys.
class window_limiter {
 public:
  explicit window_limiter(int per_minute, std::size_t max_keys = 100'000)
      : limit_(per_minute), max_keys_(max_keys) {}
  struct verdict {
    bool allowed = false;
    int limit = 0;
    int remaining = 0;
    std::int64_t reset_ms = 0;  // when the window ends
  };
  [[nodiscard]] verdict take(std::string_view key, std::int64_t now_ms);

 private:
  struct window {
    std::int64_t start_ms;
    int used;
  };
  int limit_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, window> windows_;
};

}  // namespace marketsim::auth
