// Tick processing (see tick_processing.hpp): the orders new prices affect, each in its own
// transaction. db::pool threads (the background pool, through db::order_ticker).
#include "marketsim/db/tick_processing.hpp"

#include <spdlog/spdlog.h>
#include <map>
#include <pqxx/pqxx>

#include "execution.hpp"
#include "marketsim/trading/triggers.hpp"
#include "order_rows.hpp"
#include "statements.hpp"

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
// Prepared, with a generic plan like the order path's statements: planning this one took
// longer than running it.
const statement marks_to_move{"tick_marks_to_move", marks_to_move_sql};

// Moves the water marks (and stop levels) of the symbol's trailing stops that the price passed,
// in one statement. Under the symbol lock, like every change to the symbol's orders. Returns
// how many moved.
int move_trailing_marks(connection& c, const symbol_tick& t) {
  pqxx::work tx(c);
  auto halted = lock_instrument(tx, t.symbol);
  if (!halted || *halted) return 0;  // a halted symbol's orders wait
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
    "select distinct a.id::text, a.seq, t.symbol from unnest($1::text[], $2::bigint[], $3::date[]) "
    "as "
    "t(symbol, price, day) join instruments i on i.symbol = t.symbol cross join lateral ("
    // day orders placed on another simulated day (an earlier one; or a later one, should market
    // time ever go back)
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
const statement affected_orders{"tick_affected_orders", affected_orders_sql};

// Only by id: with a status filter the planner may read every open order through the open-order
// index when its statistics lag a burst of new orders (22 ms instead of 1 for 100 of 10,000);
// the caller skips any that closed since.
const statement load_candidates{
    "tick_candidates",
    select_orders("where o.id = any($1::uuid[]) order by o.seq for update of o")};
const statement move_mark{"move_mark",
                          "update orders set hwm_e4 = $2, trail_stop_e4 = $3, updated_at = now() "
                          "where id = $1::uuid"};
// A trailing stop keeps the mark and the stop level it triggered at.
const statement mark_triggered{
    "mark_triggered",
    "update orders set triggered = true, reserve_price_e4 = 0, hwm_e4 = coalesce(nullif($2, 0), "
    "hwm_e4), trail_stop_e4 = case when type = 'trailing_stop' then $3::bigint end, updated_at "
    "= now() where id = $1::uuid"};
const statement store_executed{
    "tick_store_executed",
    std::string("update orders as o set filled_qty = $2, filled_notional_e4 = filled_notional_e4 "
                "+ $3, status = $4, reserve_price_e4 = $5, updated_at = now(), filled_at = case "
                "when $4 = 'filled' then now() else filled_at end, canceled_at = case when $4 = "
                "'canceled' then now() else canceled_at end where id = $1::uuid returning ") +
        returned_order_columns};

// What one tick does to one open order of its symbol, inside the symbol's transaction.
// The accounts of every affected order are locked (in id order) before the first of them.
// Crossed limits wait in `house` and are written together; anything else writes at once, after
// them.
void apply_to_order(pqxx::transaction_base& tx, const house_accounts& h, const symbol_tick& t,
                    bool halted, price_e4 half_spread, order_record& o, order_events& events,
                    tick_outcome& out, locked_accounts& accounts, house_fills& house) {
  auto action = trading::on_tick(standing_of(o), t.price);
  const bool day_over = o.tif == trading::time_in_force::day && o.market_day != t.market_day;
  if (!day_over && !halted && action.what == trading::tick_action::kind::fill_at_limit) {
    // The market crossed the resting limit: the house takes it at its limit.
    house.add(o, action.price, t.market_ms);
    ++out.fills;
    return;
  }
  // A new simulated day ends day orders (also one before the order's, should market time go back).
  if (day_over) {
    house.flush(tx, h, events, accounts);  // writes keep the batch's order
    close_order(tx, o, trading::order_status::expired, &accounts);
    events.add(o, "expired");
    ++out.expired;
    return;
  }
  if (halted) return;  // a halted symbol does not trade, not even with the house
  switch (action.what) {
    case trading::tick_action::kind::none:
      return;
    case trading::tick_action::kind::move_trail:
      // The mark moved since the mark pass (a new high in between): keep the two together.
      house.flush(tx, h, events, accounts);
      exec(tx, move_mark, o.id, *action.water_mark, action.price);
      ++out.trailed;
      return;
    case trading::tick_action::kind::fill_at_limit:
      return;  // taken above
    case trading::tick_action::kind::trigger: {
      house.flush(tx, h, events, accounts);
      release(tx, o, o.remaining(), &accounts);
      exec(tx, mark_triggered, o.id, action.water_mark.value_or(0), action.price);
      o.triggered = true;
      o.reserve_price = 0;
      const auto how = trading::on_trigger(o.type, o.limit, o.tif);
      execution ex{o, how.limit, how.tif, events};
      market_view mv{t.price, half_spread, t.market_day};
      mv.market_ms = t.market_ms;
      const std::int64_t user_id = o.user_id;
      auto r = execute(tx, h, ex, mv, accounts, [&](const trading::execution_plan& plan) {
        auto row =
            read_order(exec(tx, store_executed, o.id, plan.filled_qty, plan.notional,
                            std::string(trading::status_name(plan.status)), plan.reserve_price)[0]);
        row.user_id = user_id;
        return row;
      });
      if (r != exec_outcome::done) {
        // Not enough cash or shares any more, or no price: the stop ends canceled.
        auto row = read_order(exec(tx, store_executed, o.id, o.filled_qty, std::int64_t{0},
                                   std::string("canceled"), std::int64_t{0})[0]);
        row.user_id = user_id;
        o = row;
        events.add(o, "canceled");
      }
      ++out.triggered;
      return;
    }
  }
}

// One symbol's affected orders in one transaction, oldest first. `isolate`: each under a
// savepoint, so an order the database refuses (a bug the CHECKs caught) is left as it was and
// the others go on; the first attempt runs without, and only a refusal runs the batch again
// this way.
tick_outcome apply_symbol(connection& c, const symbol_tick& t, const std::vector<std::string>& ids,
                          price_e4 half_spread, bool isolate) {
  tick_outcome out;
  pqxx::work tx(c);
  plan_once(tx);
  const auto locked = lock_instrument(tx, t.symbol);
  if (!locked) return out;
  const bool halted = *locked;
  const auto h = read_house(tx);
  order_events events;
  std::vector<order_record> orders;
  std::vector<std::int64_t> owners;
  for (const auto& row : exec(tx, load_candidates, array_literal(ids))) {
    auto o = read_order(row);
    if (!o.open()) continue;  // filled or canceled since the candidates were found
    owners.push_back(o.account_id);
    orders.push_back(std::move(o));
  }
  // One lock statement for the whole batch, in id order, before any order of it is touched.
  auto accounts = lock_accounts(tx, t.symbol, owners);
  house_fills house;
  for (auto& o : orders) {
    if (!isolate) {
      apply_to_order(tx, h, t, halted, half_spread, o, events, out, accounts, house);
      continue;
    }
    order_events mine;
    tick_outcome counted;
    tx.exec0("savepoint tick_order");
    try {
      // A copy: a rolled-back order must not leave its trade in the batch's view of accounts.
      auto view = accounts;
      house_fills alone;
      apply_to_order(tx, h, t, halted, half_spread, o, mine, counted, view, alone);
      alone.flush(tx, h, mine, view);
      accounts = std::move(view);
    } catch (const pqxx::integrity_constraint_violation& e) {
      spdlog::error("orders: tick on {} refused for order {}: {}", t.symbol, o.id, e.what());
      tx.exec0("rollback to savepoint tick_order");
      continue;
    }
    tx.exec0("release savepoint tick_order");
    events.append(std::move(mine));
    out.fills += counted.fills;
    out.triggered += counted.triggered;
    out.expired += counted.expired;
    out.trailed += counted.trailed;
  }
  house.flush(tx, h, events, accounts);
  events.send(tx);
  tx.commit();
  return out;
}

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
    plan_once(tx);
    for (const auto& r : exec(tx, marks_to_move, array_literal(symbols), array_literal(prices)))
      marked.push_back(by_symbol.at(r[0].as<std::string>()));
  }
  for (const auto* t : marked)
    out.trailed += with_retries([&] { return move_trailing_marks(c, *t); });
  // The affected orders by symbol, oldest first.
  std::map<std::string, std::vector<std::string>> candidates;
  {
    pqxx::read_transaction tx(c);
    plan_once(tx);
    for (const auto& r : exec(tx, affected_orders, array_literal(symbols), array_literal(prices),
                              array_literal(days)))
      candidates[r[2].as<std::string>()].push_back(r[0].as<std::string>());
  }
  for (const auto& [symbol, ids] : candidates) {
    const auto& t = *by_symbol.at(symbol);
    tick_outcome done;
    try {
      done = with_retries([&] { return apply_symbol(c, t, ids, half_spread, false); });
    } catch (const pqxx::integrity_constraint_violation& e) {
      spdlog::warn("orders: tick on {} refused ({}): again, order by order", symbol, e.what());
      done = with_retries([&] { return apply_symbol(c, t, ids, half_spread, true); });
    }
    out.fills += done.fills;
    out.triggered += done.triggered;
    out.expired += done.expired;
    out.trailed += done.trailed;
  }
  return out;
}

}  // namespace marketsim::db::trading_repo
