// Trading SQL (see trading_repo.hpp). db::pool threads only.
//
// One order's transaction: lock the symbol (its instruments row), read the opposite side of the
// book that could trade, run the pure matcher, lock every account involved in id order, check
// what the player can pay or deliver, then write the order, the fills and their ledger rows.
// Reservations are released before the ledger moves the cash or shares they held, so the CHECK
// constraints (reserved never above what is held) hold at every statement.
#include "marketsim/db/trading_repo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <pqxx/pqxx>

#include "marketsim/core/crypto.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/market/types.hpp"
#include "marketsim/trading/matcher.hpp"
#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

namespace {

using nlohmann::json;
using trading::money_e4;
using trading::order_record;
using trading::price_e4;
using trading::side;

money_e4 mul(std::int64_t qty, price_e4 price) {
  return qty * price;  // bounded: qty ≤ 1e9 and prices checked against notional() first
}

struct house_accounts {
  std::int64_t house = 0;
  std::int64_t treasury = 0;
};
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

// Private events, sent at commit to every instance (db/change_listener.hpp forwards them).
struct event_note {
  std::int64_t user_id = 0;
  std::string order_id;
  std::string event;
  std::optional<price_e4> price;
  std::int64_t qty = 0;
};

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

// A resting order that the incoming one may trade with.
struct resting_row {
  std::string id;
  std::int64_t account_id = 0;
  std::int64_t user_id = 0;
  price_e4 reserve_price = 0;
  std::int64_t filled = 0;  // before this match
};

// Releases what an open order holds back for `qty` of its shares.
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

// One trade: the fill row, the reservations it uses up, cost basis and realized P&L, and the
// two ledger transfers (cash one way, shares the other). `buy_order`/`sell_order` empty and
// account 0 mean the house.
struct trade {
  std::string symbol;
  price_e4 price = 0;
  std::int64_t qty = 0;
  std::string buy_order, sell_order;
  std::int64_t buyer = 0, seller = 0;  // player account ids, or 0 for the house
  // Each player order's filled quantity including this fill (0 for the house).
  std::int64_t buy_cum_qty = 0, sell_cum_qty = 0;
};

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

// Adds a fill to an order row.
void add_fill(pqxx::work& tx, const std::string& order_id, std::int64_t qty, price_e4 price) {
  tx.exec_params(
      "update orders set filled_qty = filled_qty + $2, filled_notional_e4 = filled_notional_e4 + "
      "$3, status = case when filled_qty + $2 = qty then 'filled' else 'partially_filled' end, "
      "filled_at = case when filled_qty + $2 = qty then now() else filled_at end, "
      "updated_at = now() where id = $1::uuid",
      order_id, qty, mul(qty, price));
}

struct lock_result {
  money_e4 cash = 0;
  money_e4 reserved = 0;
};

// Locks the accounts in id order (so no two transactions wait on each other in a cycle) and
// returns the cash of `self`.
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

struct position_free {
  std::int64_t qty = 0;
  std::int64_t reserved = 0;
};
position_free read_position(pqxx::work& tx, std::int64_t account, const std::string& symbol) {
  auto r = tx.exec_params(
      "select qty, reserved_qty from positions where account_id = $1 and symbol = $2 for update",
      account, symbol);
  if (r.empty()) return {};
  return {r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>()};
}

// What a buy that waits for a trigger holds back per share: the price it would pay now or at
// its stop, with 5% room for the market moving past the stop before the next tick.
price_e4 stop_reserve_price(const trading::order_request& o, std::optional<price_e4> reference) {
  price_e4 base = reference.value_or(0);
  if (o.stop) base = std::max(base, *o.stop);
  if (o.trail_price && reference) base = std::max(base, *reference + *o.trail_price);
  if (o.trail_ppm && reference)
    base = std::max(base, *reference + static_cast<price_e4>(static_cast<__int128>(*reference) *
                                                             *o.trail_ppm / 1'000'000));
  return base + (base + 19) / 20;
}

// The order to execute now: a new order or a triggered one whose reservation was released.
struct execution {
  order_record& order;            // its row as stored (new orders: id set after insert)
  std::optional<price_e4> limit;  // nullopt: at market
  trading::time_in_force tif;     // ioc for a triggered stop
  std::vector<event_note>& events;
};

enum class exec_outcome { done, unaffordable_cash, unaffordable_shares, rejected, canceled };

// Matches, checks and applies. With `insert`, the order row is inserted after the checks pass
// (`insert_row` does it and fills in order.id). Nothing is written when the check fails.
template <class Insert>
exec_outcome execute(pqxx::work& tx, const house_accounts& h, execution ex, const market_view& mv,
                     Insert&& insert_row) {
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

// A deadlock or serialization failure says nothing about the request: run it again. A unique
// violation is an answer (the value is taken) and running again would only repeat it, so it is
// never retried here (the callers that expect one map it to their code; db::pool maps the rest
// to 409 conflict).
template <class F>
auto with_retries(F&& f) {
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const pqxx::transaction_rollback&) {
      if (attempt >= 5) throw;
    }
  }
}

// The only unique value an order transaction inserts is (account, client_order_id): a racing
// request on another symbol took it first (requests on one symbol serialize and see each other).
template <class T, class F>
result<T> client_order_id_race_is_conflict(F&& f) {
  try {
    return f();
  } catch (const pqxx::unique_violation&) {
    return fail(errc::client_order_id_conflict,
                "client_order_id was already used for a different order");
  }
}

std::string new_client_order_id() {
  auto raw = random_bytes(16);
  std::string digits = hex(raw);
  return fmt::format("{}-{}-{}-{}-{}", digits.substr(0, 8), digits.substr(8, 4),
                     digits.substr(12, 4), digits.substr(16, 4), digits.substr(20, 12));
}

error outcome_error(exec_outcome e) {
  if (e == exec_outcome::unaffordable_shares)
    return {errc::insufficient_qty, "insufficient qty available for order"};
  return {errc::insufficient_buying_power, "insufficient buying power"};
}

// Places `req` inside an open transaction whose symbol is locked. `replaces`: the order this
// one replaces (already closed in the same transaction). `triggered`: a stop-limit whose stop
// already fired (a replaced triggered stop-limit) goes straight to the book as a limit.
result<order_record> place_locked(pqxx::work& tx, const house_accounts& h, const player& who,
                                  const trading::order_request& req, const market_view& mv,
                                  const std::string& replaces, std::vector<event_note>& events,
                                  bool triggered = false) {
  order_record o;
  o.account_id = who.account_id;
  o.user_id = who.user_id;
  o.client_order_id = req.client_order_id.empty() ? new_client_order_id() : req.client_order_id;
  o.symbol = req.symbol;
  o.order_side = req.order_side;
  o.type = req.type;
  o.tif = req.tif;
  o.qty = req.qty;
  o.limit = req.limit;
  o.stop = req.stop;
  o.trail_price = req.trail_price;
  o.trail_ppm = req.trail_ppm;
  const auto fp = trading::fingerprint(req);
  const std::string day = mv.market_day.empty() ? std::string("1970-01-01") : mv.market_day;

  // Notional sanity: price × qty must fit (the house's price for market orders).
  const bool buy = req.order_side == side::buy;
  auto insert = [&](price_e4 reserve_price) {
    auto r = tx.exec_params(
        "insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, "
        "time_in_force, qty, limit_e4, stop_e4, trail_price_e4, trail_ppm, reserve_price_e4, "
        "market_day, replaces, status) values ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, 0), "
        "nullif($10, 0), nullif($11, 0), nullif($12, 0), $13, $14::date, nullif($15, '')::uuid, "
        "'new') returning id::text, seq",
        o.account_id, o.client_order_id, fp, o.symbol,
        std::string(trading::side_name(o.order_side)), std::string(trading::type_name(o.type)),
        std::string(trading::tif_name(o.tif)), o.qty, o.limit.value_or(0), o.stop.value_or(0),
        o.trail_price.value_or(0), o.trail_ppm.value_or(0), reserve_price, day, replaces);
    o.id = r[0][0].as<std::string>();
    o.seq = r[0][1].as<std::int64_t>();
    o.reserve_price = reserve_price;
    o.status = "new";
    if (triggered) {
      // Rare (replacing a triggered stop-limit): a statement of its own keeps the common insert
      // as it is.
      tx.exec_params("update orders set triggered = true where id = $1::uuid", o.id);
      o.triggered = true;
    }
    events.push_back({o.user_id, o.id, "new", {}, 0});
  };

  const bool waits_for_trigger = req.type == trading::order_type::stop ||
                                 (req.type == trading::order_type::stop_limit && !triggered) ||
                                 req.type == trading::order_type::trailing_stop;
  if (waits_for_trigger) {
    // Rests outside the book until a tick triggers it; holds back what it may need.
    price_e4 reserve = 0;
    if (buy) {
      reserve = req.type == trading::order_type::stop_limit ? *req.limit
                                                            : stop_reserve_price(req, mv.reference);
      auto total = trading::notional(reserve, req.qty);
      auto self = lock_accounts(tx, who.account_id, {});
      if (!total || *total > self.cash - self.reserved)
        return std::unexpected(outcome_error(exec_outcome::unaffordable_cash));
    } else {
      lock_accounts(tx, who.account_id, {});
      auto pos = read_position(tx, who.account_id, req.symbol);
      if (req.qty > pos.qty - pos.reserved)
        return std::unexpected(outcome_error(exec_outcome::unaffordable_shares));
    }
    insert(reserve);
    if (buy)
      tx.exec_params("update accounts set reserved_e4 = reserved_e4 + $2 where id = $1",
                     who.account_id, mul(req.qty, reserve));
    else
      tx.exec_params(
          "update positions set reserved_qty = reserved_qty + $3 where account_id = $1 and "
          "symbol = $2",
          who.account_id, req.symbol, req.qty);
    if (req.type == trading::order_type::trailing_stop && mv.reference) {
      // The mark and the stop it implies are stored together: the tick scan finds a crossed
      // trailing stop by its stop level (without a price yet, the first tick sets both).
      o.hwm = mv.reference;
      tx.exec_params("update orders set hwm_e4 = $2, trail_stop_e4 = $3 where id = $1::uuid", o.id,
                     *mv.reference, trading::trailing_stop_price(standing_of(o), *mv.reference));
    }
    auto stored = load_order(tx, o.id, false);
    return *stored;
  }

  if (req.limit && !trading::notional(*req.limit, req.qty))
    return fail(errc::unprocessable, "qty × limit_price is too large");
  if (!req.limit && mv.reference &&
      !trading::notional(trading::house_ask(*mv.reference, mv.half_spread), req.qty))
    return fail(errc::unprocessable, "qty × price is too large");

  execution ex{o, req.limit, req.tif, events};
  auto outcome = execute(tx, h, ex, mv, [&] { insert(0); });
  if (outcome == exec_outcome::unaffordable_cash || outcome == exec_outcome::unaffordable_shares)
    return std::unexpected(outcome_error(outcome));
  if (outcome == exec_outcome::rejected || outcome == exec_outcome::canceled) {
    // Stored as it ended (no quote yet, or a fill-or-kill that could not fill whole).
    insert(0);
    const bool rejected = outcome == exec_outcome::rejected;
    tx.exec_params(
        "update orders set status = $2, updated_at = now(), canceled_at = case when $2 = "
        "'canceled' then now() end, failed_at = case when $2 = 'rejected' then now() end "
        "where id = $1::uuid",
        o.id, std::string(rejected ? "rejected" : "canceled"));
    events.push_back({o.user_id, o.id, rejected ? "rejected" : "canceled", {}, 0});
  }
  auto stored = load_order(tx, o.id, false);
  return *stored;
}

// Locks the symbol; 404 when unknown, 403 when halted.
result<void> lock_symbol(pqxx::work& tx, const std::string& symbol) {
  auto r = tx.exec_params("select halted from instruments where symbol = $1 for update", symbol);
  if (r.empty()) return fail(errc::not_found, "unknown symbol " + symbol);
  if (r[0][0].as<bool>()) return fail(errc::symbol_halted, symbol + " is halted");
  return {};
}

trading::order_request request_of(const order_record& o) {
  trading::order_request r;
  r.symbol = o.symbol;
  r.qty = o.qty;
  r.order_side = o.order_side;
  r.type = o.type;
  r.tif = o.tif;
  r.limit = o.limit;
  r.stop = o.stop;
  r.trail_price = o.trail_price;
  r.trail_ppm = o.trail_ppm;
  return r;
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

}  // namespace

player ensure_account(connection& c, std::int64_t user_id, money_e4 starting_cash) {
  {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params("select id from accounts where user_id = $1", user_id);
    if (!r.empty()) return {r[0][0].as<std::int64_t>(), user_id};
  }
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "insert into accounts (user_id, kind) values ($1, 'player') on conflict (user_id) do "
      "nothing returning id",
      user_id);
  if (r.empty()) {
    tx.commit();
    pqxx::read_transaction again(c);
    return {again.exec_params("select id from accounts where user_id = $1", user_id)[0][0]
                .as<std::int64_t>(),
            user_id};
  }
  auto id = r[0][0].as<std::int64_t>();
  if (starting_cash > 0) {
    auto h = read_house(tx);
    tx.exec_params(
        "insert into ledger (kind, from_account, to_account, asset, amount) values ('grant', "
        "$1, $2, 'USD', $3)",
        h.treasury, id, starting_cash);
  }
  tx.commit();
  return {id, user_id};
}

namespace {

result<placed> place_order_once(connection& c, const player& who, const trading::order_request& req,
                                const market_view& mv, bool counted) {
  pqxx::work tx(c);
  if (counted)
    // The account's orders that may stay open take turns from here to commit, so the count
    // below sees every one that committed before (parallel orders cannot overshoot the cap).
    // Taken before the symbol lock: whoever waits for it holds nothing yet.
    tx.exec_params("select pg_advisory_xact_lock(hashtext('open_orders:' || $1::text))",
                   who.account_id);
  if (auto ok = lock_symbol(tx, req.symbol); !ok) return std::unexpected(ok.error());
  if (!req.client_order_id.empty()) {
    // After the symbol lock, so racing retries of one order see each other's commit.
    auto r = tx.exec_params(select_orders("where o.account_id = $1 and o.client_order_id = $2"),
                            who.account_id, req.client_order_id);
    if (!r.empty()) {
      auto existing = read_order(r[0]);
      auto fp =
          tx.exec_params("select fingerprint from orders where id = $1::uuid", existing.id)[0][0]
              .as<std::string>();
      if (fp != trading::fingerprint(req))
        return fail(errc::client_order_id_conflict,
                    "client_order_id was already used for a different order");
      return placed{std::move(existing), true};
    }
  }
  auto h = read_house(tx);
  std::vector<event_note> events;
  auto o = place_locked(tx, h, who, req, mv, "", events);
  if (!o) return std::unexpected(o.error());
  if (counted && o->open()) {
    // Counted after matching: an order that fills at once is never refused by the cap.
    auto open = tx.exec_params(
                      "select count(*) from orders where account_id = $1 and status in "
                      "('new', 'partially_filled')",
                      who.account_id)[0][0]
                    .as<std::int64_t>();
    if (open > mv.open_order_cap)  // rolled back: nothing of this order is stored
      return fail(errc::too_many_open_orders,
                  fmt::format("at most {} open orders; cancel some first", mv.open_order_cap));
  }
  send_events(tx, events);
  tx.commit();
  return placed{std::move(*o), false};
}

}  // namespace

result<placed> place_order(connection& c, const player& who, const trading::order_request& req,
                           const market_view& mv) {
  // Market, ioc and fok orders never stay open: only the others count against the cap.
  const bool may_rest =
      mv.open_order_cap > 0 && req.type != trading::order_type::market &&
      (req.tif == trading::time_in_force::day || req.tif == trading::time_in_force::gtc);
  return with_retries([&]() -> result<placed> {
    return client_order_id_race_is_conflict<placed>(
        [&]() -> result<placed> { return place_order_once(c, who, req, mv, may_rest); });
  });
}

result<order_record> cancel_order(connection& c, const player& who, const std::string& order_id) {
  if (!is_uuid(order_id)) return fail(errc::not_found, "order not found");
  return with_retries([&]() -> result<order_record> {
    pqxx::work tx(c);
    auto peek = load_order(tx, order_id, false);
    if (!peek || peek->account_id != who.account_id)
      return fail(errc::not_found, "order not found");
    tx.exec_params("select 1 from instruments where symbol = $1 for update", peek->symbol);
    auto o = load_order(tx, order_id, true);
    if (!o->open())
      return fail(errc::unprocessable, "order is " + o->status + " and can no longer be canceled");
    lock_accounts(tx, who.account_id, {});
    close_order(tx, *o, "canceled");
    send_events(tx, {{who.user_id, o->id, "canceled", {}, 0}});
    auto stored = load_order(tx, order_id, false);
    tx.commit();
    return *stored;
  });
}

result<order_record> replace_order(connection& c, const player& who, const std::string& order_id,
                                   const trading::replace_request& r, const market_view& mv) {
  if (!is_uuid(order_id)) return fail(errc::not_found, "order not found");
  return with_retries([&]() -> result<order_record> {
    return client_order_id_race_is_conflict<order_record>([&]() -> result<order_record> {
      pqxx::work tx(c);
      auto peek = load_order(tx, order_id, false);
      if (!peek || peek->account_id != who.account_id)
        return fail(errc::not_found, "order not found");
      if (auto ok = lock_symbol(tx, peek->symbol); !ok) return std::unexpected(ok.error());
      auto old = load_order(tx, order_id, true);
      if (!old->open())
        return fail(errc::unprocessable,
                    "order is " + old->status + " and can no longer be replaced");
      auto base = request_of(*old);
      // Alpaca: a given qty is the whole quantity of the new order (what the old one filled
      // stays with the old one). Without one, the new order carries on with what is left, so a
      // price change never buys or sells again what was already filled.
      base.qty = old->remaining();
      auto req = trading::apply_replace(base, r);
      if (!req) return std::unexpected(req.error());
      if (!req->client_order_id.empty() &&
          !tx.exec_params("select 1 from orders where account_id = $1 and client_order_id = $2",
                          who.account_id, req->client_order_id)
               .empty())
        return fail(errc::client_order_id_conflict,
                    "client_order_id was already used for a different order");
      lock_accounts(tx, who.account_id, {});
      close_order(tx, *old, "replaced");
      auto h = read_house(tx);
      std::vector<event_note> events;
      // A triggered stop-limit's stop has fired: its replacement is a limit in the book at once.
      const bool triggered = old->type == trading::order_type::stop_limit && old->triggered;
      auto fresh = place_locked(tx, h, who, *req, mv, old->id, events, triggered);
      if (!fresh) return std::unexpected(fresh.error());  // rolled back: the old order stands
      tx.exec_params("update orders set replaced_by = $2::uuid where id = $1::uuid", old->id,
                     fresh->id);
      events.insert(events.begin(), {who.user_id, old->id, "replaced", {}, 0});
      send_events(tx, events);
      tx.commit();
      return *fresh;
    });
  });
}

namespace {

// The open trailing stops whose water mark the price passes (a sell's new high, a buy's new
// low), and those without one yet: three index ranges (an `or` would read the whole side).
constexpr const char* passed_marks_sql =
    "select id::text, side, coalesce(trail_price_e4, 0), coalesce(trail_ppm, 0), hwm_e4 from "
    "orders where symbol = $1 and status in ('new', 'partially_filled') and type = "
    "'trailing_stop' and side = 'sell' and hwm_e4 < $2"
    " union all select id::text, side, coalesce(trail_price_e4, 0), coalesce(trail_ppm, 0), "
    "hwm_e4 from orders where symbol = $1 and status in ('new', 'partially_filled') and type = "
    "'trailing_stop' and side = 'buy' and hwm_e4 > $2"
    " union all select id::text, side, coalesce(trail_price_e4, 0), coalesce(trail_ppm, 0), 0 "
    "from orders where symbol = $1 and status in ('new', 'partially_filled') and type = "
    "'trailing_stop' and hwm_e4 is null";

// The ticked symbols (not halted) with a trailing stop whose mark the price passes, or that has
// none yet: three index probes a symbol.
constexpr const char* marks_to_move_sql =
    "select t.symbol from unnest($1::text[], $2::bigint[]) as t(symbol, price) join instruments "
    "i on i.symbol = t.symbol and not i.halted where exists (select 1 from orders where symbol "
    "= t.symbol and status in ('new', 'partially_filled') and type = 'trailing_stop' and side = "
    "'sell' and hwm_e4 < t.price) or exists (select 1 from orders where symbol = t.symbol and "
    "status in ('new', 'partially_filled') and type = 'trailing_stop' and side = 'buy' and "
    "hwm_e4 > t.price) or exists (select 1 from orders where symbol = t.symbol and status in "
    "('new', 'partially_filled') and type = 'trailing_stop' and hwm_e4 is null)";

// Moves the water marks (and stop levels) of the symbol's trailing stops that the price passed,
// in one statement. Under the symbol lock, like every change to the symbol's orders. Returns
// how many moved.
int move_trailing_marks(connection& c, const symbol_tick& t) {
  pqxx::work tx(c);
  auto sym =
      tx.exec_params("select halted from instruments where symbol = $1 for update", t.symbol);
  if (sym.empty() || sym[0][0].as<bool>()) return 0;  // a halted symbol's orders wait
  std::vector<std::string> ids, marks, stops;
  for (const auto& r : tx.exec_params(passed_marks_sql, t.symbol, t.price)) {
    order_record o;
    o.type = trading::order_type::trailing_stop;
    o.order_side = r[1].as<std::string>() == "buy" ? side::buy : side::sell;
    o.trail_price = positive(r[2].as<std::int64_t>());
    o.trail_ppm = positive(r[3].as<std::int64_t>());
    o.hwm = positive(r[4].as<std::int64_t>());
    // The pure rule decides: a mark that moves gives the new mark and the stop it implies (if
    // that stop is already crossed, the crossed-order scan that follows triggers it).
    auto action = trading::on_tick(standing_of(o), t.price);
    if (!action.water_mark) continue;
    ids.push_back(r[0].as<std::string>());
    marks.push_back(std::to_string(*action.water_mark));
    stops.push_back(std::to_string(action.price));
  }
  if (!ids.empty())
    tx.exec_params(
        "update orders o set hwm_e4 = u.mark, trail_stop_e4 = u.stop, updated_at = now() from "
        "unnest($1::uuid[], $2::bigint[], $3::bigint[]) as u(id, mark, stop) where o.id = u.id "
        "and o.status in ('new', 'partially_filled')",
        array_literal(ids), array_literal(marks), array_literal(stops));
  tx.commit();
  return static_cast<int>(ids.size());
}

// Every open order the ticks affect, oldest first: day orders of another day, then (unless the
// symbol is halted) crossed resting limits, crossed stops and crossed trailing stops. Each arm
// is a range of one partial index of migrations/0005, so far-away orders are never read.
constexpr const char* affected_orders_sql =
    "select distinct a.id::text, a.seq from unnest($1::text[], $2::bigint[], $3::date[]) as "
    "t(symbol, price, day) join instruments i on i.symbol = t.symbol cross join lateral ("
    // day orders placed on another simulated day (also when a replay wraps to an earlier date)
    " select id, seq from orders where symbol = t.symbol and status in ('new', "
    "'partially_filled') and time_in_force = 'day' and market_day < t.day"
    " union all select id, seq from orders where symbol = t.symbol and status in ('new', "
    "'partially_filled') and time_in_force = 'day' and market_day > t.day"
    // the book: a bid at or above the price, an ask at or below it
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'buy' and status in ('new', 'partially_filled') and (type = 'limit' or (type = "
    "'stop_limit' and triggered)) and limit_e4 >= t.price"
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'sell' and status in ('new', 'partially_filled') and (type = 'limit' or (type = "
    "'stop_limit' and triggered)) and limit_e4 <= t.price"
    // stops the price reached
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'buy' and status in ('new', 'partially_filled') and type in ('stop', 'stop_limit') and "
    "not triggered and stop_e4 <= t.price"
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'sell' and status in ('new', 'partially_filled') and type in ('stop', 'stop_limit') and "
    "not triggered and stop_e4 >= t.price"
    // trailing stops at their current stop level
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'buy' and status in ('new', 'partially_filled') and type = 'trailing_stop' and "
    "trail_stop_e4 <= t.price"
    " union all select id, seq from orders where not i.halted and symbol = t.symbol and side = "
    "'sell' and status in ('new', 'partially_filled') and type = 'trailing_stop' and "
    "trail_stop_e4 >= t.price"
    ") a order by a.seq";

}  // namespace

tick_outcome apply_ticks(connection& c, const std::vector<symbol_tick>& ticks,
                         price_e4 half_spread) {
  tick_outcome out;
  if (ticks.empty()) return out;
  std::vector<std::string> symbols, prices, days;
  std::map<std::string, const symbol_tick*> by_symbol;
  for (const auto& t : ticks) {
    symbols.push_back(t.symbol);
    prices.push_back(std::to_string(t.price));
    days.push_back(t.market_day);
    by_symbol[t.symbol] = &t;
  }
  // Most ticks pass no water mark: one read finds the symbols that need the locked pass.
  std::vector<const symbol_tick*> marked;
  {
    pqxx::read_transaction tx(c);
    for (const auto& r :
         tx.exec_params(marks_to_move_sql, array_literal(symbols), array_literal(prices)))
      marked.push_back(by_symbol.at(r[0].as<std::string>()));
  }
  for (const auto* t : marked)
    out.trailed += with_retries([&] { return move_trailing_marks(c, *t); });
  std::vector<std::string> candidates;
  {
    pqxx::read_transaction tx(c);
    for (const auto& r : tx.exec_params(affected_orders_sql, array_literal(symbols),
                                        array_literal(prices), array_literal(days)))
      candidates.push_back(r[0].as<std::string>());
  }
  for (const auto& id : candidates) {
    with_retries([&] {
      pqxx::work tx(c);
      auto peek = load_order(tx, id, false);
      if (!peek || !peek->open()) return;
      const auto& t = *by_symbol.at(peek->symbol);
      const bool halted =
          tx.exec_params("select halted from instruments where symbol = $1 for update",
                         peek->symbol)[0][0]
              .as<bool>();
      auto o = load_order(tx, id, true);
      if (!o || !o->open()) return;
      std::vector<event_note> events;
      // A new simulated day ends day orders (also when a replay wraps to an earlier date).
      if (o->tif == trading::time_in_force::day && o->market_day != t.market_day) {
        lock_accounts(tx, o->account_id, {});
        close_order(tx, *o, "expired");
        events.push_back({o->user_id, o->id, "expired", {}, 0});
        ++out.expired;
      } else {
        // A halted symbol does not trade, not even with the house.
        if (halted) return;
        auto action = trading::on_tick(standing_of(*o), t.price);
        auto h = read_house(tx);
        market_view mv{t.price, half_spread, t.market_day};
        switch (action.what) {
          case trading::tick_action::kind::none:
            return;
          case trading::tick_action::kind::move_trail:
            // The mark moved since the mark pass (a new high in between): keep the two together.
            tx.exec_params(
                "update orders set hwm_e4 = $2, trail_stop_e4 = $3, updated_at = now() where id "
                "= $1::uuid",
                o->id, *action.water_mark, action.price);
            ++out.trailed;
            break;
          case trading::tick_action::kind::fill_at_limit: {
            // The market crossed the resting limit: the house takes it at its limit.
            lock_accounts(tx, o->account_id, {});
            const auto qty = o->remaining();
            release(tx, *o, qty);
            const bool buy = o->order_side == side::buy;
            trade tr{o->symbol, action.price, qty, {}, {}, 0, 0};
            (buy ? tr.buy_order : tr.sell_order) = o->id;
            (buy ? tr.buyer : tr.seller) = o->account_id;
            (buy ? tr.buy_cum_qty : tr.sell_cum_qty) = o->filled_qty + qty;
            record_trade(tx, h, tr);
            add_fill(tx, o->id, qty, action.price);
            tx.exec_params("update orders set reserve_price_e4 = 0 where id = $1::uuid", o->id);
            events.push_back({o->user_id, o->id, "", action.price, qty});
            ++out.fills;
            break;
          }
          case trading::tick_action::kind::trigger: {
            lock_accounts(tx, o->account_id, {});
            release(tx, *o, o->remaining());
            // A trailing stop keeps the mark and the stop level it triggered at.
            tx.exec_params(
                "update orders set triggered = true, reserve_price_e4 = 0, hwm_e4 = "
                "coalesce(nullif($2, 0), hwm_e4), trail_stop_e4 = case when type = "
                "'trailing_stop' then $3::bigint end, updated_at = now() where id = $1::uuid",
                o->id, action.water_mark.value_or(0), action.price);
            o->triggered = true;
            o->reserve_price = 0;
            const bool as_limit = o->type == trading::order_type::stop_limit;
            execution ex{*o, as_limit ? o->limit : std::nullopt,
                         as_limit ? o->tif : trading::time_in_force::ioc, events};
            auto r = execute(tx, h, ex, mv, [] {});
            if (r != exec_outcome::done) {
              // Not enough cash or shares any more, or no price: the stop ends canceled.
              tx.exec_params(
                  "update orders set status = 'canceled', canceled_at = now(), updated_at = "
                  "now() where id = $1::uuid",
                  o->id);
              events.push_back({o->user_id, o->id, "canceled", {}, 0});
            }
            ++out.triggered;
            break;
          }
        }
      }
      send_events(tx, events);
      tx.commit();
    });
  }
  return out;
}

}  // namespace marketsim::db::trading_repo
