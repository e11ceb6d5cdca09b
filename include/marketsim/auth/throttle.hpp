// Counting limits keyed by a string, with the time passed in (so tests drive it):
// - login_throttle: failed logins per account or per address. The first `free_failures` in a
//   window cost nothing; each further one doubles a lock-out, capped at `max_lockout`, so a
//   guesser slows to a crawl while the owner is never locked out for good.
// - rate_limiter: a token bucket per key (error reports, registrations).
// Both are bounded in memory and guarded by a mutex; io threads call them.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace marketsim::auth {

class login_throttle {
 public:
  struct settings {
    int free_failures = 5;
    std::chrono::milliseconds window{15 * 60'000};
    std::chrono::milliseconds first_lockout{1'000};
    std::chrono::milliseconds max_lockout{15 * 60'000};
    std::size_t max_keys = 100'000;
  };
  explicit login_throttle(settings s) : s_(s) {}

  // Zero when an attempt may go ahead now, else how long to wait.
  [[nodiscard]] std::chrono::milliseconds retry_after(std::string_view key,
                                                      std::int64_t now_ms) const;
  void record_failure(std::string_view key, std::int64_t now_ms);
  void clear(std::string_view key);
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    int failures = 0;
    std::int64_t first_ms = 0;
    std::int64_t locked_until_ms = 0;
  };
  void prune(std::int64_t now_ms);
  settings s_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
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
