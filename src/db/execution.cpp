// Executing an order inside its transaction (see execution.hpp). db::pool threads.
#include "execution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "marketsim/core/time.hpp"
#include "marketsim/trading/matcher.hpp"
#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

using nlohmann::json;
using trading::side;

namespace {

// A resting order that the incoming one may trade with.
struct resting_row {
  std::string id;
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  price_e4 reserve_price = 0;
  std::int64_t filled = 0;  // before this match
};

}  // namespace

money_e4 mul(std::int64_t qty, price_e4 price) {
  return qty * price;  // bounded: qty ≤ 1e9 and prices checked against notional() first
}

house_accounts read_house(pqxx::work& tx) {
  // Two rows the migration made; they never change, so they are read once per process.
  static std::atomic<std::int64_t> house{0}, treasury{0};
  if (house.load() != 0) return {house.load(), treasury.load()};
  house_accounts h;
  for (const auto& row :
       tx.exec("select id, kind from accounts where kind in ('house', 'treasury')")) {
    if (row[1].as<std::string>() == "house")
      h.house = row[0].as<std::int64_t>();
    else
      h.treasury = row[0].as<std::int64_t>();
  }
  treasury = h.treasury;
  house = h.house;
  return h;
}

void send_events(pqxx::work& tx, const std::vector<event_note>& notes) {
  std::map<std::string, order_record> orders;
  for (const auto& n : notes) {
    if (n.user_id == 0) continue;
    auto it = orders.find(n.order_id);
    if (it == orders.end()) {
      auto o = load_order(tx, n.order_id, false);
      if (!o) continue;
      it = orders.emplace(n.order_id, std::move(*o)).first;
    }
    const auto& o = it->second;
    // A fill event is "fill" once the order is complete, "partial_fill" before.
    std::string event =
        n.event.empty() ? (o.status == "filled" ? "fill" : "partial_fill") : n.event;
    json data{{"event", event},
              {"timestamp", format_time(o.updated_ms)},
              {"order", trading::order_json(o)}};
    if (n.price) {
      data["price"] = market::format_price(*n.price);
      data["qty"] = std::to_string(n.qty);
      auto p = tx.exec_params(
          "select coalesce((select qty from positions where account_id = $1 and symbol = $2), 0)",
          o.account_id, o.symbol);
      data["position_qty"] = std::to_string(p[0][0].as<std::int64_t>());
    }
    json note{{"user", n.user_id}, {"event", "trade_update"}, {"data", std::move(data)}};
    tx.exec_params("select pg_notify($1, $2)", std::string(trades_channel), note.dump());
  }
}

void release(pqxx::work& tx, const order_record& o, std::int64_t qty) {
  if (qty <= 0) return;
  if (o.order_side == side::buy) {
    if (o.reserve_price > 0)
      tx.exec_params("update accounts set reserved_e4 = reserved_e4 - $2 where id = $1",
                     o.account_id, mul(qty, o.reserve_price));
  } else {
    tx.exec_params(
        "update positions set reserved_qty = reserved_qty - $3 where account_id = $1 and "
        "symbol = $2",
        o.account_id, o.symbol, qty);
  }
}

void record_trade(pqxx::work& tx, const house_accounts& h, const trade& t) {
  const money_e4 notional = mul(t.qty, t.price);
  auto fill_id =
      tx.exec_params(
            "insert into fills (symbol, price_e4, qty, buy_order, sell_order, buy_account, "
            "sell_account, buy_cum_qty, sell_cum_qty) values ($1, $2, $3, nullif($4, '')::uuid, "
            "nullif($5, '')::uuid, nullif($6, 0), nullif($7, 0), nullif($8, 0), nullif($9, 0)) "
            "returning id",
            t.symbol, t.price, t.qty, t.buy_order, t.sell_order, t.buyer, t.seller, t.buy_cum_qty,
            t.sell_cum_qty)[0][0]
          .as<std::int64_t>();
  if (t.seller != 0) {
    // The shares sold leave the cost basis at the average price; the rest is realized.
    auto p = tx.exec_params(
        "select cost_e4, qty from positions where account_id = $1 and symbol = $2 for update",
        t.seller, t.symbol);
    if (!p.empty()) {
      auto cost = p[0][0].as<std::int64_t>();
      auto held = p[0][1].as<std::int64_t>();
      money_e4 removed =
          held <= t.qty
              ? cost
              : static_cast<money_e4>((static_cast<__int128>(cost) * t.qty + held / 2) / held);
      money_e4 realized = notional - removed;
      tx.exec_params(
          "update positions set cost_e4 = cost_e4 - $3, realized_pl_e4 = realized_pl_e4 + $4 "
          "where account_id = $1 and symbol = $2",
          t.seller, t.symbol, removed, realized);
      tx.exec_params("update accounts set realized_pl_e4 = realized_pl_e4 + $2 where id = $1",
                     t.seller, realized);
    }
  }
  const std::int64_t buyer = t.buyer ? t.buyer : h.house;
  const std::int64_t seller = t.seller ? t.seller : h.house;
  tx.exec_params(
      "insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values "
      "('fill', $1, $2, 'USD', $3, $5), ('fill', $2, $1, $4, $6, $5)",
      buyer, seller, notional, t.symbol, fill_id, t.qty);
  if (t.buyer != 0)
    tx.exec_params(
        "update positions set cost_e4 = cost_e4 + $3 where account_id = $1 and symbol = $2",
        t.buyer, t.symbol, notional);
}

void add_fill(pqxx::work& tx, const std::string& order_id, std::int64_t qty, price_e4 price) {
  tx.exec_params(
      "update orders set filled_qty = filled_qty + $2, filled_notional_e4 = filled_notional_e4 + "
      "$3, status = case when filled_qty + $2 = qty then 'filled' else 'partially_filled' end, "
      "filled_at = case when filled_qty + $2 = qty then now() else filled_at end, "
      "updated_at = now() where id = $1::uuid",
      order_id, qty, mul(qty, price));
}

lock_result lock_accounts(pqxx::work& tx, std::int64_t self, std::vector<std::int64_t> others) {
  others.push_back(self);
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  std::vector<std::string> ids;
  for (auto id : others) ids.push_back(std::to_string(id));
  lock_result out;
  for (const auto& row : tx.exec_params(
           "select id, cash_e4, reserved_e4 from accounts where id = any($1::bigint[]) order by "
           "id for update",
           array_literal(ids))) {
    if (row[0].as<std::int64_t>() == self) {
      out.cash = row[1].as<std::int64_t>();
      out.reserved = row[2].as<std::int64_t>();
    }
  }
  return out;
}

position_free read_position(pqxx::work& tx, std::int64_t account, const std::string& symbol) {
  auto r = tx.exec_params(
      "select qty, reserved_qty from positions where account_id = $1 and symbol = $2 for update",
      account, symbol);
  if (r.empty()) return {};
  return {r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
}

price_e4 stop_reserve_price(const trading::order_request& o, std::optional<price_e4> reference) {
  price_e4 base = reference.value_or(0);
  if (o.stop) base = std::max(base, *o.stop);
  if (o.trail_price && reference) base = std::max(base, *reference + *o.trail_price);
  if (o.trail_ppm && reference)
    base = std::max(base, *reference + static_cast<price_e4>(static_cast<__int128>(*reference) *
                                                             *o.trail_ppm / 1'000'000));
  return base + (base + 19) / 20;
}

exec_outcome execute(pqxx::work& tx, const house_accounts& h, execution ex, const market_view& mv,
                     const std::function<void()>& insert_row) {
  auto& o = ex.order;
  const bool buy = o.order_side == side::buy;
  const std::int64_t remaining = o.remaining();
  std::optional<price_e4> house_bound;
  if (mv.reference)
    house_bound = buy ? trading::house_ask(*mv.reference, mv.half_spread)
                      : trading::house_bid(*mv.reference, mv.half_spread);
  // Only resting orders at least as good as both the order's limit and the house can trade.
  price_e4 bound = buy ? trading::max_order_price : 0;
  if (ex.limit) bound = *ex.limit;
  if (house_bound) bound = buy ? std::min(bound, *house_bound) : std::max(bound, *house_bound);
  auto rows = tx.exec_params(
      fmt::format("select o.id::text, o.account_id, o.limit_e4, o.qty - o.filled_qty, o.seq, "
                  "o.reserve_price_e4, a.user_id, o.filled_qty from orders o join accounts a on "
                  "a.id = "
                  "o.account_id where o.symbol = $1 and o.side = $2 and o.status in ('new', "
                  "'partially_filled') and (o.type = 'limit' or (o.type = 'stop_limit' and "
                  "o.triggered)) and o.account_id <> $3 and o.limit_e4 {} $4 order by "
                  "o.limit_e4 {}, o.seq limit 1000",
                  buy ? "<=" : ">=", buy ? "asc" : "desc"),
      o.symbol, std::string(buy ? "sell" : "buy"), o.account_id, bound);
  std::vector<trading::resting_order> book;
  std::map<std::int64_t, resting_row> by_seq;
  for (const auto& r : rows) {
    trading::resting_order ro;
    ro.id = r[4].as<std::int64_t>();
    ro.account_id = r[1].as<std::int64_t>();
    ro.order_side = buy ? side::sell : side::buy;
    ro.limit = r[2].as<std::int64_t>();
    ro.remaining = r[3].as<std::int64_t>();
    ro.sequence = ro.id;
    book.push_back(ro);
    by_seq[ro.id] = {r[0].as<std::string>(), ro.account_id,
                     r[6].is_null() ? 0 : r[6].as<std::int64_t>(), r[5].as<std::int64_t>(),
                     r[7].as<std::int64_t>()};
  }
  trading::incoming_order in{o.account_id, o.order_side, ex.limit, remaining, ex.tif};
  auto m = trading::match(in, book, mv.reference, mv.half_spread);
  if (m.rejected)
    return ex.tif == trading::time_in_force::fok ? exec_outcome::canceled : exec_outcome::rejected;

  std::vector<std::int64_t> counterparties;
  money_e4 cost = 0;
  for (const auto& f : m.fills) {
    if (f.resting_id) counterparties.push_back(by_seq[*f.resting_id].account_id);
    cost += mul(f.qty, f.price);
  }
  auto self = lock_accounts(tx, o.account_id, counterparties);
  const price_e4 rest_price = ex.limit.value_or(0);
  if (buy) {
    if (cost + mul(m.rests, rest_price) > self.cash - self.reserved)
      return exec_outcome::unaffordable_cash;
  } else {
    auto pos = read_position(tx, o.account_id, o.symbol);
    if (remaining > pos.qty - pos.reserved) return exec_outcome::unaffordable_shares;
  }
  insert_row();

  std::int64_t filled = 0;
  for (const auto& f : m.fills) {
    trade t{o.symbol, f.price, f.qty, {}, {}, 0, 0};
    const resting_row* other = f.resting_id ? &by_seq[*f.resting_id] : nullptr;
    if (other) {
      // The resting order gives up the reservation for what it trades.
      order_record held;
      held.account_id = other->account_id;
      held.symbol = o.symbol;
      held.order_side = buy ? side::sell : side::buy;
      held.reserve_price = other->reserve_price;
      release(tx, held, f.qty);
    }
    (buy ? t.buy_order : t.sell_order) = o.id;
    (buy ? t.buyer : t.seller) = o.account_id;
    (buy ? t.buy_cum_qty : t.sell_cum_qty) = o.filled_qty + filled + f.qty;
    if (other) {
      (buy ? t.sell_order : t.buy_order) = other->id;
      (buy ? t.seller : t.buyer) = other->account_id;
      // A resting order is in the book once, so it trades at most once per match.
      (buy ? t.sell_cum_qty : t.buy_cum_qty) = other->filled + f.qty;
    }
    record_trade(tx, h, t);
    if (other) {
      add_fill(tx, other->id, f.qty, f.price);
      ex.events.push_back({other->user_id, other->id, "", f.price, f.qty});
    }
    filled += f.qty;
    ex.events.push_back({o.user_id, o.id, "", f.price, f.qty});
  }
  // The order's own row: fills, then what rests and what it holds back.
  money_e4 notional_now = cost;
  std::string status;
  const std::int64_t total_filled = o.filled_qty + filled;
  if (total_filled == o.qty)
    status = "filled";
  else if (m.rests > 0)
    status = total_filled > 0 ? "partially_filled" : "new";
  else
    status = "canceled";
  tx.exec_params(
      "update orders set filled_qty = $2, filled_notional_e4 = filled_notional_e4 + $3, "
      "status = $4, reserve_price_e4 = $5, updated_at = now(), filled_at = case when $4 = "
      "'filled' then now() else filled_at end, canceled_at = case when $4 = 'canceled' then "
      "now() else canceled_at end where id = $1::uuid",
      o.id, total_filled, notional_now, status, buy && m.rests > 0 ? rest_price : 0);
  o.status = status;
  o.filled_qty = total_filled;
  o.reserve_price = buy && m.rests > 0 ? rest_price : 0;
  if (m.rests > 0) {
    if (buy)
      tx.exec_params("update accounts set reserved_e4 = reserved_e4 + $2 where id = $1",
                     o.account_id, mul(m.rests, rest_price));
    else
      tx.exec_params(
          "update positions set reserved_qty = reserved_qty + $3 where account_id = $1 and "
          "symbol = $2",
          o.account_id, o.symbol, m.rests);
  }
  if (status == "canceled") ex.events.push_back({o.user_id, o.id, "canceled", {}, 0});
  return exec_outcome::done;
}

void close_order(pqxx::work& tx, order_record& o, const std::string& status) {
  release(tx, o, o.remaining());
  const char* column = status == "expired"    ? "expired_at"
                       : status == "replaced" ? "replaced_at"
                                              : "canceled_at";
  tx.exec_params(fmt::format("update orders set status = $2, {} = now(), updated_at = now(), "
                             "reserve_price_e4 = 0 where id = $1::uuid",
                             column),
                 o.id, status);
  o.status = status;
}

}  // namespace marketsim::db::trading_repo
