// Symbols whose trading an admin halted. Loaded at start-up, changed by the admin API (after
// the database agreed), read by the market list and, later, the order path. Any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim::market {

class halt_list {
 public:
  void reset(const std::vector<std::string>& symbols) {
    std::lock_guard lock(mutex_);
    halted_ = {symbols.begin(), symbols.end()};
    ++version_;
  }
  void set(std::string_view symbol, bool halted) {
    std::lock_guard lock(mutex_);
    if (halted)
      halted_.emplace(symbol);
    else if (auto it = halted_.find(symbol); it != halted_.end())
      halted_.erase(it);
    ++version_;
  }
  [[nodiscard]] bool halted(std::string_view symbol) const {
    std::lock_guard lock(mutex_);
    return halted_.contains(symbol);
  }
  // Changes whenever the list does: lets readers cache what they built from it.
  [[nodiscard]] std::uint64_t version() const { return version_.load(); }

 private:
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> halted_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace marketsim::market
