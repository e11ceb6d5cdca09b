// The player's visits and what happened while they were away (see visits.hpp). db::pool threads.
#include "marketsim/db/visits.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "order_rows.hpp"

#define TS(param) "to_timestamp(" param "::double precision / 1000)"

namespace marketsim::db::visit_repo {

namespace {

using trading::money_e4;

#define VISIT_COLUMNS                                                   \
  "v.version, " MS("v.started_at") ", " MS("v.last_active_at") ", " MS( \
      "v.away_from_at") ", v.dismissed"

constexpr const char* read_sql = "select " VISIT_COLUMNS " from user_visits v where v.user_id = $1";

// $3: the version the decision was made on (null: there was no row). A request that wrote in
// between changed it, and this one decides again on what that one wrote.
constexpr const char* start_sql =
    "insert into user_visits as v (user_id, started_at, started_db, last_active_at, "
    "last_active_db) values ($1, " TS("$2") ", now(), " TS("$2") ", now()) on conflict (user_id) "
    "do update set away_from_at = v.last_active_at, away_from_db = v.last_active_db, started_at "
    "= excluded.started_at, started_db = excluded.started_db, last_active_at = "
    "excluded.last_active_at, last_active_db = excluded.last_active_db, dismissed = false, "
    "version = v.version + 1 where v.version = $3::bigint returning " VISIT_COLUMNS;

constexpr const char* touch_sql =
    "update user_visits v set last_active_at = " TS("$2") ", last_active_db = now(), version = "
    "v.version + 1 where v.user_id = $1 and v.version = $3::bigint returning " VISIT_COLUMNS;

// The account's starting grant: the "then" of a first visit, as of the leaderboard's "all".
#define GRANT_OF(account)                                                            \
  "(select coalesce(sum(amount), 0)::bigint from ledger where to_account = " account \
  " and "                                                                            \
  "kind = 'grant' and asset = 'USD')"

constexpr const char* baseline_sql =
    "select " MS("v.away_from_at") ", coalesce((select s.equity_e4 from equity_snapshots s where "
    "s.account_id = $2 and s.at <= v.away_from_db order by s.at desc limit 1), " GRANT_OF(
        "$2") ") from (select 1) one left join user_visits v on v.user_id = $1";

// The player's fills between the previous visit's end and this visit's start, of orders placed
// before that end: as buyer and as seller, each an index range on (account, at).
constexpr const char* fills_sql =
    "with v as (select away_from_db, started_db from user_visits where user_id = $1 and "
    "away_from_db is not null), x as (select f.id, f.buy_order as order_id, 'buy' as side from "
    "fills f, v where f.buy_account = $2 and f.at > v.away_from_db and f.at <= v.started_db "
    "union all select f.id, f.sell_order, 'sell' from fills f, v where f.sell_account = $2 and "
    "f.at > v.away_from_db and f.at <= v.started_db) select o.id::text, f.symbol, x.side, f.qty, "
    "f.price_e4, " MS("f.at") ", count(*) over () from x join fills f on f.id = x.id join orders o "
    "on o.id = x.order_id cross join v where o.submitted_at <= v.away_from_db order by f.at "
    "desc, f.id desc limit $3";

constexpr const char* prices_sql =
    "select t.symbol, p.price_e4 from unnest($2::text[]) as t(symbol) cross join lateral (select "
    "s.price_e4 from price_snapshots s where s.symbol = t.symbol and s.at <= (select "
    "away_from_db from user_visits where user_id = $1) order by s.at desc limit 1) p";

// The leaderboard's "all" as it stood at the previous visit's end: every active player's last
// snapshot by then, against the grant (an index probe each).
constexpr const char* board_then_sql =
    "select a.id, a.user_id, g.granted, l.equity_e4 from user_visits v cross join accounts a join "
    "users u on u.id = a.user_id cross join lateral (select equity_e4 from equity_snapshots s "
    "where s.account_id = a.id and s.at <= v.away_from_db order by s.at desc limit 1) l cross "
    "join lateral (select " GRANT_OF("a.id") " as granted) g where v.user_id = $1 and a.kind = "
    "'player' and u.status = 'active'";

struct stored_visit {
  std::int64_t version = 0;
  visit v;
};

stored_visit read_visit(const pqxx::row& r) {
  stored_visit out;
  out.version = r[0].as<std::int64_t>();
  out.v.started_ms = r[1].as<std::int64_t>();
  out.v.last_active_ms = r[2].as<std::int64_t>();
  if (!r[3].is_null()) out.v.away_from_ms = r[3].as<std::int64_t>();
  out.v.dismissed = r[4].as<bool>();
  return out;
}

}  // namespace

visit_step next_step(std::optional<std::int64_t> last_active_ms, std::int64_t now_ms,
                     bool exact) noexcept {
  if (!last_active_ms) return visit_step::start;
  const std::int64_t gap = now_ms - *last_active_ms;
  if (gap > visit_gap_ms) return visit_step::start;
  if (gap >= activity_every_ms || (exact && gap > 0)) return visit_step::touch;
  return visit_step::none;
}

visit note_activity(connection& c, std::int64_t user_id, std::int64_t now_ms, bool exact) {
  // Requests that race (a page's first requests after an absence) each decide on the row they
  // read; only one write per version wins, and the others decide again on what it wrote. Every
  // round some request writes, so a few rounds are enough; after them this one gives up on
  // storing its own activity and answers with the visit as stored.
  constexpr int rounds = 4;
  std::optional<stored_visit> seen;
  for (int round = 0; round < rounds; ++round) {
    pqxx::work tx(c);
    auto r = tx.exec_params(read_sql, user_id);
    seen.reset();
    if (!r.empty()) seen = read_visit(r[0]);
    const auto step =
        next_step(seen ? std::optional(seen->v.last_active_ms) : std::nullopt, now_ms, exact);
    if (step == visit_step::none) return seen->v;
    const std::optional<std::int64_t> version = seen ? std::optional(seen->version) : std::nullopt;
    auto w =
        tx.exec_params(step == visit_step::start ? start_sql : touch_sql, user_id, now_ms, version);
    if (!w.empty()) {
      auto written = read_visit(w[0]);
      tx.commit();
      return written.v;
    }
  }
  if (seen) return seen->v;
  // Never stored (every round lost a race to create the row): read what the winner wrote.
  pqxx::read_transaction tx(c);
  auto r = tx.exec_params(read_sql, user_id);
  return r.empty() ? visit{now_ms, now_ms, std::nullopt, false} : read_visit(r[0]).v;
}

baseline read_baseline(connection& c, std::int64_t user_id, std::int64_t account_id) {
  pqxx::read_transaction tx(c);
  auto r = tx.exec_params(baseline_sql, user_id, account_id);
  baseline out;
  if (!r[0][0].is_null()) out.away_from_ms = r[0][0].as<std::int64_t>();
  out.equity = r[0][1].as<money_e4>();
  return out;
}

bool dismiss(connection& c, std::int64_t user_id, std::int64_t visit_started_ms) {
  pqxx::work tx(c);
  auto r = tx.exec_params("update user_visits v set dismissed = true where v.user_id = $1 and " MS(
                              "v.started_at") " = $2",
                          user_id, visit_started_ms);
  tx.commit();
  return r.affected_rows() > 0;
}

away_summary read_away_summary(connection& c, std::int64_t user_id, std::int64_t account_id,
                               const std::vector<std::string>& symbols) {
  pqxx::read_transaction tx(c);
  away_summary out;
  auto b = tx.exec_params(baseline_sql, user_id, account_id);
  if (!b[0][0].is_null()) out.then.away_from_ms = b[0][0].as<std::int64_t>();
  out.then.equity = b[0][1].as<money_e4>();
  if (!out.then.away_from_ms) return out;

  for (const auto& r :
       tx.exec_params(fills_sql, user_id, account_id, static_cast<std::int64_t>(max_away_fills))) {
    out.fills.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                         r[3].as<std::int64_t>(), r[4].as<std::int64_t>(),
                         r[5].as<std::int64_t>()});
    out.fill_count = r[6].as<std::int64_t>();
  }
  if (!symbols.empty())
    for (const auto& r : tx.exec_params(prices_sql, user_id, trading_repo::array_literal(symbols)))
      out.prices_then.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
  for (const auto& r : tx.exec_params(board_then_sql, user_id)) {
    leaderboard_repo::standing s;
    s.account_id = r[0].as<std::int64_t>();
    s.user_id = r[1].as<std::int64_t>();
    s.start_equity = r[2].as<std::int64_t>();
    s.equity = r[3].as<std::int64_t>();
    out.board_then.push_back(std::move(s));
  }
  leaderboard_repo::rank_by_return(out.board_then);
  return out;
}

std::vector<holding_move> biggest_moves(std::vector<holding_move> moves, std::size_t count) {
  std::erase_if(moves, [](const holding_move& m) { return m.then <= 0; });
  auto size = [](const holding_move& m) -> __int128 {
    return m.now >= m.then ? m.now - m.then : m.then - m.now;
  };
  // |a.now - a.then| / a.then > |b.now - b.then| / b.then, cross-multiplied: exact.
  std::sort(moves.begin(), moves.end(), [&](const holding_move& a, const holding_move& b) {
    const __int128 lhs = size(a) * b.then;
    const __int128 rhs = size(b) * a.then;
    if (lhs != rhs) return lhs > rhs;
    return a.symbol < b.symbol;
  });
  if (moves.size() > count) moves.resize(count);
  return moves;
}

std::optional<std::size_t> rank_of(const std::vector<leaderboard_repo::standing>& ranked,
                                   std::int64_t user_id) noexcept {
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (ranked[i].user_id == user_id) return i + 1;
  return std::nullopt;
}

}  // namespace marketsim::db::visit_repo

#undef VISIT_COLUMNS
#undef GRANT_OF
