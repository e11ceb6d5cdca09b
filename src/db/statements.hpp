// Prepared statements for the order path (private to db). Each SQL text is registered under a
// name on the connection the first time it runs there (libpqxx prepares it on first use and
// again after a reconnect), so PostgreSQL parses and plans it once per connection instead of on
// every call. db::pool threads.
#pragma once
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace marketsim::db {

struct statement {
  std::string name;
  std::string sql;
};

// The order path's transactions start with this: their prepared statements are planned once
// (their plans do not depend on the values: index ranges), where PostgreSQL's default kept
// planning some of them on every call at about the cost of running them. Only for the
// transaction: other queries on the connection keep custom plans.
inline void plan_once(pqxx::transaction_base& tx) {
  tx.exec0("set local plan_cache_mode = force_generic_plan");
}

// Runs `s` with `args` as its parameters.
template <class... Args>
pqxx::result exec(pqxx::transaction_base& tx, const statement& s, Args&&... args) {
  // Registering again with the same text is a lookup (libpqxx refuses only a different text).
  tx.conn().prepare(s.name, s.sql);
  return tx.exec_prepared(s.name, std::forward<Args>(args)...);
}

}  // namespace marketsim::db
