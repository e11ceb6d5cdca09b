// A player's Insights history (see insights.hpp). db::pool threads.
#include "marketsim/db/insights.hpp"

#include <pqxx/pqxx>
#include <set>

#include "marketsim/market/catalog.hpp"
#include "order_rows.hpp"

namespace marketsim::db::insights_repo {

namespace {

// The index's price at a snapshot: recorded with it (price_snapshots, the same instant), else the
// index's last stored tick at or before the snapshot's market time. `symbol`: the parameter
// that names the index.
#define INDEX_AT(wall, market, symbol)                                             \
  "coalesce((select ip.price_e4 from price_snapshots ip where ip.symbol = " symbol \
  " and ip.at = " wall                                                             \
  "), (select (h.price * 10000)::bigint from price_history h where "               \
  "h.symbol = " symbol " and h.ts <= " market " order by h.ts desc limit 1))"

// The period's days after the last day before it (all of them for "all": $2 null), each with
// its snapshot's wall instant and the index there. $1: the account; $2: the period's first
// instant in market time, epoch ms.
constexpr const char* insight_days_sql =
    "with p as (select (to_timestamp($2::double precision / 1000) at time zone 'UTC')::date as "
    "first_day), b as (select max(market_day) as base_day from equity_days, p where account_id = "
    "$1 and market_day < p.first_day) select " MS("d.market_at") ", d.equity_e4, s.at::text, "
    INDEX_AT("s.at", "d.market_at", "$3") ", p.first_day is not null and d.market_day < p.first_day "
    "from equity_days d cross join p cross join b left join lateral (select at from "
    "equity_snapshots s where s.account_id = d.account_id and s.market_at = d.market_at order by "
    "at desc limit 1) s on true where d.account_id = $1 and (p.first_day is null or d.market_day "
    ">= coalesce(b.base_day, p.first_day)) order by d.market_day";

// The account's first valuation in market time.
constexpr const char* insight_first_sql =
    "select " MS("s.market_at") ", s.equity_e4, s.at::text, " INDEX_AT("s.at", "s.market_at", "$2")
    " from (select market_at, equity_e4, at from equity_snapshots where account_id = $1 and "
    "market_at is not null order by market_at limit 1) s";

// Each grant with the market time of the first valuation at or after it (null: not valued yet).
constexpr const char* insight_grants_sql =
    "select l.amount, (select " MS("s.market_at") " from equity_snapshots s where s.account_id = "
    "$1 and s.at >= l.at and s.market_at is not null order by s.at limit 1) from ledger l where "
    "l.to_account = $1 and l.kind = 'grant' and l.asset = 'USD' order by l.id";

// Every fill of the account, both sides, in commit order (a fill between an account's own
// orders is a buy, then a sell).
constexpr const char* insight_fills_sql =
    "select id, coalesce(" MS("market_at") ", 0), symbol, true, qty, price_e4 from fills where "
    "buy_account = $1 union all select id, coalesce(" MS("market_at") ", 0), symbol, false, qty, "
    "price_e4 from fills where sell_account = $1 order by 1, 4 desc";

constexpr const char* insight_prices_sql =
    "select p.symbol, a.at::text, p.price_e4 from unnest($1::text[]) as s(symbol) cross join "
    "unnest($2::timestamptz[]) as a(at) join price_snapshots p on p.symbol = s.symbol and p.at = "
    "a.at";

valuation valuation_of(const pqxx::row& r) {
  valuation v;
  v.market_ms = r[0].as<std::int64_t>();
  v.equity = r[1].as<std::int64_t>();
  v.wall_at = r[2].is_null() ? std::string() : r[2].as<std::string>();
  if (!r[3].is_null()) v.index = r[3].as<std::int64_t>();
  return v;
}

}  // namespace

history read_history(connection& c, const trading_repo::player& who, leaderboard_repo::period p,
                     std::int64_t market_now_ms) {
  history h;
  {
    pqxx::read_transaction tx(c);
    const std::string index(market::index_symbol);
    auto newest = tx.exec_params(
        "select " MS("market_at") " from equity_snapshots where account_id = $1 and market_at is "
        "not null order by market_at desc limit 1",
        who.account_id);
    h.as_of_ms = newest.empty() ? market_now_ms : newest[0][0].as<std::int64_t>();
    h.period_start_ms = leaderboard_repo::period_start_ms(h.as_of_ms, p);
    for (const auto& r :
         tx.exec_params(insight_days_sql, who.account_id, h.period_start_ms, index)) {
      if (r[4].as<bool>())
        h.base = valuation_of(r);
      else
        h.days.push_back(valuation_of(r));
    }
    // The opening matters only where no day before the period exists.
    if (!newest.empty() && !h.base) {
      auto first = tx.exec_params(insight_first_sql, who.account_id, index);
      if (!first.empty()) h.first = valuation_of(first[0]);
    }
    std::optional<std::int64_t> first_ms;
    if (!newest.empty()) {
      auto f = tx.exec_params("select " MS("min(market_at)") " from equity_snapshots where "
                              "account_id = $1 and market_at is not null",
                              who.account_id);
      first_ms = f[0][0].as<std::int64_t>();
    }
    for (const auto& r : tx.exec_params(insight_grants_sql, who.account_id)) {
      const auto amount = r[0].as<std::int64_t>();
      if (r[1].is_null()) {
        // Not valued yet: in no equity of the history, and in none of its flows either; before
        // any valuation at all, it is the opening.
        if (!first_ms) h.opening_cash += amount;
        continue;
      }
      const auto at = r[1].as<std::int64_t>();
      if (first_ms && at <= *first_ms)
        h.opening_cash += amount;
      else
        h.flows.push_back({at, amount});
    }
    std::set<std::string> symbols;
    for (const auto& r : tx.exec_params(insight_fills_sql, who.account_id)) {
      trading::insights::account_fill f;
      f.at_ms = r[1].as<std::int64_t>();
      f.symbol = r[2].as<std::string>();
      f.buy = r[3].as<bool>();
      f.qty = r[4].as<std::int64_t>();
      f.price = r[5].as<std::int64_t>();
      symbols.insert(f.symbol);
      h.fills.push_back(std::move(f));
    }
    std::vector<std::string> instants;
    if (h.base && !h.base->wall_at.empty()) instants.push_back(h.base->wall_at);
    if (!h.days.empty() && !h.days.back().wall_at.empty())
      instants.push_back(h.days.back().wall_at);
    if (!symbols.empty() && !instants.empty()) {
      for (const auto& r : tx.exec_params(insight_prices_sql,
                                          trading_repo::text_array_literal(std::vector<std::string>(
                                              symbols.begin(), symbols.end())),
                                          trading_repo::text_array_literal(instants)))
        h.prices.push_back(
            {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>()});
    }
  }
  h.state = trading_repo::read_account(c, who);
  return h;
}

#undef INDEX_AT

}  // namespace marketsim::db::insights_repo
