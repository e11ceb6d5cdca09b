// Schema migrations: ordered SQL files NNNN_name.sql, each applied once inside its own
// transaction and recorded with a SHA-256 checksum; an applied file whose text changed is
// refused. Runs on the main thread at start-up (blocking is fine there).
#pragma once
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"

namespace pqxx {
class connection_base;
}

namespace marketsim::db {

struct migration_file {
  int version = 0;
  std::string name;  // file name
  std::string sql;
  std::string checksum;  // hex SHA-256 of sql
};

// Reads and orders the migration files; malformed names and duplicate versions are errors.
[[nodiscard]] result<std::vector<migration_file>> load_migrations(const std::string& dir);

struct migration_report {
  int applied = 0;
  int already = 0;
};

// Applies what is pending; serialized across instances by an advisory lock.
[[nodiscard]] result<migration_report> apply_migrations(pqxx::connection_base& conn,
                                                        const std::vector<migration_file>& files);

[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace marketsim::db
