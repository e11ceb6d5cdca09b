// Trading actions (issue 12) in PostgreSQL: the rules players define (migration 0017), the
// append-only log of their firings, and what the leader's rule engine reads to evaluate them.
// db::pool threads.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/types.hpp"
#include "marketsim/trading/rules.hpp"

namespace marketsim::db::rules_repo {

struct rule_row {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::int64_t account_id = 0;
  std::string name;
  trading::rules::kind what = trading::rules::kind::price_alert;
  std::string symbol;
  nlohmann::json params;
  nlohmann::json state;
  bool enabled = true;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  // The newest firing: when, its action and outcome (0 / empty: never fired).
  std::int64_t last_fired_ms = 0;
  std::string last_outcome;
};

struct firing_row {
  std::int64_t id = 0;
  std::int64_t rule_id = 0;
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::int64_t market_ms = 0;  // 0: unknown
  trading::price_e4 price = 0;
  std::string action;           // alert, buy, sell, none
  std::string symbol;           // the order's (a rebalance's firings are of several)
  trading::price_e4 limit = 0;  // a limit order's price; 0: market
  std::int64_t qty = 0;
  std::string client_order_id;
  std::string outcome;  // pending, placed, refused, alerted
  std::string order_id;
  std::string reason;
};

// A new rule of the player's account; 403 too_many_rules beyond `cap` (checked under a lock
// on the player's row, so a crowd of requests cannot overshoot it).
[[nodiscard]] result<rule_row> create_rule(connection& c, const trading_repo::player& who,
                                           const std::string& name, trading::rules::kind k,
                                           const std::string& symbol, const nlohmann::json& params,
                                           int cap);
[[nodiscard]] std::vector<rule_row> list_rules(connection& c, std::int64_t user_id);
[[nodiscard]] std::optional<rule_row> find_rule(connection& c, std::int64_t user_id,
                                                std::int64_t rule_id);
// Changes what is given; a new definition starts the evaluation state afresh. nullopt: no such
// rule of the player's.
[[nodiscard]] std::optional<rule_row> update_rule(connection& c, std::int64_t user_id,
                                                  std::int64_t rule_id,
                                                  const std::optional<std::string>& name,
                                                  const std::optional<nlohmann::json>& params,
                                                  std::optional<bool> enabled);
// Marks it deleted (its log stays); false: no such rule of the player's.
[[nodiscard]] bool delete_rule(connection& c, std::int64_t user_id, std::int64_t rule_id);
// The rule's firings, newest first, older than `before_id` when given.
[[nodiscard]] std::vector<firing_row> list_firings(connection& c, std::int64_t rule_id,
                                                   std::optional<std::int64_t> before_id,
                                                   int limit);

// The engine's side.
struct live_rule {
  rule_row row;
  trading::rules::spec spec;
  trading::rules::state state;
};
// Every enabled rule of an active player, and the newest updated_at of all rules (the engine
// reads again only when it moved).
struct live_set {
  std::vector<live_rule> rules;
  std::int64_t version = 0;
};
[[nodiscard]] std::int64_t rules_version(connection& c);
[[nodiscard]] live_set read_live(connection& c);
// What the given accounts hold: (account, symbol) → qty and total cost.
struct holding {
  std::int64_t account_id = 0;
  std::string symbol;
  std::int64_t qty = 0;
  trading::money_e4 cost = 0;
};
[[nodiscard]] std::vector<holding> read_holdings(connection& c,
                                                 const std::vector<std::int64_t>& accounts);
// Their cash free to spend (not held back by open buy orders): account → cash.
[[nodiscard]] std::vector<std::pair<std::int64_t, trading::money_e4>> read_cash(
    connection& c, const std::vector<std::int64_t>& accounts);

// Records a firing and the rule's new state in one transaction; the firing's outcome is
// `alerted` for an alert, `refused` with the reason when no order can be placed, else `pending`
// until set_outcome. Returns the firing's id; 0 when this firing (rule, seq) was recorded
// already (a retry) or the rule is gone.
struct new_firing {
  std::int64_t rule_id = 0;
  std::int64_t seq = 0;
  std::int64_t market_ms = 0;
  trading::price_e4 price = 0;
  trading::rules::firing::action act = trading::rules::firing::action::alert;
  std::string symbol;
  std::optional<trading::price_e4> limit;
  std::int64_t qty = 0;
  std::string client_order_id;
  std::string outcome;
  std::string reason;
  nlohmann::json state;
  // An alert: the in-app notification's text, for the player's private stream and the mail.
  std::string notice;
  bool email = false;
};
[[nodiscard]] std::int64_t record_firing(connection& c, const new_firing& f);
void set_outcome(connection& c, std::int64_t firing_id, const std::string& outcome,
                 const std::string& order_id, const std::string& reason);
// The states alone (a trailing mark that rose, a day's close), when no firing carries them:
// rule id → state, in one transaction.
void save_states(connection& c, const std::vector<std::pair<std::int64_t, nlohmann::json>>& states);
// Firings whose order was never answered (the leader stopped between the two steps).
[[nodiscard]] std::vector<firing_row> pending_firings(connection& c);

// The backtest's ticks: the symbols' stored prices with market time in [from, to], in order, at
// most `limit` (one more tells the caller the window holds more).
[[nodiscard]] std::vector<market::tick> stored_ticks(connection& c,
                                                     const std::vector<std::string>& symbols,
                                                     std::int64_t from_ms, std::int64_t to_ms,
                                                     int limit);
// The last stored price of each symbol before `from_ms` (none: no entry).
[[nodiscard]] std::vector<std::pair<std::string, trading::price_e4>> prices_before(
    connection& c, const std::vector<std::string>& symbols, std::int64_t from_ms);

// "rule-<id>-<seq>": a retry of the firing places the same order, never a second one.
[[nodiscard]] std::string client_order_id_of(std::int64_t rule_id, std::int64_t seq);

}  // namespace marketsim::db::rules_repo
