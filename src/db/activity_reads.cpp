// A symbol's tape and top holders (see activity_reads.hpp). db::pool threads.
#include "marketsim/db/activity_reads.hpp"

#include <charconv>
#include <pqxx/pqxx>

#include "marketsim/trading/order_request.hpp"

namespace marketsim::db::activity_repo {

namespace {

#define PARTY(account, user)                              \
  "case when " account " is null then 'house' when " user \
  ".bot_strategy is not null then "                       \
  "'bot' else 'player' end"

// fills_symbol, newest first; who each side was, from the accounts' users.
constexpr const char* recent_trades_sql =
    "select f.id, f.price_e4, f.qty, coalesce(f.taker, ''), (extract(epoch from f.market_at) * "
    "1000)::bigint, " PARTY("f.buy_account", "ub") ", " PARTY("f.sell_account", "us")
    " from fills f left join accounts ab on ab.id = f.buy_account left join users ub on ub.id = "
    "ab.user_id left join accounts asl on asl.id = f.sell_account left join users us on us.id = "
    "asl.user_id where f.symbol = $1 order by f.id desc limit $2";

#undef PARTY

// positions_symbol for the symbol's holders, cut to the opted-in ones' largest; then each one's
// positions ("AAPL:10,MSFT:3": symbols never hold ':' or ',').
constexpr const char* top_holders_sql =
    "with top as (select p.account_id, p.qty from positions p join accounts a on a.id = "
    "p.account_id join users u on u.id = a.user_id where p.symbol = $1 and p.qty > 0 and "
    "u.status = 'active' and (u.public_profile or u.bot_strategy is not null) order by p.qty "
    "desc, p.account_id limit $2) select u.user_tag, u.display_name, coalesce(u.bot_strategy, "
    "''), a.cash_e4, t.qty, (select string_agg(q.symbol || ':' || q.qty, ',') from positions q "
    "where q.account_id = t.account_id and q.qty > 0) from top t join accounts a on a.id = "
    "t.account_id join users u on u.id = a.user_id order by t.qty desc, t.account_id";

std::vector<std::pair<std::string, std::int64_t>> parse_positions(std::string_view text) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto colon = item.rfind(':');
    if (colon == std::string_view::npos) continue;
    std::int64_t qty = 0;
    auto digits = item.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), qty).ec != std::errc{})
      continue;
    out.emplace_back(std::string(item.substr(0, colon)), qty);
  }
  return out;
}

}  // namespace

std::vector<trading::tape_trade> recent_trades(connection& c, const std::string& symbol,
                                               int limit) {
  pqxx::read_transaction tx(c);
  std::vector<trading::tape_trade> out;
  for (const auto& r : tx.exec_params(recent_trades_sql, symbol, limit)) {
    trading::tape_trade t;
    t.id = r[0].as<std::int64_t>();
    t.symbol = symbol;
    t.price = r[1].as<std::int64_t>();
    t.qty = r[2].as<std::int64_t>();
    t.taker = trading::parse_side(r[3].as<std::string>());
    if (!r[4].is_null()) t.market_ms = r[4].as<std::int64_t>();
    t.buyer = trading::parse_party(r[5].as<std::string>()).value_or(trading::party::player);
    t.seller = trading::parse_party(r[6].as<std::string>()).value_or(trading::party::player);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<trading::holder_account> top_holders(connection& c, const std::string& symbol,
                                                 int limit) {
  pqxx::read_transaction tx(c);
  std::vector<trading::holder_account> out;
  for (const auto& r : tx.exec_params(top_holders_sql, symbol, limit)) {
    trading::holder_account h;
    h.user_tag = r[0].as<std::string>();
    h.display_name = r[1].as<std::string>();
    h.bot_strategy = r[2].as<std::string>();
    h.cash = r[3].as<std::int64_t>();
    h.qty = r[4].as<std::int64_t>();
    if (!r[5].is_null()) h.positions = parse_positions(r[5].as<std::string>());
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace marketsim::db::activity_repo
