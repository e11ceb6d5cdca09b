// Tick processing (see tick_processing.hpp): the orders new prices affect, each in its own
// transaction. db::pool threads (the background pool, through db::order_ticker).
#include "marketsim/db/tick_processing.hpp"

#include <map>
#include <pqxx/pqxx>

#include "execution.hpp"
#include "marketsim/trading/triggers.hpp"
#include "order_rows.hpp"

namespace marketsim::db::trading_repo {

using trading::side;

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
