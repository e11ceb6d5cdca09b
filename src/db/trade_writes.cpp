// The rows a trade writes, set-based, now or coalesced (see trade_writes.hpp). db::pool threads;
// a coalesced_writes belongs to the thread running its transaction.
#include "trade_writes.hpp"

#include "marketsim/db/change_listener.hpp"
#include "order_rows.hpp"
#include "statements.hpp"

namespace marketsim::db::trading_repo {

namespace {

thread_local coalesced_writes* current_writes = nullptr;

// New orders in their final state, in arrival order (their seq follows it).
const statement insert_orders{
    "insert_orders",
    "insert into orders (id, account_id, client_order_id, fingerprint, symbol, side, type, "
    "time_in_force, qty, limit_e4, stop_e4, trail_price_e4, trail_ppm, reserve_price_e4, "
    "market_day, replaces, status, filled_qty, filled_notional_e4, triggered, hwm_e4, "
    "trail_stop_e4, filled_at, canceled_at, failed_at) select u.id::uuid, u.account, u.cid, "
    "u.fp, u.symbol, u.side, u.type, u.tif, u.qty, nullif(u.lim, 0), nullif(u.stop, 0), "
    "nullif(u.trail, 0), nullif(u.ppm, 0), u.reserve, u.day::date, nullif(u.replaces, "
    "'')::uuid, u.status, u.filled, u.notional, u.triggered, nullif(u.hwm, 0), "
    "nullif(u.trail_stop, 0), case when u.status = 'filled' then now() end, case when u.status "
    "= 'canceled' then now() end, case when u.status = 'rejected' then now() end from "
    "unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], "
    "$13::bigint[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::bigint[], "
    "$19::bigint[], $20::boolean[], $21::bigint[], $22::bigint[]) with ordinality as u(id, "
    "account, cid, fp, symbol, side, type, tif, qty, lim, stop, trail, ppm, reserve, day, "
    "replaces, status, filled, notional, triggered, hwm, trail_stop, n) order by u.n"};

// Fills and the two ledger transfers of each (cash from the buyer, shares from the seller),
// which the ledger's trigger applies to the balances in fill order. $10 is the house. Each fill
// is also announced on the tape's channel ($13), delivered at commit to every instance
// (db/tape_events.hpp): its id, the symbol's fill before it (earlier in this statement, else the
// newest stored: the symbol is locked, so that is the one before), and whether each side is a
// player, a bot or the house.
#define TAPE_SIDE(account)                                                  \
  "case when " account                                                      \
  " is null then 'house' when exists (select 1 from accounts a join users " \
  "u on u.id = a.user_id where a.id = " account                             \
  " and u.bot_strategy is not null) then 'bot' "                            \
  "else 'player' end"
const statement record_fills{
    "record_fills",
    "with f as (insert into fills (symbol, price_e4, qty, buy_order, sell_order, buy_account, "
    "sell_account, buy_cum_qty, sell_cum_qty, taker, market_at) select u.symbol, u.price, u.qty, "
    "nullif(u.buy_order, '')::uuid, nullif(u.sell_order, '')::uuid, nullif(u.buyer, 0), "
    "nullif(u.seller, 0), nullif(u.buy_cum, 0), nullif(u.sell_cum, 0), nullif(u.taker, ''), "
    "case when u.market_ms > 0 then timestamptz 'epoch' + u.market_ms * interval '1 millisecond' "
    "end from unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], "
    "$6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $11::text[], $12::bigint[]) with "
    "ordinality as u(symbol, price, qty, buy_order, sell_order, buyer, seller, buy_cum, "
    "sell_cum, taker, market_ms, n) order by u.n returning id, symbol, price_e4, qty, taker, "
    "market_at, buy_account, sell_account, coalesce(buy_account, $10) as buyer, "
    "coalesce(sell_account, $10) as seller), l as (insert into ledger (kind, from_account, "
    "to_account, asset, amount, fill_id) select 'fill', t.from_account, t.to_account, t.asset, "
    "t.amount, f.id from f cross join lateral (values (1, f.buyer, f.seller, 'USD'::text, f.qty "
    "* f.price_e4), (2, f.seller, f.buyer, f.symbol, f.qty)) as t(k, from_account, to_account, "
    "asset, amount) order by f.id, t.k) select pg_notify($13, json_build_object('id', f.id, "
    "'symbol', f.symbol, 'price', f.price_e4, 'qty', f.qty, 'taker', f.taker, 'market_ms', "
    "(extract(epoch from f.market_at) * 1000)::bigint, 'buyer', " TAPE_SIDE("f.buy_account")
    ", 'seller', " TAPE_SIDE("f.sell_account")
    ", 'previous_id', coalesce(lag(f.id) over (partition by f.symbol order by f.id), (select "
    "max(x.id) from fills x where x.symbol = f.symbol)))::text) from f"};
#undef TAPE_SIDE

// One row per (account, symbol): the position's cost basis, realized P&L and reserved shares,
// then per account the sum of realized P&L and reserved cash.
const statement apply_deltas{
    "apply_deltas",
    "with d as (select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], "
    "$5::bigint[], $6::bigint[]) as d(account, symbol, cost, realized, shares, cash)), p as "
    "(update positions p set cost_e4 = p.cost_e4 + d.cost, realized_pl_e4 = p.realized_pl_e4 + "
    "d.realized, reserved_qty = p.reserved_qty + d.shares from d where p.account_id = "
    "d.account and p.symbol = d.symbol and (d.cost <> 0 or d.realized <> 0 or d.shares <> 0)) "
    "update accounts a set realized_pl_e4 = a.realized_pl_e4 + s.realized, reserved_e4 = "
    "a.reserved_e4 + s.cash from (select account, sum(realized)::bigint as realized, "
    "sum(cash)::bigint as cash from d group by account) s where a.id = s.account and "
    "(s.realized <> 0 or s.cash <> 0)"};

const statement release_reservations{
    "release_reservations",
    "with a as (update accounts set reserved_e4 = reserved_e4 - d.cash from (select id, "
    "sum(cash)::bigint as cash from unnest($1::bigint[], $2::bigint[]) as d(id, cash) group by "
    "id) d where accounts.id = d.id and d.cash <> 0) update positions p set reserved_qty = "
    "p.reserved_qty - d.qty from (select id, symbol, sum(qty)::bigint as qty from "
    "unnest($3::bigint[], $4::text[], $5::bigint[]) as d(id, symbol, qty) group by id, symbol) d "
    "where p.account_id = d.id and p.symbol = d.symbol and d.qty <> 0"};

void send_orders(pqxx::transaction_base& tx,
                 const std::vector<std::pair<trading::order_record, std::string>>& orders) {
  if (orders.empty()) return;
  std::vector<std::string> id, cid, fp, symbol, side, type, tif, day, replaces, status, triggered;
  std::vector<std::int64_t> account, qty, lim, stop, trail, ppm, reserve, filled, notional, hwm,
      trail_stop;
  for (const auto& [o, fingerprint] : orders) {
    id.push_back(o.id);
    account.push_back(o.account_id);
    cid.push_back(o.client_order_id);
    fp.push_back(fingerprint);
    symbol.push_back(o.symbol);
    side.emplace_back(trading::side_name(o.order_side));
    type.emplace_back(trading::type_name(o.type));
    tif.emplace_back(trading::tif_name(o.tif));
    qty.push_back(o.qty);
    lim.push_back(o.limit.value_or(0));
    stop.push_back(o.stop.value_or(0));
    trail.push_back(o.trail_price.value_or(0));
    ppm.push_back(o.trail_ppm.value_or(0));
    reserve.push_back(o.reserve_price);
    day.push_back(o.market_day);
    replaces.push_back(o.replaces);
    status.emplace_back(trading::status_name(o.status));
    filled.push_back(o.filled_qty);
    notional.push_back(o.filled_notional);
    triggered.emplace_back(o.triggered ? "t" : "f");
    hwm.push_back(o.hwm.value_or(0));
    trail_stop.push_back(o.trail_stop.value_or(0));
  }
  (void)send(tx, insert_orders, array_literal(id), array_literal(account), text_array_literal(cid),
             text_array_literal(fp), array_literal(symbol), array_literal(side),
             array_literal(type), array_literal(tif), array_literal(qty), array_literal(lim),
             array_literal(stop), array_literal(trail), array_literal(ppm), array_literal(reserve),
             array_literal(day), text_array_literal(replaces), array_literal(status),
             array_literal(filled), array_literal(notional), array_literal(triggered),
             array_literal(hwm), array_literal(trail_stop));
}

void send_fills(pqxx::transaction_base& tx, std::int64_t house, const std::vector<fill_row>& rows) {
  if (rows.empty()) return;
  std::vector<std::string> symbol, buy_order, sell_order, taker;
  std::vector<std::int64_t> price, qty, buyer, seller, buy_cum, sell_cum, market_ms;
  for (const auto& f : rows) {
    symbol.push_back(f.symbol);
    price.push_back(f.price);
    qty.push_back(f.qty);
    buy_order.push_back(f.buy_order);
    sell_order.push_back(f.sell_order);
    buyer.push_back(f.buyer);
    seller.push_back(f.seller);
    buy_cum.push_back(f.buy_cum);
    sell_cum.push_back(f.sell_cum);
    taker.emplace_back(f.taker ? trading::side_name(*f.taker) : "");
    market_ms.push_back(f.market_ms);
  }
  (void)send(tx, record_fills, array_literal(symbol), array_literal(price), array_literal(qty),
             text_array_literal(buy_order), text_array_literal(sell_order), array_literal(buyer),
             array_literal(seller), array_literal(buy_cum), array_literal(sell_cum), house,
             text_array_literal(taker), array_literal(market_ms), std::string(tape_channel));
}

void send_deltas(pqxx::transaction_base& tx, const deltas_by_position& deltas) {
  std::vector<std::int64_t> account, cost, realized, shares, cash;
  std::vector<std::string> symbol;
  for (const auto& [key, d] : deltas) {
    if (!d.cost && !d.realized && !d.shares && !d.cash) continue;
    account.push_back(key.first);
    symbol.push_back(key.second);
    cost.push_back(d.cost);
    realized.push_back(d.realized);
    shares.push_back(d.shares);
    cash.push_back(d.cash);
  }
  if (account.empty()) return;
  (void)send(tx, apply_deltas, array_literal(account), array_literal(symbol), array_literal(cost),
             array_literal(realized), array_literal(shares), array_literal(cash));
}

void send_releases(pqxx::transaction_base& tx, const std::vector<release_row>& rows) {
  std::vector<std::int64_t> cash_ids, cash, share_ids, shares;
  std::vector<std::string> symbols;
  for (const auto& r : rows) {
    if (r.cash) {
      cash_ids.push_back(r.account);
      cash.push_back(r.cash);
    }
    if (r.shares) {
      share_ids.push_back(r.account);
      symbols.push_back(r.symbol);
      shares.push_back(r.shares);
    }
  }
  if (cash_ids.empty() && share_ids.empty()) return;
  (void)send(tx, release_reservations, array_literal(cash_ids), array_literal(cash),
             array_literal(share_ids), array_literal(symbols), array_literal(shares));
}

}  // namespace

void write_order(pqxx::transaction_base& tx, const trading::order_record& o,
                 const std::string& fingerprint) {
  if (auto* w = coalesced_writes::of(tx)) return w->add_order(o, fingerprint);
  send_orders(tx, {{o, fingerprint}});
}

void write_fills(pqxx::transaction_base& tx, std::int64_t house,
                 const std::vector<fill_row>& rows) {
  if (auto* w = coalesced_writes::of(tx)) return w->add_fills(rows);
  send_fills(tx, house, rows);
}

void write_deltas(pqxx::transaction_base& tx, const deltas_by_position& deltas) {
  if (auto* w = coalesced_writes::of(tx)) return w->add_deltas(deltas);
  send_deltas(tx, deltas);
}

void write_releases(pqxx::transaction_base& tx, const std::vector<release_row>& rows) {
  if (auto* w = coalesced_writes::of(tx)) return w->add_releases(rows);
  send_releases(tx, rows);
}

coalesced_writes::coalesced_writes(pqxx::transaction_base& tx, std::int64_t house)
    : tx_(tx), house_(house), outer_(current_writes) {
  current_writes = this;
  pipelined::active(tx)->before_send([this] { flush(); });
}

coalesced_writes::~coalesced_writes() {
  if (auto* p = pipelined::active(tx_)) p->before_send({});
  current_writes = outer_;
}

coalesced_writes* coalesced_writes::of(pqxx::transaction_base& tx) {
  return current_writes && &current_writes->tx_ == &tx ? current_writes : nullptr;
}

void coalesced_writes::add_order(const trading::order_record& o, const std::string& fingerprint) {
  orders_.emplace_back(o, fingerprint);
}

void coalesced_writes::add_fills(const std::vector<fill_row>& rows) {
  fills_.insert(fills_.end(), rows.begin(), rows.end());
}

void coalesced_writes::add_deltas(const deltas_by_position& deltas) {
  for (const auto& [key, d] : deltas) {
    auto& sum = deltas_[key];
    sum.cost += d.cost;
    sum.realized += d.realized;
    sum.cash += d.cash;
    sum.shares += d.shares;
  }
}

void coalesced_writes::add_releases(const std::vector<release_row>& rows) {
  // Given back after what waits (which may be the reservation itself), not before it.
  if (!orders_.empty() || !fills_.empty() || !deltas_.empty()) flush();
  releases_.insert(releases_.end(), rows.begin(), rows.end());
}

void coalesced_writes::flush() {
  if (releases_.empty() && orders_.empty() && fills_.empty() && deltas_.empty()) return;
  // Taken out first: sending runs the pipeline's hook, which is this.
  auto releases = std::move(releases_);
  auto orders = std::move(orders_);
  auto fills = std::move(fills_);
  auto deltas = std::move(deltas_);
  releases_.clear();
  orders_.clear();
  fills_.clear();
  deltas_.clear();
  send_releases(tx_, releases);
  send_orders(tx_, orders);
  send_fills(tx_, house_, fills);
  send_deltas(tx_, deltas);
}

}  // namespace marketsim::db::trading_repo
