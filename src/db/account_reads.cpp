// Account reads and the ledger check (see account_reads.hpp). db::pool threads.
#include "marketsim/db/account_reads.hpp"

#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

using trading::money_e4;
using trading::order_record;
using trading::price_e4;

account_state read_account(connection& c, const player& who) {
  pqxx::read_transaction tx(c);
  account_state s;
  auto r = tx.exec_params("select id, uuid::text, cash_e4, reserved_e4, realized_pl_e4, " MS(
                              "created_at") " from accounts where id = $1",
                          who.account_id);
  auto& a = s.account;
  a.id = r[0][0].as<std::int64_t>();
  a.uuid = r[0][1].as<std::string>();
  a.user_id = who.user_id;
  a.cash = r[0][2].as<std::int64_t>();
  a.reserved = r[0][3].as<std::int64_t>();
  a.realized_pl = r[0][4].as<std::int64_t>();
  a.created_ms = r[0][5].as<std::int64_t>();
  for (const auto& p : tx.exec_params(
           "select symbol, qty, reserved_qty, cost_e4, realized_pl_e4 from positions where "
           "account_id = $1 and qty > 0 order by symbol",
           who.account_id))
    s.positions.push_back({p[0].as<std::string>(), p[1].as<std::int64_t>(), p[2].as<std::int64_t>(),
                           p[3].as<std::int64_t>(), p[4].as<std::int64_t>()});
  return s;
}

std::optional<money_e4> session_login_equity(connection& c, const std::string& session_hash_hex,
                                             money_e4 equity_now) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "update sessions set login_equity_e4 = coalesce(login_equity_e4, $2) where id_hash = "
      "decode($1, 'hex') returning login_equity_e4",
      session_hash_hex, equity_now);
  tx.commit();
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

ledger_check check_ledger(connection& c) {
  pqxx::read_transaction tx(c);
  ledger_check out;
  // Every transfer balances by construction; this checks the materialized balances agree.
  auto unbalanced = tx.exec(
                          "with flows as (select to_account as account, asset, amount from ledger "
                          "union all select "
                          "from_account, asset, -amount from ledger), sums as (select account, "
                          "asset, sum(amount) "
                          "as total from flows group by account, asset) select count(*) from sums "
                          "s join accounts "
                          "a on a.id = s.account where a.kind = 'player' and s.total <> case when "
                          "s.asset = 'USD' "
                          "then a.cash_e4 else coalesce((select qty from positions p where "
                          "p.account_id = a.id and "
                          "p.symbol = s.asset), 0) end")[0][0]
                        .as<std::int64_t>();
  out.balanced = unbalanced == 0;
  out.granted = tx.exec(
                      "select coalesce(sum(amount), 0)::bigint from ledger where kind = "
                      "'grant'")[0][0]
                    .as<std::int64_t>();
  out.player_cash =
      tx.exec("select coalesce(sum(cash_e4), 0)::bigint from accounts where kind = 'player'")[0][0]
          .as<std::int64_t>();
  return out;
}

}  // namespace marketsim::db::trading_repo
