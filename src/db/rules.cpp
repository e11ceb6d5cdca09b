// Trading actions' rules and firings in PostgreSQL (see rules.hpp). db::pool threads.
#include "marketsim/db/rules.hpp"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "marketsim/db/change_listener.hpp"
#include "order_rows.hpp"

namespace marketsim::db::rules_repo {

namespace {

using json = nlohmann::json;
namespace rules = trading::rules;

constexpr const char* rule_columns =
    "r.id, r.user_id, r.account_id, r.name, r.kind, r.symbol, r.params::text, r.state::text, "
    "r.enabled, " MS("r.created_at") ", " MS("r.updated_at") ", coalesce(" MS(
        "f.at") ", 0), coalesce(f.outcome, '')";
// The newest firing of each rule: one index probe (rule_id, seq is unique).
constexpr const char* last_firing =
    " left join lateral (select at, outcome from rule_firings x where x.rule_id = r.id order by "
    "x.seq desc limit 1) f on true";

rule_row read_rule(const pqxx::row& r) {
  rule_row out;
  out.id = r[0].as<std::int64_t>();
  out.user_id = r[1].as<std::int64_t>();
  out.account_id = r[2].as<std::int64_t>();
  out.name = r[3].as<std::string>();
  out.what = rules::parse_kind(r[4].as<std::string>()).value_or(rules::kind::price_alert);
  out.symbol = r[5].as<std::string>();
  out.params = json::parse(r[6].as<std::string>(), nullptr, false);
  out.state = json::parse(r[7].as<std::string>(), nullptr, false);
  out.enabled = r[8].as<bool>();
  out.created_ms = r[9].as<std::int64_t>();
  out.updated_ms = r[10].as<std::int64_t>();
  out.last_fired_ms = r[11].as<std::int64_t>();
  out.last_outcome = r[12].as<std::string>();
  return out;
}

firing_row read_firing(const pqxx::row& r) {
  firing_row f;
  f.id = r[0].as<std::int64_t>();
  f.rule_id = r[1].as<std::int64_t>();
  f.seq = r[2].as<std::int64_t>();
  f.at_ms = r[3].as<std::int64_t>();
  f.market_ms = r[4].is_null() ? 0 : r[4].as<std::int64_t>();
  f.price = r[5].as<std::int64_t>();
  f.action = r[6].as<std::string>();
  f.qty = r[7].is_null() ? 0 : r[7].as<std::int64_t>();
  f.client_order_id = r[8].is_null() ? "" : r[8].as<std::string>();
  f.outcome = r[9].as<std::string>();
  f.order_id = r[10].is_null() ? "" : r[10].as<std::string>();
  f.reason = r[11].is_null() ? "" : r[11].as<std::string>();
  f.symbol = r[12].as<std::string>();
  f.limit = r[13].is_null() ? 0 : r[13].as<std::int64_t>();
  return f;
}

constexpr const char* firing_columns =
    "id, rule_id, seq, " MS("at") ", " MS("market_at") ", price_e4, action, qty, "
    "client_order_id, outcome, order_id::text, reason, symbol, limit_e4";

// Every change (a new rule, an edit, a pause, a deletion) moves updated_at or the count; a
// firing's state does not (the engine holds that itself).
std::int64_t version_of(pqxx::transaction_base& tx) {
  return tx.exec("select coalesce(" MS("max(updated_at)") ", 0) + count(*) from rules")[0][0]
      .as<std::int64_t>();
}

std::optional<rule_row> select_rule(pqxx::transaction_base& tx, std::int64_t user_id,
                                    std::int64_t rule_id) {
  auto r = tx.exec_params(fmt::format("select {} from rules r{} where r.id = $1 and r.user_id = "
                                      "$2 and r.deleted_at is null",
                                      rule_columns, last_firing),
                          rule_id, user_id);
  if (r.empty()) return std::nullopt;
  return read_rule(r[0]);
}

}  // namespace

std::vector<market::tick> stored_ticks(connection& c, const std::vector<std::string>& symbols,
                                       std::int64_t from_ms, std::int64_t to_ms, int limit) {
  pqxx::read_transaction tx(c);
  std::vector<market::tick> out;
  for (const auto& r : tx.exec_params(
           "select symbol, (price * 10000)::bigint, " MS(
               "ts") " from price_history where symbol = any($1::text[]) and ts >= "
                     "to_timestamp($2::double precision / 1000) and ts <= to_timestamp($3::double "
                     "precision / 1000) order by ts, seq limit $4",
           trading_repo::array_literal(symbols), from_ms, to_ms, limit))
    out.push_back({r[0].as<std::string>(), r[1].as<std::int64_t>(), 0, r[2].as<std::int64_t>()});
  return out;
}

std::vector<std::pair<std::string, trading::price_e4>> prices_before(
    connection& c, const std::vector<std::string>& symbols, std::int64_t from_ms) {
  pqxx::read_transaction tx(c);
  std::vector<std::pair<std::string, trading::price_e4>> out;
  // One index probe per symbol, newest first below the window.
  for (const auto& r : tx.exec_params(
           "select s, p.price from unnest($1::text[]) s cross join lateral (select (price * "
           "10000)::bigint as price from price_history where symbol = s and ts < "
           "to_timestamp($2::double precision / 1000) order by ts desc, seq desc limit 1) p",
           trading_repo::array_literal(symbols), from_ms))
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
  return out;
}

std::string client_order_id_of(std::int64_t rule_id, std::int64_t seq) {
  return fmt::format("rule-{}-{}", rule_id, seq);
}

result<rule_row> create_rule(connection& c, const trading_repo::player& who,
                             const std::string& name, rules::kind k, const std::string& symbol,
                             const json& params, int cap) {
  pqxx::work tx(c);
  // The player's row locked: parallel creations count one after another.
  tx.exec_params("select 1 from users where id = $1 for update", who.user_id);
  const auto n = tx.exec_params(
                       "select count(*) from rules where user_id = $1 and deleted_at "
                       "is null",
                       who.user_id)[0][0]
                     .as<std::int64_t>();
  if (n >= cap)
    return fail(errc::too_many_rules,
                fmt::format("a player may have at most {} rules (MARKETSIM_MAX_RULES)", cap));
  auto id = tx.exec_params(
                  "insert into rules (user_id, account_id, name, kind, symbol, params) "
                  "values ($1, $2, $3, $4, $5, $6::jsonb) returning id",
                  who.user_id, who.account_id, name, std::string(rules::kind_name(k)), symbol,
                  params.dump())[0][0]
                .as<std::int64_t>();
  auto row = select_rule(tx, who.user_id, id);
  tx.commit();
  return *row;
}

std::vector<rule_row> list_rules(connection& c, std::int64_t user_id) {
  pqxx::read_transaction tx(c);
  std::vector<rule_row> out;
  for (const auto& r : tx.exec_params(
           fmt::format("select {} from rules r{} where r.user_id = $1 and r.deleted_at is null "
                       "order by r.id",
                       rule_columns, last_firing),
           user_id))
    out.push_back(read_rule(r));
  return out;
}

std::optional<rule_row> find_rule(connection& c, std::int64_t user_id, std::int64_t rule_id) {
  pqxx::read_transaction tx(c);
  return select_rule(tx, user_id, rule_id);
}

std::optional<rule_row> update_rule(connection& c, std::int64_t user_id, std::int64_t rule_id,
                                    const std::optional<std::string>& name,
                                    const std::optional<json>& params,
                                    std::optional<bool> enabled) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "update rules set name = coalesce($3, name), params = coalesce($4::jsonb, params), "
      "state = case when $4::jsonb is null then state else jsonb_build_object('firings', "
      "coalesce((state->>'firings')::bigint, 0)) end, enabled = coalesce($5, enabled), "
      "updated_at = now() where id = $1 and user_id = $2 and deleted_at is null returning id",
      rule_id, user_id, name, params ? std::optional<std::string>(params->dump()) : std::nullopt,
      enabled);
  if (r.empty()) return std::nullopt;
  auto row = select_rule(tx, user_id, rule_id);
  tx.commit();
  return row;
}

bool delete_rule(connection& c, std::int64_t user_id, std::int64_t rule_id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "update rules set deleted_at = now(), enabled = false, updated_at = now() where id = $1 "
      "and user_id = $2 and deleted_at is null",
      rule_id, user_id);
  tx.commit();
  return r.affected_rows() > 0;
}

std::vector<firing_row> list_firings(connection& c, std::int64_t rule_id,
                                     std::optional<std::int64_t> before_id, int limit) {
  pqxx::read_transaction tx(c);
  std::vector<firing_row> out;
  for (const auto& r : tx.exec_params(
           fmt::format("select {} from rule_firings where rule_id = $1 and ($2::bigint is null "
                       "or id < $2) order by id desc limit $3",
                       firing_columns),
           rule_id, before_id, limit))
    out.push_back(read_firing(r));
  return out;
}

std::int64_t rules_version(connection& c) {
  pqxx::read_transaction tx(c);
  return version_of(tx);
}

live_set read_live(connection& c) {
  pqxx::read_transaction tx(c);
  live_set out;
  out.version = version_of(tx);
  for (const auto& r : tx.exec(fmt::format(
           "select {} from rules r join users u on u.id = r.user_id{} where r.deleted_at is "
           "null and r.enabled and u.status = 'active' order by r.id",
           rule_columns, last_firing))) {
    live_rule l;
    l.row = read_rule(r);
    auto spec = rules::spec_from_stored(l.row.what, l.row.symbol, l.row.params);
    if (!spec) continue;  // checked when stored: only a hand-edited row could fail
    l.spec = std::move(*spec);
    l.state = rules::state_from_stored(l.row.state);
    out.rules.push_back(std::move(l));
  }
  return out;
}

std::vector<holding> read_holdings(connection& c, const std::vector<std::int64_t>& accounts) {
  pqxx::read_transaction tx(c);
  std::vector<holding> out;
  if (accounts.empty()) return out;
  for (const auto& r :
       tx.exec_params("select account_id, symbol, qty, cost_e4 from positions where account_id = "
                      "any($1::bigint[]) and qty > 0",
                      trading_repo::array_literal(accounts)))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                   r[3].as<std::int64_t>()});
  return out;
}

std::vector<std::pair<std::int64_t, trading::money_e4>> read_cash(
    connection& c, const std::vector<std::int64_t>& accounts) {
  pqxx::read_transaction tx(c);
  std::vector<std::pair<std::int64_t, trading::money_e4>> out;
  if (accounts.empty()) return out;
  for (const auto& r :
       tx.exec_params("select id, cash_e4 - reserved_e4 from accounts where id = any($1::bigint[])",
                      trading_repo::array_literal(accounts)))
    out.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::int64_t>());
  return out;
}

std::int64_t record_firing(connection& c, const new_firing& f) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "insert into rule_firings (rule_id, seq, market_at, price_e4, action, qty, "
      "client_order_id, outcome, reason, symbol, limit_e4) select $1, $2, case when $3::bigint "
      "> 0 then to_timestamp($3::double precision / 1000) end, $4, $5, nullif($6::bigint, 0), "
      "nullif($7, ''), $8, nullif($9, ''), $10, $11 from rules where id = $1 and deleted_at is "
      "null on conflict (rule_id, seq) do nothing returning id",
      f.rule_id, f.seq, f.market_ms, f.price, std::string(rules::action_name(f.act)), f.qty,
      f.client_order_id, f.outcome, f.reason, f.symbol, f.limit);
  if (r.empty()) return 0;
  const auto id = r[0][0].as<std::int64_t>();
  tx.exec_params("update rules set state = $2::jsonb where id = $1", f.rule_id, f.state.dump());
  if (!f.notice.empty()) {
    // The player's streams on every instance (the trade updates' channel), and mail if asked.
    auto owner = tx.exec_params("select user_id from rules where id = $1", f.rule_id);
    const auto user_id = owner[0][0].as<std::int64_t>();
    const json note{{"user", user_id},
                    {"event", "notification"},
                    {"data",
                     {{"rule_id", std::to_string(f.rule_id)},
                      {"firing_id", std::to_string(id)},
                      {"message", f.notice}}}};
    tx.exec_params("select pg_notify($1, $2)", std::string(trades_channel), note.dump());
    if (f.email) {
      tx.exec_params(
          "insert into outbox (to_address, subject, body) select email, $2, $3 from users "
          "where id = $1",
          user_id, std::string("marketsim: ") + f.notice, f.notice);
      tx.exec("notify marketsim_outbox");
    }
  }
  tx.commit();
  return id;
}

void set_outcome(connection& c, std::int64_t firing_id, const std::string& outcome,
                 const std::string& order_id, const std::string& reason) {
  pqxx::work tx(c);
  tx.exec_params(
      "update rule_firings set outcome = $2, order_id = nullif($3, '')::uuid, reason = "
      "nullif($4, '') where id = $1 and outcome = 'pending'",
      firing_id, outcome, order_id, reason);
  tx.commit();
}

void save_states(connection& c, const std::vector<std::pair<std::int64_t, json>>& states) {
  pqxx::work tx(c);
  for (const auto& [rule_id, state] : states)
    tx.exec_params("update rules set state = $2::jsonb where id = $1", rule_id, state.dump());
  tx.commit();
}

std::vector<firing_row> pending_firings(connection& c) {
  pqxx::read_transaction tx(c);
  std::vector<firing_row> out;
  for (const auto& r : tx.exec(fmt::format(
           "select {} from rule_firings where outcome = 'pending' order by id", firing_columns)))
    out.push_back(read_firing(r));
  return out;
}

}  // namespace marketsim::db::rules_repo
