// Login throttling and rate limits (see throttle.hpp). Any io thread; one mutex each.
#include "marketsim/auth/throttle.hpp"

#include <algorithm>
#include <cmath>

namespace marketsim::auth {

std::chrono::milliseconds login_throttle::retry_after(std::string_view key,
                                                      std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end() || it->second.locked_until_ms <= now_ms)
    return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(it->second.locked_until_ms - now_ms);
}

void login_throttle::record_failure(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= s_.max_keys) prune(now_ms);
  auto& e = entries_[std::string(key)];
  if (e.failures > 0 && now_ms - e.first_ms > s_.window.count() && e.locked_until_ms <= now_ms)
    e = entry{};  // a quiet window forgives
  if (e.failures == 0) e.first_ms = now_ms;
  ++e.failures;
  int over = e.failures - s_.free_failures;
  if (over > 0) {
    double lock =
        static_cast<double>(s_.first_lockout.count()) * std::pow(2.0, std::min(over - 1, 30));
    auto capped =
        static_cast<std::int64_t>(std::min(lock, static_cast<double>(s_.max_lockout.count())));
    e.locked_until_ms = now_ms + capped;
  }
}

void login_throttle::clear(std::string_view key) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::string(key));
}

std::size_t login_throttle::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void login_throttle::prune(std::int64_t now_ms) {
  std::erase_if(entries_, [&](const auto& kv) {
    return kv.second.locked_until_ms <= now_ms && now_ms - kv.second.first_ms > s_.window.count();
  });
  // Still full (a flood of distinct keys): forget unlocked keys first, then, to keep memory
  // bounded whatever happens, locked ones too.
  if (entries_.size() >= s_.max_keys) {
    std::size_t excess = entries_.size() - s_.max_keys / 2;
    std::erase_if(entries_, [&](const auto& kv) {
      return excess > 0 && kv.second.locked_until_ms <= now_ms && (--excess, true);
    });
    for (auto it = entries_.begin(); excess > 0 && it != entries_.end(); --excess)
      it = entries_.erase(it);
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
