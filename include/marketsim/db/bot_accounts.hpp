// The simulated traders' accounts in PostgreSQL (issue 11): created once per cluster (by its
// leader, idempotently, so a new leader finds the same ones) and read in one go when bots
// think. db::pool threads.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "marketsim/db/pool.hpp"
#include "marketsim/trading/bot_strategies.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::db::bot_repo {

// Who a bot is: its user tag ("bot_07"), the name people see and its strategy.
struct bot_identity {
  std::string tag;
  std::string display_name;
  trading::bots::strategy_kind strategy = trading::bots::strategy_kind::noise;
};

struct bot_account {
  std::int64_t user_id = 0;
  std::int64_t account_id = 0;
};

// The bots' users and accounts, created when missing (an account starts with `starting_cash`,
// granted by the treasury like anyone's). Index i of the answer is bots[i]; a tag a person
// holds (from before tags starting with "bot_" were reserved) gets user_id 0 and is skipped.
[[nodiscard]] std::vector<bot_account> provision(connection& c,
                                                 const std::vector<bot_identity>& bots,
                                                 trading::money_e4 starting_cash);

// The bots' accounts as they think of them: cash, shares and open orders, by account id.
[[nodiscard]] std::map<std::int64_t, trading::bots::account_view> read_views(
    connection& c, const std::vector<std::int64_t>& account_ids);

}  // namespace marketsim::db::bot_repo
