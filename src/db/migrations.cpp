// Migration loading and application (see migrations.hpp). Main thread only.
#include "marketsim/db/migrations.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

namespace marketsim::db {

namespace fs = std::filesystem;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string hex;
  hex.reserve(sizeof digest * 2);
  for (unsigned char b : digest) hex += fmt::format("{:02x}", b);
  return hex;
}

result<std::vector<migration_file>> load_migrations(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(errc::io_error, fmt::format("migrations directory '{}' not found", dir));
  std::vector<migration_file> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    std::string name = entry.path().filename().string();
    std::size_t digits = 0;
    while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
    if (digits == 0 || digits > 9 || digits >= name.size() || name[digits] != '_')
      return fail(errc::parse_error,
                  fmt::format("migration '{}' must be named NNNN_description.sql", name));
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return fail(errc::io_error, fmt::format("cannot read {}", name));
    migration_file m{std::stoi(name.substr(0, digits)), name, text.str(), {}};
    m.checksum = sha256_hex(m.sql);
    files.push_back(std::move(m));
  }
  if (ec) return fail(errc::io_error, fmt::format("cannot list '{}': {}", dir, ec.message()));
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < files.size(); ++i)
    if (files[i].version == files[i - 1].version)
      return fail(errc::parse_error,
                  fmt::format("migrations {} and {} share version {}", files[i - 1].name,
                              files[i].name, files[i].version));
  return files;
}

result<migration_report> apply_migrations(pqxx::connection_base& conn,
                                          const std::vector<migration_file>& files) {
  migration_report report;
  {
    pqxx::work tx(conn);
    tx.exec(
        "create table if not exists schema_migrations ("
        " version integer primary key,"
        " name text not null,"
        " checksum text not null,"
        " applied_at timestamptz not null default now())");
    tx.commit();
  }
  for (const auto& m : files) {
    pqxx::work tx(conn);
    // Several instances may start at once: one applies, the others wait and then see it done.
    tx.exec("select pg_advisory_xact_lock(7249001)");
    auto row = tx.exec_params("select name, checksum from schema_migrations where version = $1",
                              m.version);
    if (!row.empty()) {
      if (row[0][1].as<std::string>() != m.checksum)
        return fail(errc::migration_changed,
                    fmt::format("migration {} was changed after it was applied (checksum {} in the "
                                "database, {} on disk); add a new migration instead of editing it",
                                m.name, row[0][1].as<std::string>().substr(0, 12),
                                m.checksum.substr(0, 12)));
      ++report.already;
      continue;
    }
    try {
      tx.exec(m.sql);
    } catch (const pqxx::sql_error& e) {
      return fail(errc::migration_failed,
                  fmt::format("migration {} failed and was rolled back: {}", m.name, e.what()));
    }
    tx.exec_params("insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
                   m.version, m.name, m.checksum);
    tx.commit();
    spdlog::info("migrations: applied {}", m.name);
    ++report.applied;
  }
  return report;
}

}  // namespace marketsim::db
