// The home feed's reads (see home_feed.hpp). db::pool threads.
#include "marketsim/db/home_feed.hpp"

#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::home_feed_repo {

namespace {

// The newest fills only (a backward walk of the primary key, at most 2000 rows), so the cost
// does not grow with the history; the large ones among them, with both sides' players.
constexpr const char* large_fills_sql =
    "select f.id, " MS("f.at") ", f.symbol, f.price_e4, f.qty, "
    "ba.id, bu.user_tag, bu.display_name, bu.public_profile, coalesce(bu.bot_strategy, ''), "
    "sa.id, su.user_tag, su.display_name, su.public_profile, coalesce(su.bot_strategy, '') "
    "from (select id, at, symbol, price_e4, qty, buy_account, sell_account from fills "
    "order by id desc limit 2000) f "
    "left join accounts ba on ba.id = f.buy_account and ba.kind = 'player' "
    "left join users bu on bu.id = ba.user_id "
    "left join accounts sa on sa.id = f.sell_account and sa.kind = 'player' "
    "left join users su on su.id = sa.user_id "
    "where f.price_e4::numeric * f.qty >= $1 order by f.id desc limit $2";

// Index users_newest (migration 0012). A player who has not traded yet has no account (0).
constexpr const char* newest_sql =
    "select coalesce(a.id, 0), u.user_tag, u.display_name, u.public_profile, " MS(
        "u.created_at") " "
    "from users u left join accounts a on a.user_id = u.id "
    "where u.status = 'active' and u.bot_strategy is null "
    "order by u.created_at desc, u.id desc limit $1";

// Two probes of price_history_symbol_ts per stock. $1: the window's start, epoch ms.
constexpr const char* window_sql =
    "select i.symbol, coalesce(b.p, a.p), coalesce(b.t, a.t) from instruments i "
    "left join lateral (select (p.price * 10000)::bigint p, " MS("p.ts") " t from price_history p "
    "where p.symbol = i.symbol and p.ts <= to_timestamp($1::double precision / 1000) "
    "order by p.ts desc, p.seq desc limit 1) b on true "
    "left join lateral (select (p.price * 10000)::bigint p, " MS("p.ts") " t from price_history p "
    "where p.symbol = i.symbol and p.ts > to_timestamp($1::double precision / 1000) "
    "order by p.ts, p.seq limit 1) a on true "
    "where i.kind <> 'index' and coalesce(b.p, a.p) is not null";

std::optional<party> party_at(const pqxx::row& r, int col) {
  if (r[col].is_null()) return std::nullopt;
  return party{r[col].as<std::int64_t>(), r[col + 1].as<std::string>(),
               r[col + 2].as<std::string>(), r[col + 3].as<bool>(), r[col + 4].as<std::string>()};
}

std::vector<window_base> window(pqxx::read_transaction& tx, std::int64_t start_ms) {
  std::vector<window_base> out;
  for (const auto& r : tx.exec_params(window_sql, start_ms))
    out.push_back({r[0].as<std::string>(), r[1].as<market::price_e4>(), r[2].as<std::int64_t>()});
  return out;
}

}  // namespace

inputs read_inputs(connection& c, const query& q) {
  inputs out;
  {
    pqxx::read_transaction tx(c);
    for (const auto& r :
         tx.exec_params(large_fills_sql, q.large_trade_e4, static_cast<std::int64_t>(q.fills))) {
      large_fill f;
      f.id = r[0].as<std::int64_t>();
      f.at_ms = r[1].as<std::int64_t>();
      f.symbol = r[2].as<std::string>();
      f.price = r[3].as<market::price_e4>();
      f.qty = r[4].as<std::int64_t>();
      f.buyer = party_at(r, 5);
      f.seller = party_at(r, 10);
      out.fills.push_back(std::move(f));
    }
    for (const auto& r : tx.exec_params(newest_sql, static_cast<std::int64_t>(q.newest)))
      out.newest.push_back({party{r[0].as<std::int64_t>(), r[1].as<std::string>(),
                                  r[2].as<std::string>(), r[3].as<bool>(), ""},
                            r[4].as<std::int64_t>()});
    if (q.market_ms > 0) {
      constexpr std::int64_t day_ms = 86'400'000;
      out.week = window(tx, q.market_ms - week_days * day_ms);
      out.month = window(tx, q.market_ms - month_days * day_ms);
    }
  }
  // Its own read transaction (read_board opens one).
  out.board = leaderboard_repo::read_board(c, leaderboard_repo::period::all, q.market_ms);
  return out;
}

}  // namespace marketsim::db::home_feed_repo
