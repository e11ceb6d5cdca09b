// Watchlists (see watchlists.hpp). db::pool threads.
#include "marketsim/db/watchlists.hpp"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

namespace {

std::optional<watchlist> read_watchlist(pqxx::work& tx, std::int64_t account_id,
                                        const std::string& id) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.exec_params("select id::text, name, " MS("created_at") ", " MS(
                              "updated_at") " from watchlists where id = $1::uuid and "
                                            "account_id = $2",
                          id, account_id);
  if (r.empty()) return std::nullopt;
  watchlist w{r[0][0].as<std::string>(),
              r[0][1].as<std::string>(),
              r[0][2].as<std::int64_t>(),
              r[0][3].as<std::int64_t>(),
              {}};
  for (const auto& s : tx.exec_params(
           "select symbol from watchlist_items where watchlist_id = $1::uuid order by added_at, "
           "symbol",
           id))
    w.symbols.push_back(s[0].as<std::string>());
  return w;
}

error watchlist_full(const watchlist_caps& caps) {
  return {errc::watchlist_full, fmt::format("a watchlist holds at most {} symbols", caps.symbols)};
}

result<void> check_symbols(pqxx::work& tx, std::vector<std::string> symbols,
                           const watchlist_caps& caps) {
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  if (symbols.size() > static_cast<std::size_t>(caps.symbols))
    return std::unexpected(watchlist_full(caps));
  auto known = tx.exec_params("select count(*) from instruments where symbol = any($1::text[])",
                              array_literal(symbols))[0][0]
                   .as<std::size_t>();
  if (known != symbols.size()) {
    for (const auto& s : symbols)
      if (tx.exec_params("select 1 from instruments where symbol = $1", s).empty())
        return fail(errc::unprocessable, "unknown symbol " + s);
  }
  return {};
}

// One player's watchlist changes take turns, so the count and size checks hold under parallel
// requests (an advisory lock: the account row is the order path's to lock).
void lock_watchlists(pqxx::work& tx, std::int64_t account_id) {
  tx.exec_params("select pg_advisory_xact_lock(hashtext('watchlists:' || $1::text))", account_id);
}

}  // namespace

std::vector<watchlist> list_watchlists(connection& c, const player& who) {
  pqxx::work tx(c);
  std::vector<watchlist> out;
  for (const auto& r : tx.exec_params(
           "select id::text from watchlists where account_id = $1 order by created_at, name",
           who.account_id))
    if (auto w = read_watchlist(tx, who.account_id, r[0].as<std::string>()))
      out.push_back(std::move(*w));
  return out;
}

std::optional<watchlist> find_watchlist(connection& c, const player& who, const std::string& id) {
  pqxx::work tx(c);
  return read_watchlist(tx, who.account_id, id);
}

result<watchlist> save_watchlist(connection& c, const player& who,
                                 const std::optional<std::string>& id,
                                 const std::optional<std::string>& name,
                                 const std::optional<std::vector<std::string>>& symbols,
                                 const watchlist_caps& caps) {
  pqxx::work tx(c);
  lock_watchlists(tx, who.account_id);
  std::string list_id;
  if (id) {
    if (!read_watchlist(tx, who.account_id, *id))
      return fail(errc::not_found, "watchlist not found");
    list_id = *id;
  } else {
    auto n = tx.exec_params("select count(*) from watchlists where account_id = $1",
                            who.account_id)[0][0]
                 .as<int>();
    if (n >= caps.lists)
      return fail(errc::too_many_watchlists,
                  fmt::format("at most {} watchlists; delete one first", caps.lists));
  }
  if (name) {
    auto taken = tx.exec_params(
        "select 1 from watchlists where account_id = $1 and name = $2 and id::text <> $3",
        who.account_id, *name, list_id);
    if (!taken.empty()) return fail(errc::unprocessable, "a watchlist with this name exists");
  }
  if (symbols)
    if (auto ok = check_symbols(tx, *symbols, caps); !ok) return std::unexpected(ok.error());
  if (list_id.empty()) {
    list_id = tx.exec_params(
                    "insert into watchlists (account_id, name) values ($1, $2) returning id::text",
                    who.account_id, name.value_or("Primary Watchlist"))[0][0]
                  .as<std::string>();
  } else {
    if (name)
      tx.exec_params("update watchlists set name = $2, updated_at = now() where id = $1::uuid",
                     list_id, *name);
    if (symbols)
      tx.exec_params("delete from watchlist_items where watchlist_id = $1::uuid", list_id);
  }
  if (symbols) {
    int k = 0;
    for (const auto& s : *symbols)
      tx.exec_params(
          "insert into watchlist_items (watchlist_id, symbol, added_at) values ($1::uuid, $2, "
          "now() + $3 * interval '1 microsecond') on conflict do nothing",
          list_id, s, k++);
    tx.exec_params("update watchlists set updated_at = now() where id = $1::uuid", list_id);
  }
  auto w = read_watchlist(tx, who.account_id, list_id);
  tx.commit();
  return *w;
}

result<watchlist> add_to_watchlist(connection& c, const player& who, const std::string& id,
                                   const std::string& symbol, const watchlist_caps& caps) {
  pqxx::work tx(c);
  lock_watchlists(tx, who.account_id);
  auto w = read_watchlist(tx, who.account_id, id);
  if (!w) return fail(errc::not_found, "watchlist not found");
  if (auto ok = check_symbols(tx, {symbol}, caps); !ok) return std::unexpected(ok.error());
  const bool listed = std::find(w->symbols.begin(), w->symbols.end(), symbol) != w->symbols.end();
  if (!listed && w->symbols.size() >= static_cast<std::size_t>(caps.symbols))
    return std::unexpected(watchlist_full(caps));
  tx.exec_params(
      "insert into watchlist_items (watchlist_id, symbol) values ($1::uuid, $2) on conflict do "
      "nothing",
      id, symbol);
  tx.exec_params("update watchlists set updated_at = now() where id = $1::uuid", id);
  auto out = read_watchlist(tx, who.account_id, id);
  tx.commit();
  return *out;
}

result<watchlist> remove_from_watchlist(connection& c, const player& who, const std::string& id,
                                        const std::string& symbol) {
  pqxx::work tx(c);
  if (!read_watchlist(tx, who.account_id, id)) return fail(errc::not_found, "watchlist not found");
  auto r = tx.exec_params(
      "delete from watchlist_items where watchlist_id = $1::uuid and symbol = $2", id, symbol);
  if (r.affected_rows() == 0) return fail(errc::not_found, symbol + " is not in the watchlist");
  tx.exec_params("update watchlists set updated_at = now() where id = $1::uuid", id);
  auto out = read_watchlist(tx, who.account_id, id);
  tx.commit();
  return *out;
}

bool delete_watchlist(connection& c, const player& who, const std::string& id) {
  if (!is_uuid(id)) return false;
  pqxx::work tx(c);
  auto r = tx.exec_params("delete from watchlists where id = $1::uuid and account_id = $2", id,
                          who.account_id);
  tx.commit();
  return r.affected_rows() > 0;
}

}  // namespace marketsim::db::trading_repo
