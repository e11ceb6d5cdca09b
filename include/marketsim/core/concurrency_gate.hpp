// At most N pieces of one kind of slow work in flight per key (a player's backtests, each a walk
// over up to 200,000 stored ticks on a database connection): a slot is taken before the work
// starts and given back when it ends, however it ends (an error, an early return, a dropped
// connection), so a crowd of requests from one player cannot all pass a check and then all run.
// Any thread (io threads take and give back slots); a mutex guards the counts, and a key holds
// an entry only while it has work in flight.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace marketsim {

class concurrency_gate {
 public:
  explicit concurrency_gate(int per_key) : per_key_(per_key) {}
  concurrency_gate(const concurrency_gate&) = delete;
  concurrency_gate& operator=(const concurrency_gate&) = delete;

  // A slot held until destroyed.
  class pass {
   public:
    pass(pass&& other) noexcept : gate_(other.gate_), key_(other.key_) { other.gate_ = nullptr; }
    pass& operator=(pass&&) = delete;
    pass(const pass&) = delete;
    pass& operator=(const pass&) = delete;
    ~pass() {
      if (gate_) gate_->leave(key_);
    }

   private:
    friend class concurrency_gate;
    pass(concurrency_gate* gate, std::int64_t key) : gate_(gate), key_(key) {}
    concurrency_gate* gate_;
    std::int64_t key_;
  };

  // A slot for `key`, or none when it has `per_key` in flight already.
  [[nodiscard]] std::optional<pass> enter(std::int64_t key) {
    std::lock_guard lock(mutex_);
    auto& n = in_flight_[key];
    if (n >= per_key_) return std::nullopt;
    ++n;
    return pass(this, key);
  }
  [[nodiscard]] int limit() const noexcept { return per_key_; }
  [[nodiscard]] std::size_t keys_in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
  }

 private:
  void leave(std::int64_t key) {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
  }

  const int per_key_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, int> in_flight_;
};

}  // namespace marketsim
