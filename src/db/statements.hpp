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

// Runs `s` with `args` as its parameters.
template <class... Args>
pqxx::result exec(pqxx::transaction_base& tx, const statement& s, Args&&... args) {
  // Registering again with the same text is a lookup (libpqxx refuses only a different text).
  tx.conn().prepare(s.name, s.sql);
  return tx.exec_prepared(s.name, std::forward<Args>(args)...);
}

}  // namespace marketsim::db
