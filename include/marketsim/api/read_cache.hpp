// A short-lived cache of public reads, one entry per key (a symbol): what was read, when, and
// at which version of the data. Public routes read the database once per version (or once per
// `max_age` when the data has no version), however many visitors ask: one read at a time per
// key, and requests that come while it runs get the previous value (only the first ones, with
// none yet, read too). io threads; one mutex. Keys are bounded by the caller (known symbols).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace marketsim::api {

template <class V>
class read_cache {
 public:
  explicit read_cache(std::chrono::steady_clock::duration max_age) : max_age_(max_age) {}

  // The value kept (nullptr: none yet), and whether the caller must read now and store() it.
  std::pair<std::shared_ptr<const V>, bool> get(const std::string& key, std::uint64_t version) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[key];
    const bool fresh =
        e.value && e.version == version && std::chrono::steady_clock::now() - e.read_at < max_age_;
    const bool read = !fresh && (!e.reading || !e.value);
    if (read) e.reading = true;
    return {e.value, read};
  }
  // What a read started at `version` found; nullptr: it failed, and the next request tries again.
  void store(const std::string& key, std::uint64_t version, std::shared_ptr<const V> value) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[key];
    e.reading = false;
    if (!value) return;
    e.value = std::move(value);
    e.version = version;
    e.read_at = std::chrono::steady_clock::now();
  }

 private:
  struct entry {
    std::shared_ptr<const V> value;
    std::uint64_t version = 0;
    std::chrono::steady_clock::time_point read_at;
    bool reading = false;
  };
  std::chrono::steady_clock::duration max_age_;
  std::mutex mutex_;
  std::map<std::string, entry> entries_;
};

}  // namespace marketsim::api
