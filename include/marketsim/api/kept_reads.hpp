// Answers of public routes that any crowd can ask for (by any key, with no version to follow;
// read_cache.hpp is the versioned kind the tape uses), read from the database at most once
// every `max_age` per key: while one request reads a key again, the others are answered from
// what was read before (only the very first requests of a key, with nothing kept yet, read
// too). Bounded: beyond `capacity` keys, the ones not being read are dropped. The public
// profiles keep their standings and equity curves here. Any io thread (a mutex guards it); the
// reads themselves run on the db pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "marketsim/core/error.hpp"

namespace marketsim::api {

template <class Key, class Value>
class kept_reads {
 public:
  kept_reads(std::chrono::milliseconds max_age, std::size_t capacity)
      : max_age_(max_age), capacity_(capacity) {}

  // The value kept for `key`, or read_fn()'s (`() -> awaitable<result<Value>>`) when it is
  // stale and nobody else is reading it. A failed read keeps nothing: the next request tries.
  template <class Read>
  boost::asio::awaitable<result<std::shared_ptr<const Value>>> get(const Key& key, Read read_fn) {
    auto [kept, must_read] = lookup(key);
    if (!must_read) co_return kept;
    auto reading = read_fn();  // named first: GCC 12 and temporaries inside co_await
    result<Value> fresh = co_await std::move(reading);
    if (!fresh) {
      store(key, nullptr);
      co_return std::unexpected(fresh.error());
    }
    auto value = std::make_shared<const Value>(std::move(*fresh));
    store(key, value);
    co_return value;
  }

 private:
  struct entry {
    std::shared_ptr<const Value> value;
    std::chrono::steady_clock::time_point read_at;
    bool reading = false;
  };

  std::pair<std::shared_ptr<const Value>, bool> lookup(const Key& key) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_ && !entries_.contains(key))
      std::erase_if(entries_, [](const auto& kv) { return !kv.second.reading; });
    auto& e = entries_[key];
    const bool fresh = e.value && std::chrono::steady_clock::now() - e.read_at < max_age_;
    const bool read = !fresh && (!e.reading || !e.value);
    if (read) e.reading = true;
    return {e.value, read};
  }

  void store(const Key& key, std::shared_ptr<const Value> value) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[key];
    e.reading = false;
    if (!value) return;
    e.value = std::move(value);
    e.read_at = std::chrono::steady_clock::now();
  }

  const std::chrono::milliseconds max_age_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::map<Key, entry> entries_;
};

}  // namespace marketsim::api
