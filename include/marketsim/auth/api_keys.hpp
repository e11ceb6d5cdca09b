// API keys for programs (Alpaca's APCA-API-KEY-ID / APCA-API-SECRET-KEY headers): making a
// key pair, and resolving a pair to its user with a small cache so a bot's every request does
// not cost a query. A revoked key or a changed user is evicted at once on this instance and,
// through the change listener, on every other one; cached entries also expire after a minute.
// io threads call resolve(); the listener thread calls the evict functions. One mutex.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "marketsim/core/principal.hpp"
#include "marketsim/core/error.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::auth {

struct key_pair {
  std::string key_id;  // public, "MK" + 18 characters
  std::string secret;  // shown once
};
[[nodiscard]] key_pair make_key_pair();

class api_key_store {
 public:
  explicit api_key_store(db::pool& pool, std::size_t capacity = 10'000)
      : pool_(pool), capacity_(capacity) {}

  // The active user the pair belongs to; nullptr when the id is unknown or revoked, the secret
  // is wrong or the user is not active. An error only when the database is down.
  [[nodiscard]] boost::asio::awaitable<result<std::shared_ptr<const user_record>>> resolve(
      std::string key_id, std::string secret, std::int64_t now_ms);

  // The user when the pair is cached and the secret matches; nullptr otherwise (not cached,
  // expired, or a wrong secret): then only resolve() can tell.
  [[nodiscard]] std::shared_ptr<const user_record> cached(std::string_view key_id,
                                                          std::string_view secret,
                                                          std::int64_t now_ms);

  void evict_key(std::string_view key_id);
  void evict_user(std::int64_t user_id);
  void clear();

 private:
  struct entry {
    std::shared_ptr<const user_record> user;
    std::string secret_hash;
    std::int64_t fetched_ms = 0;
    // The fill's lookup presented the right secret and so recorded the key's use; an entry
    // filled by a wrong guess answers a right pair only through a new lookup, which records it.
    bool use_recorded = false;
  };
  db::pool& pool_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace marketsim::auth
