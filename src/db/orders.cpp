// Placing, cancelling and replacing orders (see orders.hpp). db::pool threads only.
//
// One order's transaction: lock the symbol (its instruments row), read the opposite side of the
// book that could trade, run the pure matcher, lock every account involved in id order, check
// what the player can pay or deliver, then write the order, the fills and their ledger rows.
// Reservations are released before the ledger moves the cash or shares they held, so the CHECK
// constraints (reserved never above what is held) hold at every statement.
#include "marketsim/db/orders.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <pqxx/pqxx>

#include "execution.hpp"
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

}  // namespace marketsim::db::trading_repo
