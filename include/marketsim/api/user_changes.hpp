// Players whose account changed lately (a profile's switch or name, a status, a role), as the
// change listener hears it from any instance of the cluster ("user:ID" on marketsim_sessions).
// Public answers built from rows read before such a change (the leaderboard's kept standings)
// show those players anonymously until the next read: turning a public profile off takes the
// name down at once, not when a cache expires. The listener's thread records; io threads ask (a
// mutex guards it). Bounded: changes older than any kept read are forgotten.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace marketsim::api {

class user_changes {
 public:
  using clock = std::chrono::steady_clock;
  // Longer than any read a public answer keeps (the leaderboard's Sharpe standings: 30 s).
  static constexpr std::chrono::seconds remembered{120};

  void changed(std::int64_t user_id) {
    const auto now = clock::now();
    std::lock_guard lock(mutex_);
    if (at_.size() >= prune_at_) {
      std::erase_if(at_, [&](const auto& kv) { return now - kv.second > remembered; });
      prune_at_ = std::max<std::size_t>(64, at_.size() * 2);
    }
    at_[user_id] = now;
  }
  // The listener lost its connection: changes may have gone unheard, so everyone counts as
  // changed now.
  void changed_all() {
    std::lock_guard lock(mutex_);
    everyone_at_ = clock::now();
  }
  // Whether the player changed at or after `read_began` (when the rows were read).
  [[nodiscard]] bool since(std::int64_t user_id, clock::time_point read_began) const {
    std::lock_guard lock(mutex_);
    if (everyone_at_ >= read_began) return true;
    auto it = at_.find(user_id);
    return it != at_.end() && it->second >= read_began;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, clock::time_point> at_;
  std::size_t prune_at_ = 64;
  clock::time_point everyone_at_{};
};

}  // namespace marketsim::api
