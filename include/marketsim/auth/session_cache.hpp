// In-memory cache of live sessions and their users, so an authenticated request rarely touches
// the database. Bounded (an arbitrary entry is evicted when full: it is only a cache), and
// changed whenever the truth changes: logout erases a session, disabling or a password change
// erases a user's sessions, a role or profile change replaces the user record every session of
// that user points to (so it takes effect on the next request). Any io thread; one mutex.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "marketsim/core/principal.hpp"

namespace marketsim::auth {

class session_cache {
 public:
  explicit session_cache(std::size_t capacity) : capacity_(capacity) {}

  struct hit {
    session_record session;
    std::shared_ptr<const user_record> user;
  };
  [[nodiscard]] std::optional<hit> find(std::string_view id_hash) const;
  void put(session_record s, std::shared_ptr<const user_record> user, std::int64_t stored_seen_ms);
  // Counts erase_user calls. A session read from the database is cached only if no user's
  // sessions were ended while it was being read (put_unless_revoked), so a password change or
  // a disable racing with that read cannot leave the ended session in the cache.
  [[nodiscard]] std::uint64_t revocations() const;
  void put_unless_revoked(session_record s, std::shared_ptr<const user_record> user,
                          std::int64_t stored_seen_ms, std::uint64_t revocations_before);
  // Records activity; true when the stored last-seen time is more than `store_every_ms` old, in
  // which case the caller writes it and the cache counts it as written.
  bool touch(std::string_view id_hash, std::int64_t now_ms, std::int64_t store_every_ms);
  void erase(std::string_view id_hash);
  // Every cached session of the user, removed; returns their hashes.
  std::vector<std::string> erase_user(std::int64_t user_id);
  void update_user(std::shared_ptr<const user_record> user);
  void clear();  // counts as a revocation of everyone
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    session_record session;
    std::int64_t stored_seen_ms = 0;
  };
  struct user_entry {
    std::shared_ptr<const user_record> user;
    std::set<std::string> sessions;
  };
  void erase_locked(const std::string& id_hash);
  void put_locked(session_record s, std::shared_ptr<const user_record> user,
                  std::int64_t stored_seen_ms);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> sessions_;
  std::unordered_map<std::int64_t, user_entry> users_;
  std::uint64_t revocations_ = 0;
};

}  // namespace marketsim::auth
