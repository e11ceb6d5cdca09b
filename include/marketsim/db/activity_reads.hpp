// Reading a symbol's market activity for the stock page (issue 11): its newest fills (the
// tape) and its largest holders among players with a public profile (bots count as public).
// Each function is one read-only transaction on a db::pool thread; both are index ranges of
// migrations/0013.
#pragma once
#include <string>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/market_activity.hpp"

namespace marketsim::db::activity_repo {

// Newest first, at most `limit`.
[[nodiscard]] std::vector<trading::tape_trade> recent_trades(connection& c,
                                                             const std::string& symbol, int limit);

// The `limit` largest positions in `symbol` of active players who opted in, largest first
// (ties: the older account), each with the cash and positions its weight needs.
[[nodiscard]] std::vector<trading::holder_account> top_holders(connection& c,
                                                               const std::string& symbol,
                                                               int limit);

}  // namespace marketsim::db::activity_repo
