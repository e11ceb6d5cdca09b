// Login throttling and rate limits (see throttle.hpp). Any io thread; one mutex each.
#include "marketsim/auth/throttle.hpp"

#include <algorithm>
#include <cmath>

namespace marketsim::auth {

void attempt_budget::roll(entry& e, std::int64_t now_ms) const {
  if (e.open && now_ms - e.first_ms >= s_.window.count()) {
    e.failures = 0;
    e.open = e.in_flight > 0;
    e.first_ms = now_ms;
  }
}

std::chrono::milliseconds attempt_budget::wait_of(const entry& e, std::int64_t now_ms) const {
  if (e.failures + e.in_flight < s_.free_failures) return std::chrono::milliseconds(0);
  // Spent by failures: until the window ends. Held by attempts in flight: they may yet
  // succeed and give their slots back, so ask again soon.
  if (e.failures >= s_.free_failures)
    return std::chrono::milliseconds(
        std::max<std::int64_t>(1, e.first_ms + s_.window.count() - now_ms));
  return s_.busy_retry;
}

std::chrono::milliseconds attempt_budget::begin(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= s_.max_keys) prune(now_ms);
  auto& e = entries_[std::string(key)];
  roll(e, now_ms);
  if (auto wait = wait_of(e, now_ms); wait.count() > 0) return wait;
  if (!e.open) {
    e.open = true;
    e.first_ms = now_ms;
  }
  ++e.in_flight;
  return std::chrono::milliseconds(0);
}

void attempt_budget::finish(std::string_view key, bool failed) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return;  // cleared meanwhile
  auto& e = it->second;
  if (e.in_flight > 0) --e.in_flight;
  if (failed) ++e.failures;
}

std::chrono::milliseconds attempt_budget::retry_after(std::string_view key,
                                                      std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return std::chrono::milliseconds(0);
  entry e = it->second;
  roll(e, now_ms);
  return wait_of(e, now_ms);
}

void attempt_budget::clear(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return;
  // Attempts still in flight keep their slots (they will finish); the failures are forgiven.
  it->second.failures = 0;
  if (it->second.in_flight == 0) entries_.erase(it);
}

std::size_t attempt_budget::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void attempt_budget::prune(std::int64_t now_ms) {
  auto idle = [&](const entry& e) {
    return e.in_flight == 0 && (!e.open || now_ms - e.first_ms >= s_.window.count());
  };
  std::erase_if(entries_, [&](const auto& kv) { return idle(kv.second); });
  // Still full (a flood of distinct keys): forget keys with nothing in flight, spent budgets
  // last, so memory stays bounded whatever happens. Keys with attempts in flight stay: their
  // finish() must find them.
  if (entries_.size() >= s_.max_keys) {
    std::size_t excess = entries_.size() - s_.max_keys / 2;
    for (int pass = 0; pass < 2 && excess > 0; ++pass)
      std::erase_if(entries_, [&](const auto& kv) {
        bool spent = kv.second.failures >= s_.free_failures;
        return excess > 0 && kv.second.in_flight == 0 && (pass == 1 || !spent) && (--excess, true);
      });
  }
}

bool rate_limiter::allow(std::string_view key, std::int64_t now_ms,
                         std::chrono::milliseconds* retry_after) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= max_keys_) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(now_ms - kv.second.at_ms) * per_ms_ >= burst_;
    });
    // Still full: forget half, not everyone's limit at once.
    for (auto it = buckets_.begin(); buckets_.size() >= max_keys_ / 2 && it != buckets_.end();)
      it = buckets_.erase(it);
  }
  auto [it, fresh] = buckets_.try_emplace(std::string(key), bucket{burst_, now_ms});
  auto& b = it->second;
  b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_ms - b.at_ms) * per_ms_);
  b.at_ms = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after)
    *retry_after =
        std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_ms_)));
  return false;
}

window_limiter::verdict window_limiter::take(std::string_view key, std::int64_t now_ms) {
  constexpr std::int64_t minute = 60'000;
  std::lock_guard lock(mutex_);
  if (windows_.size() >= max_keys_) {
    // Windows that ended hold nothing worth keeping.
    std::erase_if(windows_, [&](const auto& kv) { return kv.second.start_ms + minute <= now_ms; });
    if (windows_.size() >= max_keys_) windows_.clear();
  }
  auto [it, fresh] = windows_.try_emplace(std::string(key), window{now_ms, 0});
  auto& w = it->second;
  if (w.start_ms + minute <= now_ms) w = window{now_ms, 0};
  verdict v;
  v.limit = limit_;
  v.reset_ms = w.start_ms + minute;
  v.allowed = w.used < limit_;
  if (v.allowed) ++w.used;
  v.remaining = limit_ - w.used;
  return v;
}

}  // namespace marketsim::auth
