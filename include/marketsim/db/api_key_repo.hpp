// API key SQL: create, list and revoke a player's keys, and look one up by its public id.
// Secrets are never stored, only their SHA-256 (a 240-bit random secret needs no slow hash).
// db::pool threads only.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/principal.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db::api_key_repo {

struct key_info {
  std::int64_t id = 0;
  std::string key_id;
  std::string name;
  std::int64_t created_ms = 0;
  std::int64_t last_used_ms = 0;  // 0: never
};

// nullopt when the user already has `max_keys` live keys (MARKETSIM_MAX_API_KEYS); parallel
// creations take turns, so they cannot overshoot.
[[nodiscard]] std::optional<key_info> create(connection& c, std::int64_t user_id,
                                             const std::string& key_id,
                                             const std::string& secret_hash,
                                             const std::string& name, int max_keys);
[[nodiscard]] std::vector<key_info> list(connection& c, std::int64_t user_id);
// The revoked key's public id (every instance forgets it: a NOTIFY goes out); nullopt when the
// user has no such live key.
[[nodiscard]] std::optional<std::string> revoke(connection& c, std::int64_t user_id,
                                                std::int64_t id);

struct key_owner {
  auth::user_record user;
  std::string secret_hash;  // 32 raw bytes
};
// A live key and its user (any status: the caller decides). Records the use only when the
// presented secret's hash matches, so unknown ids and wrong secrets cost no write.
[[nodiscard]] std::optional<key_owner> lookup(connection& c, const std::string& key_id,
                                              const std::string& presented_hash);

}  // namespace marketsim::db::api_key_repo
