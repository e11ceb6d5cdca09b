// Order and fill reads, the book (see order_reads.hpp). db::pool threads.
#include "marketsim/db/order_reads.hpp"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

using trading::money_e4;
using trading::order_record;
using trading::price_e4;

std::vector<std::string> open_order_ids(connection& c, const player& who) {
  pqxx::read_transaction tx(c);
  std::vector<std::string> out;
  for (const auto& r :
       tx.exec_params("select id::text from orders where account_id = $1 and status in ('new', "
                      "'partially_filled') order by seq",
                      who.account_id))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<order_record> list_orders(connection& c, const player& who, const order_filter& f) {
  pqxx::read_transaction tx(c);
  // Each query walks one index in the page's order and stops at the page: (account, time) for
  // all or closed orders (the open ones it skips are capped), the open-orders index for open
  // ones, and (account, symbol, time) once per asked symbol, merged.
  std::string where = "o.account_id = $1";
  if (f.status == order_filter::state::open)
    where += " and o.status in ('new', 'partially_filled')";
  else if (f.status == order_filter::state::closed)
    where += " and o.status not in ('new', 'partially_filled')";
  where += " and o.submitted_at > to_timestamp($2::double precision / 1000)";
  where += " and o.submitted_at < to_timestamp($3::double precision / 1000)";
  const char* dir = f.ascending ? "asc" : "desc";
  const int limit = std::clamp(f.limit, 1, 500);
  std::vector<std::string> symbols = f.symbols;
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::vector<order_record> out;
  if (symbols.empty()) {
    const auto sql = select_orders(fmt::format(
        "where {0} order by o.submitted_at {1}, o.seq {1} limit {2}", where, dir, limit));
    for (const auto& r : tx.exec_params(sql, who.account_id, f.after_ms.value_or(0),
                                        f.until_ms.value_or(253402300799000LL)))
      out.push_back(read_order(r));
    return out;
  }
  // One branch per symbol, each with the symbol as its own parameter: the statement is planned
  // with the values, so a rare symbol walks (account, symbol, time) and stops at the page. (A
  // lateral join over an array planned every symbol alike, as if it were half the table, and
  // sometimes walked the account's whole history backwards looking for a year-old order.)
  std::string branches;
  for (std::size_t i = 0; i < symbols.size(); ++i)
    branches += fmt::format(
        "{0}(select o.id, o.submitted_at, o.seq from orders o where {1} and "
        "o.symbol = ${2} order by o.submitted_at {3}, o.seq {3} limit {4})",
        i ? " union all " : "", where, i + 4, dir, limit);
  const auto sql = select_orders(fmt::format(
      "join (select p.id from ({0}) p order by p.submitted_at {1}, p.seq {1} limit {2}) page on "
      "page.id = o.id order by o.submitted_at {1}, o.seq {1}",
      branches, dir, limit));
  for (const auto& r : tx.exec_params(sql, who.account_id, f.after_ms.value_or(0),
                                      f.until_ms.value_or(253402300799000LL),
                                      pqxx::prepare::make_dynamic_params(symbols)))
    out.push_back(read_order(r));
  return out;
}

std::optional<order_record> find_order(connection& c, const player& who,
                                       const std::string& order_id) {
  if (!is_uuid(order_id)) return std::nullopt;
  pqxx::read_transaction tx(c);
  auto r = tx.exec_params(select_orders("where o.id = $1::uuid and o.account_id = $2"), order_id,
                          who.account_id);
  if (r.empty()) return std::nullopt;
  return read_order(r[0]);
}

std::optional<order_record> find_order_by_client_id(connection& c, const player& who,
                                                    const std::string& client_order_id) {
  pqxx::read_transaction tx(c);
  auto r = tx.exec_params(select_orders("where o.account_id = $1 and o.client_order_id = $2"),
                          who.account_id, client_order_id);
  if (r.empty()) return std::nullopt;
  return read_order(r[0]);
}

std::vector<trading::fill_activity> activities(connection& c, const player& who,
                                               const activity_page& p) {
  pqxx::read_transaction tx(c);
  // The player's fills are two index ranges (as buyer, as seller) on (account, at, id), each cut
  // to the page before they are merged: a page costs its size, not the player's history. Pages
  // follow (at, id); the token's fill gives the cursor.
  const bool asc = p.ascending;
  const std::optional<std::int64_t> token = asc ? p.after_fill : p.before_fill;
  const char* dir = asc ? "asc" : "desc";
  const int limit = std::clamp(p.limit, 1, 100);
  auto arm = [&](const char* account, const char* order, const char* cum) {
    return fmt::format(
        "(select id, at, {1} as order_id, {5} as cum_qty from fills where {0} = $1 and at > "
        "to_timestamp($3::double precision / 1000) and at < to_timestamp($4::double precision / "
        "1000){2} order by at {3}, id {3} limit {4})",
        account, order,
        token ? fmt::format(" and (at, id) {} (select at, id from fills where id = $2)",
                            asc ? ">" : "<")
              : std::string(" and $2::bigint is not null"),  // no cursor: from the start
        dir, limit, cum);
  };
  auto sql = fmt::format(
      "select f.id, " MS("f.at") ", f.symbol, f.price_e4, f.qty, x.cum_qty, {0} from ({1} union "
      "all {2} order by at {3}, id {3} limit {4}) x join fills f on f.id = x.id join orders o "
      "on o.id = x.order_id join accounts a on a.id = o.account_id order by x.at {3}, x.id {3}",
      order_columns, arm("buy_account", "buy_order", "buy_cum_qty"),
      arm("sell_account", "sell_order", "sell_cum_qty"), dir, limit);
  std::vector<trading::fill_activity> out;
  for (const auto& r :
       tx.exec_params(sql, who.account_id, token.value_or(0), p.after_ms.value_or(0),
                      p.until_ms.value_or(253402300799000LL))) {
    trading::fill_activity a;
    a.fill_id = r[0].as<std::int64_t>();
    a.at_ms = r[1].as<std::int64_t>();
    a.symbol = r[2].as<std::string>();
    a.price = r[3].as<std::int64_t>();
    a.qty = r[4].as<std::int64_t>();
    a.cum_qty = r[5].as<std::int64_t>();
    a.order = read_order(r, 6);
    out.push_back(std::move(a));
  }
  return out;
}

book_depth read_book(connection& c, const std::string& symbol, int depth) {
  pqxx::read_transaction tx(c);
  book_depth b;
  // Best levels first, straight off the book index: only the orders of the first `depth` price
  // levels are read, however deep the book is; then each level's bots' share, one probe of the
  // same index per level.
  constexpr const char* resting =
      "o.symbol = $1 and o.side = $2 and o.status in ('new', 'partially_filled') and (o.type = "
      "'limit' or (o.type = 'stop_limit' and o.triggered))";
  for (bool bids : {true, false}) {
    auto& levels = bids ? b.bids : b.asks;
    for (const auto& r : tx.exec_params(
             fmt::format("select l.limit_e4, l.qty, l.n, b.qty, b.n from (select o.limit_e4, "
                         "sum(o.qty - o.filled_qty)::bigint as qty, count(*) as n from orders o "
                         "where {0} group by o.limit_e4 order by o.limit_e4 {1} limit $3) l cross "
                         "join lateral (select coalesce(sum(o.qty - o.filled_qty), 0)::bigint as "
                         "qty, count(*) as n from orders o join accounts a on a.id = o.account_id "
                         "join users u on u.id = a.user_id where {0} and o.limit_e4 = l.limit_e4 "
                         "and u.bot_strategy is not null) b order by l.limit_e4 {1}",
                         resting, bids ? "desc" : "asc"),
             symbol, std::string(bids ? "buy" : "sell"), depth))
      levels.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
                        r[3].as<std::int64_t>(), r[4].as<std::int64_t>()});
  }
  return b;
}

}  // namespace marketsim::db::trading_repo
