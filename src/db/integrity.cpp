// The integrity scan's flags (see integrity.hpp). db::pool threads.
#include "marketsim/db/integrity.hpp"

#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::integrity_repo {

namespace {

// $1: the window in hours; $2: min_pair_fills; $3: shared_address_accounts; $4: off_market_ppm.
// Each finding is one row per (account, kind), its detail a JSON object; the statement then
// makes account_flags exactly the findings.
constexpr const char* scan_sql = R"sql(
with humans as (
  select a.id from accounts a join users u on u.id = a.user_id
   where a.kind = 'player' and u.bot_strategy is null),
-- Each player-to-player fill of a person, from that person's side (index probes per account).
sides as (
  select f.id, f.buy_account as me, f.sell_account as other, f.qty * f.price_e4 as notional,
         f.symbol, f.price_e4, f.market_at
    from humans h join fills f on f.buy_account = h.id
   where f.sell_account is not null and f.at > now() - make_interval(hours => $1)
  union all
  select f.id, f.sell_account, f.buy_account, f.qty * f.price_e4, f.symbol, f.price_e4, f.market_at
    from humans h join fills f on f.sell_account = h.id
   where f.buy_account is not null and f.at > now() - make_interval(hours => $1)),
pairs as (
  select me, other, count(*) as fills, sum(notional) as notional,
         sum(sum(notional)) over (partition by me) as total
    from sides group by me, other),
-- Both sides did at least half of their player-to-player volume with the other (a bot
-- counterparty has no row of its own in pairs, so trading with the market makers never counts).
wash as (
  select x.me as account_id, 'wash_trading'::text as kind,
         jsonb_build_object('counterparties', jsonb_agg(jsonb_build_object(
           'account', x.other, 'fills', x.fills,
           'share', round(x.notional / nullif(x.total, 0), 4)) order by x.other)) as detail
    from pairs x join pairs y on y.me = x.other and y.other = x.me
   where x.fills >= $2 and x.notional * 2 >= x.total and y.notional * 2 >= y.total
   group by x.me),
-- The market's price at each fill's market time: the last tick at or before it.
priced as (
  select s.me, s.id, abs(s.price_e4 - r.price * 10000) / (r.price * 10000) as deviation
    from sides s cross join lateral (
      select price from price_history h where h.symbol = s.symbol and h.ts <= s.market_at
       order by h.ts desc limit 1) r
   where s.market_at is not null),
off_market as (
  select me as account_id, 'off_market'::text as kind,
         jsonb_build_object('fills', count(*), 'worst_deviation', round(max(deviation), 4),
                            'last_fill', max(id)) as detail
    from priced where deviation * 1000000 > $4 group by me),
shared as (
  select ua.address, count(distinct ua.user_id) as accounts
    from user_addresses ua join users u on u.id = ua.user_id
   where ua.last_at > now() - make_interval(hours => $1) and u.bot_strategy is null
   group by ua.address having count(distinct ua.user_id) >= $3),
-- The address itself stays out of the detail: admins see how many share it, not where it is.
shared_address as (
  select a.id as account_id, 'shared_address'::text as kind,
         jsonb_build_object('accounts', max(s.accounts), 'addresses', count(*)) as detail
    from shared s join user_addresses ua on ua.address = s.address
    join accounts a on a.user_id = ua.user_id and a.kind = 'player'
   where ua.last_at > now() - make_interval(hours => $1)
   group by a.id),
found as (
  select * from wash union all select * from off_market union all select * from shared_address),
kept as (
  insert into account_flags as f (account_id, kind, detail)
  select account_id, kind, detail from found
  on conflict (account_id, kind) do update set detail = excluded.detail, updated_at = now()),
dropped as (
  delete from account_flags f
   where not exists (select 1 from found x where x.account_id = f.account_id and x.kind = f.kind))
select kind, count(*) from found group by kind
)sql";

}  // namespace

scan_counts scan(connection& c, const scan_settings& s) {
  pqxx::work tx(c);
  scan_counts out;
  for (const auto& r :
       tx.exec_params(scan_sql, static_cast<int>(s.window.count()), s.min_pair_fills,
                      s.shared_address_accounts, s.off_market_ppm)) {
    const auto kind = r[0].as<std::string>();
    const auto n = r[1].as<std::int64_t>();
    if (kind == "wash_trading") out.wash_trading = n;
    if (kind == "off_market") out.off_market = n;
    if (kind == "shared_address") out.shared_address = n;
  }
  tx.commit();
  return out;
}

void record_address(connection& c, std::int64_t user_id, const std::string& address) {
  pqxx::work tx(c);
  tx.exec_params(
      "insert into user_addresses (user_id, address) values ($1, $2) on conflict (user_id, "
      "address) do update set last_at = now()",
      user_id, address);
  tx.commit();
}

std::vector<flag_row> read_flags(connection& c, int limit) {
  pqxx::read_transaction tx(c);
  std::vector<flag_row> out;
  for (const auto& r : tx.exec_params(
           "select f.account_id, u.id, u.user_tag, u.display_name, f.kind, f.detail::text, " MS(
               "f.first_seen") ", " MS("f.updated_at") " from account_flags f join accounts a on "
                                                       "a.id = f.account_id join users u on u.id = "
                                                       "a.user_id order by f.first_seen desc, "
                                                       "f.account_id, f.kind limit $1",
           limit)) {
    flag_row f;
    f.account_id = r[0].as<std::int64_t>();
    f.user_id = r[1].as<std::int64_t>();
    f.user_tag = r[2].as<std::string>();
    f.display_name = r[3].as<std::string>();
    f.kind = r[4].as<std::string>();
    f.detail = r[5].as<std::string>();
    f.first_seen_ms = r[6].as<std::int64_t>();
    f.updated_ms = r[7].as<std::int64_t>();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace marketsim::db::integrity_repo
