// Equity snapshots and history (see equity.hpp). db::pool threads.
#include "marketsim/db/equity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

using trading::money_e4;
using trading::order_record;
using trading::price_e4;

std::int64_t snapshot_equity(connection& c,
                             const std::vector<std::pair<std::string, price_e4>>& prices,
                             std::int64_t market_ms) {
  std::vector<std::string> symbols, values;
  for (const auto& [symbol, price] : prices) {
    symbols.push_back(symbol);
    values.push_back(std::to_string(price));
  }
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "insert into equity_snapshots (account_id, at, equity_e4, market_at) select a.id, now(), "
      "a.cash_e4 + coalesce(sum(coalesce(p.qty * t.price, p.cost_e4)), 0), case when $3::bigint "
      "> 0 then to_timestamp($3::double precision / 1000) end from accounts a left join "
      "positions p on p.account_id = a.id and p.qty > 0 left join unnest($1::text[], "
      "$2::bigint[]) as t(symbol, price) on t.symbol = p.symbol where a.kind = 'player' group "
      "by a.id, a.cash_e4 on conflict do nothing",
      array_literal(symbols), array_literal(values), market_ms);
  // The prices the snapshot valued, at the same instant (the transaction's now()): a player's
  // holdings' moves since a past snapshot (db/visits.hpp).
  tx.exec_params(
      "insert into price_snapshots (symbol, at, price_e4) select t.symbol, now(), t.price from "
      "unnest($1::text[], $2::bigint[]) as t(symbol, price) where t.price > 0 on conflict do "
      "nothing",
      array_literal(symbols), array_literal(values));
  tx.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

std::vector<equity_point> equity_history(connection& c, const player& who, std::int64_t from_ms,
                                         std::int64_t to_ms, std::int64_t bucket_ms,
                                         snapshot_clock clock) {
  pqxx::read_transaction tx(c);
  // Both clocks have an index on (account_id, the clock's column).
  const char* at = clock == snapshot_clock::market ? "market_at" : "at";
  // One index probe per bucket (its last snapshot) from the bucket of the first snapshot in the
  // range to that of the last, never a pass over every snapshot: a year by the day reads 365
  // rows, not the half million a minute's snapshots leave behind. At most max_history_points
  // buckets, the newest.
  auto edge = [&](const char* dir) -> std::optional<std::int64_t> {
    auto r = tx.exec_params(
        fmt::format("select " MS("{0}") " from equity_snapshots where account_id = $1 and {0} >= "
                                        "to_timestamp($2::double precision / 1000) and {0} <= "
                                        "to_timestamp($3::double "
                                        "precision / 1000) order by {0} {1} limit 1",
                    at, dir),
        who.account_id, from_ms, to_ms);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  };
  auto lo = edge("asc");
  auto hi = edge("desc");
  std::vector<equity_point> out;
  if (!lo || !hi || bucket_ms <= 0) return out;
  const std::int64_t last = *hi / bucket_ms * bucket_ms;
  const std::int64_t first =
      std::max(*lo / bucket_ms * bucket_ms, last - (max_history_points - 1) * bucket_ms);
  for (const auto& r : tx.exec_params(
           fmt::format(
               "select g.b, s.equity_e4 from generate_series($4::bigint, $5::bigint, $6::bigint) "
               "as g(b) cross join lateral (select equity_e4 from equity_snapshots where "
               "account_id = $1 and {0} >= greatest(to_timestamp($2::double precision / 1000), "
               "timestamptz 'epoch' + g.b * interval '1 millisecond') and {0} < timestamptz "
               "'epoch' + (g.b + $6) * interval '1 millisecond' and {0} <= "
               "to_timestamp($3::double precision / 1000) order by {0} desc limit 1) s order by "
               "g.b",
               at),
           who.account_id, from_ms, to_ms, first, last, bucket_ms))
    out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>()});
  return out;
}

std::int64_t first_market_snapshot_ms(connection& c, std::int64_t account_id) {
  pqxx::read_transaction tx(c);
  // min() over the (account_id, market_at) index: one probe.
  return tx
      .exec_params("select coalesce(min(" MS("market_at") "), 0) from equity_snapshots where "
                   "account_id = $1",
                   account_id)[0][0]
      .as<std::int64_t>();
}

}  // namespace marketsim::db::trading_repo
