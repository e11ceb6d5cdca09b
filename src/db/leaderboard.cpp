// The leaderboard's standings (see leaderboard.hpp). db::pool threads.
#include "marketsim/db/leaderboard.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <pqxx/pqxx>

#include "marketsim/trading/insights.hpp"
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
    "coalesce(b.equity_e4, g.granted), coalesce(l.equity_e4, g.granted), (select "
    "coalesce(string_agg(kind, ',' order "
    "by kind), '') from account_flags f where f.account_id = a.id) from accounts a join users u on "
    "u.id = "
    "a.user_id left join lateral (select equity_e4 from equity_snapshots s where s.account_id = "
    "a.id and s.market_at is not null order by s.market_at desc limit 1) l on true cross join "
    "lateral "
    "(select coalesce(sum(amount), 0)::bigint as granted from ledger where to_account = a.id and "
    "kind = 'grant' and asset = 'USD') g left join lateral (select equity_e4 from "
    "equity_snapshots s where s.account_id = a.id and s.market_at < coalesce(to_timestamp("
    "$1::double precision / 1000), '-infinity') order by "
    "s.market_at desc limit 1) b on true where a.kind = 'player' and u.status = 'active'";

// End-of-day equities in market-day order, per account: the period's days and, before them, the
// last day before the period (the base of its first return). $1: the period's first instant in
// market time, epoch ms (null for "all": every day).
constexpr const char* daily_sql =
    "with p as (select (to_timestamp($1::double precision / 1000) at time zone 'UTC')::date as "
    "first_day) select d.account_id, d.equity_e4 from (select account_id, market_day, equity_e4 "
    "from equity_days, p where p.first_day is null or market_day >= p.first_day union all select "
    "a.id, b.market_day, b.equity_e4 from accounts a cross join p cross join lateral (select "
    "market_day, equity_e4 from equity_days e where e.account_id = a.id and e.market_day < "
    "p.first_day order by market_day desc limit 1) b where a.kind = 'player') d order by "
    "d.account_id, d.market_day";

board read_standings(pqxx::transaction_base& tx, period p, std::int64_t market_now_ms) {
  board out;
  out.as_of_ms = tx.exec(newest_sql)[0][0].as<std::int64_t>();
  if (out.as_of_ms == 0) out.as_of_ms = market_now_ms;
  if (out.as_of_ms == 0) return out;
  // Passed as a number: no round trip to turn it into a timestamp.
  for (const auto& r : tx.exec_params(board_sql, period_start_ms(out.as_of_ms, p))) {
    standing s;
    s.account_id = r[0].as<std::int64_t>();
    s.user_id = r[1].as<std::int64_t>();
    s.user_tag = r[2].as<std::string>();
    s.display_name = r[3].as<std::string>();
    s.public_profile = r[4].as<bool>();
    s.bot_strategy = r[5].as<std::string>();
    s.start_equity = r[6].as<std::int64_t>();
    s.equity = r[7].as<std::int64_t>();
    for (auto flags = r[8].as<std::string>(); !flags.empty();) {
      const auto comma = flags.find(',');
      s.flags.push_back(flags.substr(0, comma));
      flags.erase(0, comma == std::string::npos ? flags.size() : comma + 1);
    }
    out.standings.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> period_start_ms(std::int64_t as_of_ms, period p) {
  constexpr std::int64_t day_ms = 86'400'000;
  if (p == period::all) return std::nullopt;
  const std::int64_t today = as_of_ms / day_ms * day_ms;
  const std::int64_t days = p == period::day ? 0 : p == period::week ? 6 : 29;
  return today - days * day_ms;
}

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

board read_board(connection& c, period p, std::int64_t market_now_ms) {
  pqxx::read_transaction tx(c);
  return read_standings(tx, p, market_now_ms);
}

board read_sharpe(connection& c, period p, std::int64_t market_now_ms) {
  pqxx::read_transaction tx(c);
  board out = read_standings(tx, p, market_now_ms);
  if (out.as_of_ms == 0) return out;
  std::map<std::int64_t, std::vector<trading::money_e4>> daily;
  for (const auto& r : tx.exec_params(daily_sql, period_start_ms(out.as_of_ms, p)))
    daily[r[0].as<std::int64_t>()].push_back(r[1].as<std::int64_t>());
  for (standing& s : out.standings) {
    auto it = daily.find(s.account_id);
    if (it == daily.end()) continue;
    s.daily_returns = static_cast<int>(it->second.size()) - 1;
    s.sharpe = annualized_sharpe(it->second);
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

std::optional<double> annualized_sharpe(const std::vector<trading::money_e4>& daily) {
  if (daily.size() < static_cast<std::size_t>(min_sharpe_returns) + 1) return std::nullopt;
  // An account at zero cannot have a return from there: the series says nothing.
  auto returns = trading::insights::simple_returns(daily);
  if (!returns) return std::nullopt;
  return trading::insights::annualized_sharpe(*returns);
}

std::size_t rank_by_sharpe(std::vector<standing>& standings) {
  std::sort(standings.begin(), standings.end(), [](const standing& x, const standing& y) {
    if (x.sharpe.has_value() != y.sharpe.has_value()) return x.sharpe.has_value();
    if (x.sharpe && *x.sharpe != *y.sharpe) return *x.sharpe > *y.sharpe;
    return x.account_id < y.account_id;
  });
  return static_cast<std::size_t>(std::count_if(
      standings.begin(), standings.end(), [](const standing& s) { return s.sharpe.has_value(); }));
}

}  // namespace marketsim::db::leaderboard_repo
