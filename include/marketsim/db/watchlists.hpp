// Players' watchlists (Alpaca's shape) in PostgreSQL. db::pool threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db::trading_repo {

// Watchlists (Alpaca's shape): names unique per player; how many and how long come from the
// configuration (too_many_watchlists, watchlist_full beyond), checked under a lock so parallel
// requests cannot overshoot.
struct watchlist {
  std::string id;
  std::string name;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::vector<std::string> symbols;  // in the order they were added
};
struct watchlist_caps {
  int lists = 20;     // MARKETSIM_MAX_WATCHLISTS
  int symbols = 200;  // MARKETSIM_WATCHLIST_SIZE
};
[[nodiscard]] std::vector<watchlist> list_watchlists(connection& c, const player& who);
[[nodiscard]] std::optional<watchlist> find_watchlist(connection& c, const player& who,
                                                      const std::string& id);
// Creates, or with `id` replaces name and symbols. Errors: 404, 422 (name taken, unknown
// symbol), 403 (too_many_watchlists, watchlist_full).
[[nodiscard]] result<watchlist> save_watchlist(
    connection& c, const player& who, const std::optional<std::string>& id,
    const std::optional<std::string>& name, const std::optional<std::vector<std::string>>& symbols,
    const watchlist_caps& caps);
[[nodiscard]] result<watchlist> add_to_watchlist(connection& c, const player& who,
                                                 const std::string& id, const std::string& symbol,
                                                 const watchlist_caps& caps);
[[nodiscard]] result<watchlist> remove_from_watchlist(connection& c, const player& who,
                                                      const std::string& id,
                                                      const std::string& symbol);
[[nodiscard]] bool delete_watchlist(connection& c, const player& who, const std::string& id);

}  // namespace marketsim::db::trading_repo
