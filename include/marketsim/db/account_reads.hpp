// A player's account as the trading API reads it: who plays (account and user id), the
// balances and positions, the session's login equity, and the ledger's totals (tests and the
// admin). Each function is one transaction on a db::pool thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db::trading_repo {

struct player {
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
};

struct account_state {
  trading::account_record account;
  std::vector<trading::position_record> positions;
};
// With a session hash, the session's login equity is read (and set to `equity_now` if unset).
[[nodiscard]] account_state read_account(connection& c, const player& who);
[[nodiscard]] std::optional<trading::money_e4> session_login_equity(
    connection& c, const std::string& session_hash_hex, trading::money_e4 equity_now);

// Ledger totals (tests and the admin): sum per asset over all accounts (always zero), and cash
// granted so far.
struct ledger_check {
  bool balanced = false;
  trading::money_e4 granted = 0;
  trading::money_e4 player_cash = 0;
};
[[nodiscard]] ledger_check check_ledger(connection& c);

}  // namespace marketsim::db::trading_repo
