// Placing, cancelling and replacing orders (see orders.hpp). db::pool threads only.
//
// Orders come in batches (db::order_batches): one transaction for all the orders waiting on the
// symbols no batch holds. It locks the symbols (their instruments rows, in symbol order) and
// every submitter's account (in id order), reads the client_order_ids the batch names, the
// transaction's now() and each symbol's book; then, order by order, the pure matcher and plan
// decide and the plan is written (execution.hpp, trade_writes.hpp). Pipelined, that is two
// round trips for a whole batch when its orders do not trade with each other: BEGIN with the
// locks and reads, then every write, coalesced per kind, with the COMMIT. Reservations are
// released before the ledger moves the cash or shares they held, so the CHECK constraints
// (reserved never above what is held) hold at every statement.
#include "marketsim/db/orders.hpp"

#include <fmt/format.h>

#include <spdlog/spdlog.h>
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
#include "statements.hpp"
#include "trade_writes.hpp"

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

// A random (version 4) UUID: new orders' ids, and their client_order_id when none was given.
std::string random_uuid() {
  auto raw = random_bytes(16);
  raw[6] = static_cast<char>((static_cast<unsigned char>(raw[6]) & 0x0f) | 0x40);
  raw[8] = static_cast<char>((static_cast<unsigned char>(raw[8]) & 0x3f) | 0x80);
  std::string digits = hex(raw);
  return fmt::format("{}-{}-{}-{}-{}", digits.substr(0, 8), digits.substr(8, 4),
                     digits.substr(12, 4), digits.substr(16, 4), digits.substr(20, 12));
}

error outcome_error(exec_outcome e) {
  if (e == exec_outcome::unaffordable_shares)
    return {errc::insufficient_qty, "insufficient qty available for order"};
  return {errc::insufficient_buying_power, "insufficient buying power"};
}

// now() as the orders' timestamps read back (read_order): epoch milliseconds.
const statement txn_now{"txn_now", "select " MS("now()")};

// What every order of one transaction shares.
struct placing {
  const house_accounts& house;
  std::int64_t now_ms;    // txn_now
  locked_accounts& view;  // the transaction's locked accounts
  book_cache* books;      // the transaction's book, if it keeps one
};

// The order an account already placed under a client_order_id, and its fingerprint.
const statement find_client_order{
    "find_client_order",
    std::string("select ") + order_columns +
        ", o.fingerprint from orders o join accounts a on a.id = o.account_id where "
        "o.account_id = $1 and o.client_order_id = $2"};

// What a new order row holds when it is first written.
struct new_row {
  trading::order_status status = trading::order_status::fresh;
  std::int64_t filled_qty = 0;
  money_e4 filled_notional = 0;
  price_e4 reserve_price = 0;
  std::optional<price_e4> hwm, trail_stop;
};

// Places `req` inside an open transaction whose symbol is locked. `replaces`: the order this
// one replaces (already closed in the same transaction). `triggered`: a stop-limit whose stop
// already fired (a replaced triggered stop-limit) goes straight to the book as a limit. `cap`:
// the open-order cap that applies (0: none). Nothing is written when it fails.
result<order_record> place_locked(pqxx::transaction_base& tx, const placing& ctx, const player& who,
                                  const trading::order_request& req, const market_view& mv,
                                  const std::string& replaces, order_events& events,
                                  bool triggered = false, int cap = 0) {
  auto& view = ctx.view;
  order_record o;
  o.account_id = who.account_id;
  o.user_id = who.user_id;
  o.client_order_id = req.client_order_id.empty() ? random_uuid() : req.client_order_id;
  o.symbol = req.symbol;
  o.order_side = req.order_side;
  o.type = req.type;
  o.tif = req.tif;
  o.qty = req.qty;
  o.limit = req.limit;
  o.stop = req.stop;
  o.trail_price = req.trail_price;
  o.trail_ppm = req.trail_ppm;
  const std::string day = mv.market_day.empty() ? std::string("1970-01-01") : mv.market_day;
  const auto capped = [&] {
    return fail(errc::too_many_open_orders,
                fmt::format("at most {} open orders; cancel some first", cap));
  };

  // The row in the state the checks decided (fills reference it, so it is written first).
  auto insert = [&](const new_row& row) {
    o.id = random_uuid();
    o.status = row.status;
    o.filled_qty = row.filled_qty;
    o.filled_notional = row.filled_notional;
    o.reserve_price = row.reserve_price;
    o.hwm = row.hwm;
    o.trail_stop = row.trail_stop;
    o.triggered = triggered;
    o.market_day = day;
    o.replaces = replaces;
    o.submitted_ms = o.updated_ms = ctx.now_ms;
    using trading::order_status;
    if (row.status == order_status::filled) o.filled_ms = ctx.now_ms;
    if (row.status == order_status::canceled) o.canceled_ms = ctx.now_ms;
    if (row.status == order_status::rejected) o.failed_ms = ctx.now_ms;
    // Nothing is read back: the id is made here and every timestamp is the transaction's
    // now() (txn_now), so `o` is the row as stored (but for seq, which no answer shows).
    write_order(tx, o, trading::fingerprint(req));
    events.add(o, "new");
    return o;
  };

  const bool waits_for_trigger = req.type == trading::order_type::stop ||
                                 (req.type == trading::order_type::stop_limit && !triggered) ||
                                 req.type == trading::order_type::trailing_stop;
  if (waits_for_trigger) {
    // Rests outside the book until a tick triggers it; holds back what it may need.
    ensure_locked(tx, req.symbol, view, {who.account_id});
    trading::waiting_order w{req.order_side, req.type,        req.qty,      req.limit,
                             req.stop,       req.trail_price, req.trail_ppm};
    auto plan = trading::plan_waiting(w, mv.reference, view[who.account_id].funds());
    if (plan.refused == trading::refusal::unaffordable_cash)
      return std::unexpected(outcome_error(exec_outcome::unaffordable_cash));
    if (plan.refused == trading::refusal::unaffordable_shares)
      return std::unexpected(outcome_error(exec_outcome::unaffordable_shares));
    if (cap > 0 && count_open_orders(tx, who.account_id) + 1 > cap) return capped();
    new_row row;
    row.reserve_price = plan.reserve_price;
    if (req.type == trading::order_type::trailing_stop && mv.reference) {
      // The mark and the stop it implies are stored together: the tick scan finds a crossed
      // trailing stop by its stop level (without a price yet, the first tick sets both).
      o.hwm = mv.reference;
      row.hwm = mv.reference;
      row.trail_stop = trading::trailing_stop_price(standing_of(o), *mv.reference);
    }
    insert(row);
    position_delta held;
    held.cash = plan.cash_reserved;
    held.shares = plan.shares_reserved;
    write_deltas(tx, {{{who.account_id, req.symbol}, held}});
    view[who.account_id].reserved += plan.cash_reserved;
    view[who.account_id].shares_reserved += plan.shares_reserved;
    return o;
  }

  if (req.limit && !trading::notional(*req.limit, req.qty))
    return fail(errc::unprocessable, "qty × limit_price is too large");
  if (!req.limit && mv.reference &&
      !trading::notional(trading::house_ask(*mv.reference, mv.half_spread), req.qty))
    return fail(errc::unprocessable, "qty × price is too large");

  execution ex{o, req.limit, req.tif, events, ctx.books};
  open_cap open{cap};
  auto outcome = execute(
      tx, ctx.house, ex, mv, view,
      [&](const trading::execution_plan& plan) {
        return insert({plan.status, plan.filled_qty, plan.notional, plan.reserve_price, {}, {}});
      },
      &open);
  if (open.capped) return capped();
  if (outcome == exec_outcome::unaffordable_cash || outcome == exec_outcome::unaffordable_shares)
    return std::unexpected(outcome_error(outcome));
  if (outcome == exec_outcome::rejected || outcome == exec_outcome::canceled) {
    // Stored as it ended (no quote yet, or a fill-or-kill that could not fill whole).
    const bool rejected = outcome == exec_outcome::rejected;
    new_row row;
    row.status = rejected ? trading::order_status::rejected : trading::order_status::canceled;
    insert(row);
    events.add(o, rejected ? "rejected" : "canceled");
  }
  return o;
}

// Whether orders may trade `symbol`, from its locked row: 404 when unknown, 403 when halted.
result<void> tradable(const std::string& symbol, std::optional<bool> halted) {
  if (!halted) return fail(errc::not_found, "unknown symbol " + symbol);
  if (*halted) return fail(errc::symbol_halted, symbol + " is halted");
  return {};
}

// Locks the symbol; 404 when unknown, 403 when halted.
result<void> lock_symbol(pqxx::transaction_base& tx, const std::string& symbol) {
  return tradable(symbol, lock_instrument(tx, symbol));
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

market_view market_view_of(const market::quote_cache& quotes, std::int64_t market_time_ms,
                           trading::price_e4 half_spread, int open_order_cap,
                           const std::string& symbol) {
  market_view mv;
  mv.half_spread = half_spread;
  mv.open_order_cap = open_order_cap;
  auto q = quotes.find(symbol);
  if (q) mv.reference = q->price;
  auto t = q && q->updated_ms ? q->updated_ms : market_time_ms;
  mv.market_day = t ? format_time(t).substr(0, 10) : std::string("1970-01-01");
  mv.market_ms = t;
  return mv;
}

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

// Market, ioc and fok orders never stay open: only the others count against the cap.
bool may_rest(const trading::order_request& req, const market_view& mv) {
  return mv.open_order_cap > 0 && req.type != trading::order_type::market &&
         (req.tif == trading::time_in_force::day || req.tif == trading::time_in_force::gtc);
}

// The client_order_ids a batch uses that its accounts already placed: (account, id) → the
// order's id and fingerprint. One read for the whole batch; orders the batch places are added.
using known_ids =
    std::map<std::pair<std::int64_t, std::string>, std::pair<std::string, std::string>>;

// Sent with the batch's locks (nothing is sent when no order names one).
std::optional<pending> send_find_client_orders(pqxx::transaction_base& tx,
                                               const std::vector<order_ticket>& batch) {
  static const statement find{
      "find_client_orders",
      "select o.account_id, o.client_order_id, o.id::text, o.fingerprint from orders o join "
      "unnest($1::bigint[], $2::text[]) as k(account, cid) on o.account_id = k.account and "
      "o.client_order_id = k.cid"};
  std::vector<std::int64_t> accounts;
  std::vector<std::string> ids;
  for (const auto& t : batch) {
    if (t.req.client_order_id.empty()) continue;
    accounts.push_back(t.who.account_id);
    ids.push_back(t.req.client_order_id);
  }
  if (ids.empty()) return std::nullopt;
  return send(tx, find, array_literal(accounts), text_array_literal(ids));
}

known_ids take_client_orders(pqxx::transaction_base& tx, std::optional<pending>&& sent) {
  known_ids out;
  if (!sent) return out;
  for (const auto& r : take(tx, std::move(*sent)))
    out[{r[0].as<std::int64_t>(), r[1].as<std::string>()}] = {r[2].as<std::string>(),
                                                              r[3].as<std::string>()};
  return out;
}

// One order of a batch, inside the batch's transaction with its symbol and its submitters'
// accounts locked.
result<placed> place_in_batch(pqxx::transaction_base& tx, const placing& ctx, const order_ticket& t,
                              order_events& events, known_ids& known) {
  const auto fp = trading::fingerprint(t.req);
  if (!t.req.client_order_id.empty()) {
    // Read after the symbol lock, so racing retries of one order see each other's commit (and
    // an earlier order of the same batch).
    auto it = known.find({t.who.account_id, t.req.client_order_id});
    if (it != known.end()) {
      if (it->second.second != fp)
        return fail(errc::client_order_id_conflict,
                    "client_order_id was already used for a different order");
      auto existing = load_order(tx, it->second.first, false);
      if (existing) return placed{std::move(*existing), true};
    }
  }
  auto o = place_locked(tx, ctx, t.who, t.req, t.mv, "", events, false,
                        may_rest(t.req, t.mv) ? t.mv.open_order_cap : 0);
  if (!o) return std::unexpected(o.error());
  known[{t.who.account_id, o->client_order_id}] = {o->id, fp};
  return placed{std::move(*o), false};
}

// What an order that a statement refused gets: the database's constraints caught what the
// engine's checks let through (a CHECK or the ledger's trigger), so it is refused alone.
error refused_by_database(const pqxx::sql_error& e) {
  if (dynamic_cast<const pqxx::unique_violation*>(&e))
    return {errc::client_order_id_conflict,
            "client_order_id was already used for a different order"};
  return {errc::unprocessable, "the order was refused: it would break a balance rule"};
}

bool is_refusal(const pqxx::sql_error& e) {
  return dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr;
}

// One run of a batch. The first run is pipelined and has no savepoint: the locks and the
// batch's reads travel in one message, each order's writes travel with the next statement whose
// result is needed, and a refused order's checks come before its writes, so an error answer
// wrote nothing. A statement that fails in it (the database refusing one order's write, or a
// deadlock) aborts the run, and since a pipeline cannot tell which statement failed or why, the
// batch runs again `isolate`d: without a pipeline, each order under a savepoint (unless it is
// alone), the refused one rolled back alone with its exact error.
//
// `pipe`: the pipeline of the transaction (pipelined runs), which its caller begins and commits;
// otherwise `tx` is a pqxx::work that the caller commits.
void run_batch(pqxx::transaction_base& tx, std::vector<order_ticket>& batch, bool isolate,
               pipelined* pipe) {
  plan_once(tx);
  // The accounts whose orders may stay open take turns from here to commit, so each cap count
  // sees every order that committed before (parallel orders cannot overshoot the cap). Taken
  // in id order and before the symbol lock: whoever waits for them holds nothing yet.
  static const statement cap_lock{"open_orders_lock",
                                  "select pg_advisory_xact_lock(hashtext('open_orders:' || "
                                  "$1::text))"};
  std::vector<std::int64_t> counted;
  for (const auto& t : batch)
    if (may_rest(t.req, t.mv)) counted.push_back(t.who.account_id);
  std::sort(counted.begin(), counted.end());
  counted.erase(std::unique(counted.begin(), counted.end()), counted.end());
  for (auto id : counted) (void)send(tx, cap_lock, id);
  // The batch's symbols, each locked in symbol order (so two batches never wait on each other
  // in a cycle), then every submitter's account at once, in id order (later orders of the
  // batch read the view), then the client_order_ids the batch names: one message.
  std::map<std::string, std::vector<order_ticket*>> by_symbol;
  for (auto& t : batch) by_symbol[t.req.symbol].push_back(&t);
  std::vector<std::string> symbols;
  for (const auto& [symbol, tickets] : by_symbol) symbols.push_back(symbol);
  auto symbol_locks = send_lock_instruments(tx, symbols);
  std::vector<std::int64_t> submitters;
  for (const auto& t : batch) submitters.push_back(t.who.account_id);
  // Their positions in every symbol of the batch come with them, so moving on to the next
  // symbol costs no round trip; the view's position fields start as those of the first.
  std::string view_symbol = symbols.front();
  auto accounts = send_lock_accounts(tx, symbols, submitters);
  auto client_ids = send_find_client_orders(tx, batch);
  auto now = send(tx, txn_now);
  // The books the batch's orders may meet: one statement per side they come from, for every
  // symbol, each as wide as its widest order needs (orders that wait for a trigger meet none).
  book_cache books;
  std::map<std::string, price_e4> widest[2];  // by incoming side: buys read asks, sells bids
  for (const auto& [symbol, tickets] : by_symbol)
    for (const auto* t : tickets)
      if (t->req.type == trading::order_type::market || t->req.type == trading::order_type::limit) {
        const bool buy = t->req.order_side == trading::side::buy;
        const price_e4 bound = book_bound(t->req.order_side, t->req.limit, t->mv);
        auto [at, fresh] = widest[buy ? 0 : 1].try_emplace(symbol, bound);
        if (!fresh) at->second = buy ? std::max(at->second, bound) : std::min(at->second, bound);
      }
  if (!widest[0].empty()) books.prefetch(tx, trading::side::buy, widest[0]);
  if (!widest[1].empty()) books.prefetch(tx, trading::side::sell, widest[1]);
  // An unknown or halted symbol answers its orders and is left out.
  const auto halted = take_lock_instruments(tx, std::move(symbol_locks));
  for (auto it = by_symbol.begin(); it != by_symbol.end();) {
    const auto found = halted.find(it->first);
    const auto state = found == halted.end() ? std::nullopt : std::optional<bool>(found->second);
    if (auto ok = tradable(it->first, state); !ok) {
      for (auto* t : it->second) t->outcome = std::unexpected(ok.error());
      it = by_symbol.erase(it);
    } else {
      ++it;
    }
  }
  position_prefetch ahead;
  auto view = take_lock_accounts(tx, std::move(accounts), &ahead);
  auto known = take_client_orders(tx, std::move(client_ids));
  const std::int64_t now_ms = take(tx, std::move(now))[0][0].as<std::int64_t>();
  if (by_symbol.empty()) return;  // rolled back: nothing written
  const placing ctx{read_house(tx), now_ms, view, &books};
  // Pipelined, the orders' writes gather into one statement per kind (trade_writes.hpp).
  std::optional<coalesced_writes> writes;
  if (pipe) writes.emplace(tx, ctx.house.house);
  const bool alone = batch.size() == 1;
  order_events events;
  for (auto& [symbol, tickets] : by_symbol) {
    if (symbol != view_symbol) read_positions(tx, symbol, view, &ahead);
    view_symbol = symbol;
    for (auto* tp : tickets) {
      auto& t = *tp;
      order_events mine;
      mine.trace(t.req.trace);
      const bool savepoint = isolate && !alone;
      locked_accounts before;
      if (savepoint) {
        before = view;
        tx.exec0("savepoint batch_order");
      }
      try {
        t.outcome = place_in_batch(tx, ctx, t, mine, known);
      } catch (const pqxx::sql_error& e) {
        // Pipelined, or not a refusal (deadlocks and outages): the batch runs again or fails.
        if (!isolate || !is_refusal(e)) throw;
        t.outcome = std::unexpected(refused_by_database(e));
        if (alone) return;  // its transaction is aborted: rolled back whole
      }
      if (savepoint) {
        tx.exec0(t.outcome ? "release savepoint batch_order" : "rollback to savepoint batch_order");
        if (!t.outcome) view = std::move(before);
      }
      if (t.outcome) events.append(std::move(mine));
    }
  }
  if (writes) writes->flush();
  events.send(tx);
}

// Pipelined, the transaction's BEGIN travels with the locks and its COMMIT with the writes, so an
// order alone in its batch costs two round trips; a batch that fails runs again isolated, in a
// pqxx::work.
void place_batch_once(connection& c, std::vector<order_ticket>& batch, bool isolate) {
  if (isolate) {
    pqxx::work tx(c);
    run_batch(tx, batch, true, nullptr);
    tx.commit();
    return;
  }
  pqxx::nontransaction tx(c);
  try {
    pipelined pipe(tx);
    pipe.send_sql("begin");
    run_batch(tx, batch, false, &pipe);
    pipe.send_sql("commit");
    pipe.sync();  // every write answered and committed (an error: the batch runs again isolated)
  } catch (...) {
    // The connection goes back to the pool: not inside a transaction (a failed COMMIT has ended
    // it already; ROLLBACK then only warns).
    try {
      tx.exec0("rollback");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace

void place_orders(connection& c, std::vector<order_ticket>& batch) {
  if (batch.empty()) return;
  bool isolate = false;
  with_retries([&] {
    for (;;) {
      for (auto& t : batch) t.outcome = fail(errc::internal, "not placed");
      try {
        place_batch_once(c, batch, isolate);
        return;
      } catch (const pqxx::broken_connection&) {
        throw;  // an outage: db::pool answers
      } catch (const pqxx::in_doubt_error&) {
        throw;  // the commit's fate is unknown: never run again
      } catch (const std::exception& e) {
        if (isolate) throw;
        // Rolled back whole: again, isolated. Expected when the database refuses an order (or
        // two batches deadlock); often, it would mean the fast path is broken.
        std::string_view why = e.what();
        why = why.substr(0, std::min(why.find('\n'), std::size_t{200}));
        spdlog::info("orders: a batch of {} runs again isolated: {}", batch.size(), why);
        isolate = true;
      }
    }
  });
}

result<placed> place_order(connection& c, const player& who, const trading::order_request& req,
                           const market_view& mv) {
  std::vector<order_ticket> one{{who, req, mv, fail(errc::internal, "not placed")}};
  place_orders(c, one);
  return std::move(one.front().outcome);
}

result<order_record> cancel_order(connection& c, const player& who, const std::string& order_id) {
  if (!is_uuid(order_id)) return fail(errc::not_found, "order not found");
  return with_retries([&]() -> result<order_record> {
    pqxx::work tx(c);
    auto peek = load_order(tx, order_id, false);
    if (!peek || peek->account_id != who.account_id)
      return fail(errc::not_found, "order not found");
    (void)lock_instrument(tx, peek->symbol);  // a halted symbol's orders may still be canceled
    auto o = load_order(tx, order_id, true);
    if (!o->open())
      return fail(errc::unprocessable, fmt::format("order is {} and can no longer be canceled",
                                                   trading::status_name(o->status)));
    (void)lock_accounts(tx, o->symbol, {who.account_id});
    close_order(tx, *o, trading::order_status::canceled);
    order_events events;
    events.add(*o, "canceled");
    events.send(tx);
    tx.commit();
    return *o;
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
        return fail(errc::unprocessable, fmt::format("order is {} and can no longer be replaced",
                                                     trading::status_name(old->status)));
      auto base = request_of(*old);
      // Alpaca: a given qty is the whole quantity of the new order (what the old one filled
      // stays with the old one). Without one, the new order carries on with what is left, so a
      // price change never buys or sells again what was already filled.
      base.qty = old->remaining();
      auto req = trading::apply_replace(base, r);
      if (!req) return std::unexpected(req.error());
      if (!req->client_order_id.empty() &&
          !exec(tx, find_client_order, who.account_id, req->client_order_id).empty())
        return fail(errc::client_order_id_conflict,
                    "client_order_id was already used for a different order");
      auto view = lock_accounts(tx, old->symbol, {who.account_id});
      close_order(tx, *old, trading::order_status::replaced, &view);
      const placing ctx{read_house(tx), exec(tx, txn_now)[0][0].as<std::int64_t>(), view, nullptr};
      order_events events;
      // A triggered stop-limit's stop has fired: its replacement is a limit in the book at once.
      const bool triggered = old->type == trading::order_type::stop_limit && old->triggered;
      auto fresh = place_locked(tx, ctx, who, *req, mv, old->id, events, triggered);
      if (!fresh) return std::unexpected(fresh.error());  // rolled back: the old order stands
      static const statement link{"link_replacement",
                                  "update orders set replaced_by = $2::uuid where id = $1::uuid"};
      exec(tx, link, old->id, fresh->id);
      old->replaced_by = fresh->id;
      order_events all;
      all.add(*old, "replaced");
      all.append(std::move(events));
      all.send(tx);
      tx.commit();
      return *fresh;
    });
  });
}

}  // namespace marketsim::db::trading_repo
