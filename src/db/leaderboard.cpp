// The leaderboard's standings (see leaderboard.hpp). db::pool threads.
#include "marketsim/db/leaderboard.hpp"

#include <algorithm>
#include <array>
#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::leaderboard_repo {

namespace {

constexpr std::array<std::pair<period, std::string_view>, 4> names{
    {{period::day, "day"}, {period::week, "week"}, {period::month, "month"}, {period::all, "all"}}};

// The newest snapshot's market time, found account by account (an index probe each, never a
// pass over every snapshot).
constexpr const char* newest_sql =
    "select coalesce(max(" MS("l.market_at") "), 0) from accounts a cross join lateral (select "
    "market_at from equity_snapshots s where s.account_id = a.id and s.market_at is not null "
    "order by s.market_at desc limit 1) l where a.kind = 'player'";

// $1: the period's first instant in market time, epoch ms (null for "all": since the grant).
constexpr const char* board_sql =
    "select a.id, a.user_id, u.user_tag, u.display_name, u.public_profile, "
    "coalesce(u.bot_strategy, ''), "
    "coalesce(b.equity_e4, g.granted), l.equity_e4 from accounts a join users u on u.id = "
    "a.user_id cross join lateral (select equity_e4 from equity_snapshots s where s.account_id = "
    "a.id and s.market_at is not null order by s.market_at desc limit 1) l cross join lateral "
    "(select coalesce(sum(amount), 0)::bigint as granted from ledger where to_account = a.id and "
    "kind = 'grant' and asset = 'USD') g left join lateral (select equity_e4 from "
    "equity_snapshots s where s.account_id = a.id and s.market_at < coalesce(to_timestamp("
    "$1::double precision / 1000), '-infinity') order by "
    "s.market_at desc limit 1) b on true where a.kind = 'player' and u.status = 'active'";

}  // namespace

std::optional<period> parse_period(std::string_view text) noexcept {
  for (const auto& [p, name] : names)
    if (name == text) return p;
  return std::nullopt;
}

std::string_view period_name(period p) noexcept {
  for (const auto& [q, name] : names)
    if (q == p) return name;
  return "all";
}

board read_board(connection& c, period p) {
  board out;
  pqxx::read_transaction tx(c);
  out.as_of_ms = tx.exec(newest_sql)[0][0].as<std::int64_t>();
  if (out.as_of_ms == 0) return out;
  // Market days are UTC dates of the market's time (the replay's exchange days).
  constexpr std::int64_t day_ms = 86'400'000;
  const std::int64_t today = out.as_of_ms / day_ms * day_ms;
  const std::int64_t days = p == period::day ? 0 : p == period::week ? 6 : 29;
  // Passed as a number: no round trip to turn it into a timestamp.
  const std::optional<std::int64_t> start =
      p == period::all ? std::nullopt : std::optional(today - days * day_ms);
  for (const auto& r : tx.exec_params(board_sql, start)) {
    standing s;
    s.account_id = r[0].as<std::int64_t>();
    s.user_id = r[1].as<std::int64_t>();
    s.user_tag = r[2].as<std::string>();
    s.display_name = r[3].as<std::string>();
    s.public_profile = r[4].as<bool>();
    s.bot_strategy = r[5].as<std::string>();
    s.start_equity = r[6].as<std::int64_t>();
    s.equity = r[7].as<std::int64_t>();
    out.standings.push_back(std::move(s));
  }
  return out;
}

void rank_by_return(std::vector<standing>& standings) {
  std::erase_if(standings, [](const standing& s) { return s.start_equity <= 0; });
  // a/b > c/d with b, d > 0 is a*d > c*b: exact in 128 bits for any two equities.
  std::sort(standings.begin(), standings.end(), [](const standing& x, const standing& y) {
    const __int128 lhs = static_cast<__int128>(x.equity) * y.start_equity;
    const __int128 rhs = static_cast<__int128>(y.equity) * x.start_equity;
    if (lhs != rhs) return lhs > rhs;
    return x.account_id < y.account_id;
  });
}

}  // namespace marketsim::db::leaderboard_repo
