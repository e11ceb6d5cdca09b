// API key SQL (see api_key_repo.hpp). db::pool threads only.
#include "marketsim/db/api_key_repo.hpp"

#include <pqxx/pqxx>

#include "marketsim/core/crypto.hpp"
#include "marketsim/db/account_repo.hpp"
#include "marketsim/db/change_listener.hpp"

namespace marketsim::db::api_key_repo {

#define MS(col) "(extract(epoch from " col ") * 1000)::bigint"

std::optional<key_info> create(connection& c, std::int64_t user_id, const std::string& key_id,
                               const std::string& secret_hash, const std::string& name,
                               int max_keys) {
  pqxx::work tx(c);
  // One user's key creations never interleave, so the cap holds.
  tx.exec_params("select pg_advisory_xact_lock(hashtext('api_keys:' || $1::text))", user_id);
  auto live =
      tx.exec_params("select count(*) from api_keys where user_id = $1 and revoked_at is null",
                     user_id)[0][0]
          .as<int>();
  if (live >= max_keys) return std::nullopt;
  auto r = tx.exec_params(
      "insert into api_keys (user_id, key_id, secret_hash, name) values ($1, $2, decode($3, "
      "'hex'), $4) returning id, " MS("created_at"),
      user_id, key_id, hex(secret_hash), name);
  tx.commit();
  return key_info{r[0][0].as<std::int64_t>(), key_id, name, r[0][1].as<std::int64_t>(), 0};
}

std::vector<key_info> list(connection& c, std::int64_t user_id) {
  pqxx::read_transaction tx(c);
  std::vector<key_info> out;
  for (const auto& r : tx.exec_params(
           "select id, key_id, name, " MS("created_at") ", coalesce(" MS(
               "last_used_at") ", 0) from api_keys where user_id = $1 and revoked_at is null "
                               "order by id",
           user_id))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::int64_t>(), r[4].as<std::int64_t>()});
  return out;
}

std::optional<std::string> revoke(connection& c, std::int64_t user_id, std::int64_t id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "update api_keys set revoked_at = now() where id = $1 and user_id = $2 and revoked_at is "
      "null returning key_id",
      id, user_id);
  if (r.empty()) return std::nullopt;
  auto key_id = r[0][0].as<std::string>();
  tx.exec_params("select pg_notify($1, $2)", std::string(sessions_channel), "apikey:" + key_id);
  tx.commit();
  return key_id;
}

std::optional<key_owner> lookup(connection& c, const std::string& key_id,
                                const std::string& presented_hash) {
  std::int64_t user_id = 0;
  std::string secret_hash;
  {
    pqxx::work tx(c);
    auto r = tx.exec_params(
        "select user_id, encode(secret_hash, 'hex') from api_keys where key_id = $1 and "
        "revoked_at is null",
        key_id);
    if (r.empty()) return std::nullopt;
    user_id = r[0][0].as<std::int64_t>();
    secret_hash = from_hex(r[0][1].as<std::string>()).value_or("");
    if (same_bytes(secret_hash, presented_hash))
      tx.exec_params("update api_keys set last_used_at = now() where key_id = $1", key_id);
    tx.commit();
  }
  auto user = account_repo::find_user(c, user_id);
  if (!user) return std::nullopt;
  return key_owner{std::move(user->user), std::move(secret_hash)};
}

}  // namespace marketsim::db::api_key_repo
