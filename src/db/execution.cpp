// Applying the engine's plans inside an open transaction (see execution.hpp). db::pool threads.
#include "execution.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <atomic>

#include <nlohmann/json.hpp>

#include "marketsim/core/time.hpp"
#include "marketsim/trading/matcher.hpp"
#include "order_rows.hpp"
#include "statements.hpp"
#include "trade_writes.hpp"

namespace marketsim::db::trading_repo {

using nlohmann::json;
using trading::side;

namespace {

constexpr std::size_t book_row_limit = 1500;

// The opposite side of the book that may trade with an incoming buy (asks up to a bound) or
// sell (bids down to a bound), best price first, then arrival, of every account: the caller
// leaves out the player's own (an account has at most MARKETSIM_MAX_OPEN_ORDERS open, 500 by
// default, so 1,500 rows leave at least 1,000 of others'). For several symbols at once, each
// with its own bound: a lateral read per symbol, its rows led by the symbol.
std::string books_sql(std::string_view resting_side, std::string_view within,
                      std::string_view best_first) {
  return fmt::format(
      "select k.symbol, b.* from unnest($1::text[], $2::bigint[]) as k(symbol, bound) cross join "
      "lateral (select o.id::text, o.account_id, o.limit_e4, o.qty - o.filled_qty, o.seq, "
      "o.reserve_price_e4, a.user_id, o.filled_qty from orders o join accounts a on a.id = "
      "o.account_id where o.symbol = k.symbol and o.side = '{}' and o.status in ('new', "
      "'partially_filled') and (o.type = 'limit' or (o.type = 'stop_limit' and o.triggered)) and "
      "o.limit_e4 {} k.bound order by o.limit_e4 {}, o.seq limit {}) b",
      resting_side, within, best_first, book_row_limit);
}
const statement books_asks{"books_asks", books_sql("sell", "<=", "asc")};
const statement books_bids{"books_bids", books_sql("buy", ">=", "desc")};

// The order path's row locks are FOR NO KEY UPDATE: they exclude each other as FOR UPDATE
// would, but not the FOR KEY SHARE locks that inserting a row referencing an account or an
// instrument takes (the minute's equity and price snapshots). With FOR UPDATE, a snapshot
// holding key-share locks on accounts while inserting price rows deadlocked with an order
// holding its instrument and waiting for its account; PostgreSQL broke it only after its
// deadlock_timeout (1 s), stalling the pool once a minute under load.
const statement lock_accounts_sql{
    "lock_accounts",
    "select id, cash_e4, reserved_e4 from accounts where id = any($1::bigint[]) order by id for "
    "no key update"};
// After the accounts are locked: every change to a position happens under its account's lock,
// so what this reads stays true until commit.
const statement read_positions_sql{
    "read_positions_in",
    "select account_id, symbol, qty, reserved_qty, cost_e4 from positions where account_id = "
    "any($1::bigint[]) and symbol = any($2::text[])"};

// A resting order's share of a trade.
const statement fill_resting{
    "fill_resting",
    std::string("update orders as o set filled_qty = filled_qty + $2, filled_notional_e4 = "
                "filled_notional_e4 + $3, status = case when filled_qty + $2 = qty then "
                "'filled' else 'partially_filled' end, filled_at = case when filled_qty + $2 = "
                "qty then now() else filled_at end, updated_at = now() where id = $1::uuid "
                "returning ") +
        returned_order_columns};

const statement close_sql{
    "close_order",
    std::string("update orders as o set status = $2, updated_at = now(), reserve_price_e4 = 0, "
                "canceled_at = case when $2 = 'canceled' then now() else canceled_at end, "
                "expired_at = case when $2 = 'expired' then now() else expired_at end, "
                "replaced_at = case when $2 = 'replaced' then now() else replaced_at end where "
                "id = $1::uuid returning ") +
        returned_order_columns};

const statement count_open{
    "count_open_orders",
    "select count(*) from orders where account_id = $1 and status in ('new', "
    "'partially_filled')"};

const statement notify_all{
    "notify_trades",
    "select pg_notify($1, payload) from unnest(string_to_array($2, chr(10))) as payload"};

// The cost basis, realized P&L and reservations one execution changes, per account.
struct deltas {
  std::map<std::int64_t, position_delta> by_account;

  void apply(pqxx::transaction_base& tx, const std::string& symbol) const {
    deltas_by_position rows;
    for (const auto& [id, d] : by_account) rows[{id, symbol}] = d;
    write_deltas(tx, rows);
  }
};

// The fill's effect on both sides' positions as this transaction knows them: shares move,
// the buyer's cost basis grows, the seller's shrinks at the average price and the rest is
// realized.
void account_for_fill(locked_accounts& accounts, deltas& d, std::int64_t buyer, std::int64_t seller,
                      price_e4 price, std::int64_t qty) {
  const money_e4 notional = mul(qty, price);
  if (buyer) {
    auto& a = accounts[buyer];
    a.shares += qty;
    a.cost += notional;
    a.cash -= notional;
    d.by_account[buyer].cost += notional;
  }
  if (seller) {
    auto& a = accounts[seller];
    const money_e4 removed = trading::cost_removed(a.cost, a.shares, qty);
    a.shares -= qty;
    a.cost -= removed;
    a.cash += notional;
    d.by_account[seller].cost -= removed;
    d.by_account[seller].realized += notional - removed;
  }
}

order_record returned(const pqxx::result& r, std::int64_t user_id) {
  auto o = read_order(r[0]);
  o.user_id = user_id;
  return o;
}

}  // namespace

money_e4 mul(std::int64_t qty, price_e4 price) {
  return qty * price;  // bounded: qty ≤ 1e9 and prices checked against notional() first
}

house_accounts read_house(pqxx::transaction_base& tx) {
  // Two rows the migration made; they never change, so they are read once per process.
  static std::atomic<std::int64_t> house{0}, treasury{0};
  if (house.load() != 0) return {house.load(), treasury.load()};
  house_accounts h;
  static const statement read{"read_house",
                              "select id, kind from accounts where kind in ('house', 'treasury')"};
  for (const auto& row : exec(tx, read)) {
    if (row[1].as<std::string>() == "house")
      h.house = row[0].as<std::int64_t>();
    else
      h.treasury = row[0].as<std::int64_t>();
  }
  treasury = h.treasury;
  house = h.house;
  return h;
}

static pending send_lock_instrument(pqxx::transaction_base& tx, const std::string& symbol) {
  static const statement lock{"lock_instrument",
                              "select halted from instruments where symbol = $1 for no key update"};
  return send(tx, lock, symbol);
}

static std::optional<bool> take_lock_instrument(pqxx::transaction_base& tx, pending&& sent) {
  auto r = take(tx, std::move(sent));
  if (r.empty()) return std::nullopt;
  return r[0][0].as<bool>();
}

pending send_lock_instruments(pqxx::transaction_base& tx, const std::vector<std::string>& symbols) {
  // Rows are locked as the sort hands them out: in symbol order, like single locks taken in turn.
  static const statement lock{"lock_instruments",
                              "select symbol, halted from instruments where symbol = "
                              "any($1::text[]) order by symbol for no key update"};
  return send(tx, lock, text_array_literal(symbols));
}

std::map<std::string, bool> take_lock_instruments(pqxx::transaction_base& tx, pending&& sent) {
  std::map<std::string, bool> halted;
  for (const auto& row : take(tx, std::move(sent)))
    halted[row[0].as<std::string>()] = row[1].as<bool>();
  return halted;
}

std::optional<bool> lock_instrument(pqxx::transaction_base& tx, const std::string& symbol) {
  return take_lock_instrument(tx, send_lock_instrument(tx, symbol));
}

void order_events::add(const order_record& o, std::string_view event) {
  if (o.user_id == 0) return;
  json data{{"event", event},
            {"timestamp", format_time(o.updated_ms)},
            {"order", trading::order_json(o)}};
  json note{{"user", o.user_id}, {"event", "trade_update"}, {"data", std::move(data)}};
  if (!trace_.empty()) note["rid"] = trace_;
  payloads_ += note.dump();  // no raw newline: JSON escapes control characters
  payloads_ += '\n';
}

void order_events::add_fill(const order_record& o, price_e4 price, std::int64_t qty,
                            std::int64_t cum_qty, std::int64_t position_qty) {
  if (o.user_id == 0) return;
  // "fill" once this fill completes the order, "partial_fill" before.
  json data{{"event", cum_qty >= o.qty ? "fill" : "partial_fill"},
            {"timestamp", format_time(o.updated_ms)},
            {"order", trading::order_json(o)},
            {"price", market::format_price(price)},
            {"qty", std::to_string(qty)},
            {"position_qty", std::to_string(position_qty)}};
  json note{{"user", o.user_id}, {"event", "trade_update"}, {"data", std::move(data)}};
  if (!trace_.empty()) note["rid"] = trace_;
  payloads_ += note.dump();
  payloads_ += '\n';
}

void order_events::send(pqxx::transaction_base& tx) {
  if (payloads_.empty()) return;
  payloads_.pop_back();  // the last newline
  (void)db::send(tx, notify_all, std::string(trades_channel), payloads_);
  payloads_.clear();
}

namespace {
// A position as read_positions_sql returns it (account, symbol, then these).
locked_account position_of(const pqxx::row& r) {
  locked_account p;
  p.shares = r[2].as<std::int64_t>();
  p.shares_reserved = r[3].as<std::int64_t>();
  p.cost = r[4].as<std::int64_t>();
  return p;
}

// The view's position fields, the cash untouched.
void set_position(locked_account& a, const locked_account& position) {
  a.shares = position.shares;
  a.shares_reserved = position.shares_reserved;
  a.cost = position.cost;
}
}  // namespace

account_lock send_lock_accounts(pqxx::transaction_base& tx, std::vector<std::string> symbols,
                                std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const auto list = array_literal(ids);
  auto accounts = send(tx, lock_accounts_sql, list);
  auto positions = send(tx, read_positions_sql, list, text_array_literal(symbols));
  return {std::move(accounts), std::move(positions), std::move(ids), std::move(symbols)};
}

locked_accounts take_lock_accounts(pqxx::transaction_base& tx, account_lock&& sent,
                                   position_prefetch* ahead) {
  locked_accounts out;
  for (const auto& row : take(tx, std::move(sent.accounts))) {
    auto& a = out[row[0].as<std::int64_t>()];
    a.cash = row[1].as<std::int64_t>();
    a.reserved = row[2].as<std::int64_t>();
  }
  for (const auto& row : take(tx, std::move(sent.positions))) {
    const auto id = row[0].as<std::int64_t>();
    auto symbol = row[1].as<std::string>();
    const auto position = position_of(row);
    if (symbol == sent.symbols.front()) set_position(out[id], position);
    if (ahead) ahead->rows[{id, std::move(symbol)}] = position;
  }
  if (ahead) {
    ahead->accounts.insert(sent.ids.begin(), sent.ids.end());
    ahead->symbols.insert(sent.symbols.begin(), sent.symbols.end());
  }
  return out;
}

locked_accounts lock_accounts(pqxx::transaction_base& tx, const std::string& symbol,
                              std::vector<std::int64_t> ids) {
  return take_lock_accounts(tx, send_lock_accounts(tx, {symbol}, std::move(ids)));
}

void read_positions(pqxx::transaction_base& tx, const std::string& symbol, locked_accounts& view,
                    const position_prefetch* ahead) {
  // Read ahead under the same locks, and untouched since (a batch visits each symbol once), so
  // still true: no round trip, unless the view holds an account read later (a counterparty).
  const bool known =
      ahead && ahead->symbols.contains(symbol) && std::ranges::all_of(view, [&](const auto& entry) {
        return ahead->accounts.contains(entry.first);
      });
  std::vector<std::int64_t> ids;
  for (auto& [id, a] : view) {
    ids.push_back(id);
    set_position(a, {});
    if (!known) continue;
    if (auto it = ahead->rows.find({id, symbol}); it != ahead->rows.end())
      set_position(a, it->second);
  }
  if (ids.empty() || known) return;
  for (const auto& row :
       exec(tx, read_positions_sql, array_literal(ids), text_array_literal({symbol})))
    set_position(view[row[0].as<std::int64_t>()], position_of(row));
}

void ensure_locked(pqxx::transaction_base& tx, const std::string& symbol, locked_accounts& view,
                   const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> missing;
  for (auto id : ids)
    if (id != 0 && !view.contains(id)) missing.push_back(id);
  if (missing.empty()) return;
  for (auto& [id, a] : lock_accounts(tx, symbol, std::move(missing))) view[id] = a;
}

void release(pqxx::transaction_base& tx, const order_record& o, std::int64_t qty,
             locked_accounts* view) {
  if (qty <= 0) return;
  if (o.order_side == side::buy) {
    if (o.reserve_price <= 0) return;
    write_releases(tx, {{o.account_id, mul(qty, o.reserve_price), "", 0}});
    if (view && view->contains(o.account_id))
      (*view)[o.account_id].reserved -= mul(qty, o.reserve_price);
  } else {
    write_releases(tx, {{o.account_id, 0, o.symbol, qty}});
    if (view && view->contains(o.account_id)) (*view)[o.account_id].shares_reserved -= qty;
  }
}

std::int64_t count_open_orders(pqxx::transaction_base& tx, std::int64_t account_id) {
  return exec(tx, count_open, account_id)[0][0].as<std::int64_t>();
}

price_e4 book_bound(side incoming, std::optional<price_e4> limit, const market_view& mv) {
  const bool buy = incoming == side::buy;
  price_e4 bound = buy ? trading::max_order_price : 0;
  if (limit) bound = *limit;
  if (mv.reference) {
    const auto house = buy ? trading::house_ask(*mv.reference, mv.half_spread)
                           : trading::house_bid(*mv.reference, mv.half_spread);
    bound = buy ? std::min(bound, house) : std::max(bound, house);
  }
  return bound;
}

namespace {
// A book row as books_sql returns it (after the symbol).
book_row book_row_of(const pqxx::row& r) {
  return {r[1].as<std::string>(),
          r[2].as<std::int64_t>(),
          r[7].is_null() ? 0 : r[7].as<std::int64_t>(),
          r[3].as<std::int64_t>(),
          r[4].as<std::int64_t>(),
          r[5].as<std::int64_t>(),
          r[6].as<std::int64_t>(),
          r[8].as<std::int64_t>()};
}
}  // namespace

bool book_cache::covers(const entry& e, side incoming, price_e4 bound) const {
  // A truncated read covers only its own bound: past its last row there may be more.
  if (e.truncated) return e.bound == bound;
  return incoming == side::buy ? e.bound >= bound : e.bound <= bound;
}

void book_cache::prefetch(pqxx::transaction_base& tx, side incoming,
                          const std::map<std::string, price_e4>& bounds) {
  std::vector<std::string> symbols;
  std::vector<std::int64_t> limits;
  for (const auto& [symbol, bound] : bounds) {
    symbols.push_back(symbol);
    limits.push_back(bound);
  }
  auto shared = std::make_shared<shared_read>();
  shared->sent = send(tx, incoming == side::buy ? books_asks : books_bids,
                      text_array_literal(symbols), array_literal(limits));
  for (const auto& [symbol, bound] : bounds) entries_[{symbol, incoming}] = entry{bound, shared};
}

book_cache::entry& book_cache::read(pqxx::transaction_base& tx, const std::string& symbol,
                                    side incoming, price_e4 bound) {
  auto it = entries_.find({symbol, incoming});
  if (it == entries_.end() || !covers(it->second, incoming, bound))
    prefetch(tx, incoming, {{symbol, bound}});
  auto& e = entries_[{symbol, incoming}];
  if (!e.shared) return e;  // read already
  if (e.shared->sent) {
    const auto result = take(tx, std::move(*e.shared->sent));
    e.shared->sent.reset();
    for (const auto& r : result)
      e.shared->by_symbol[r[0].as<std::string>()].push_back(book_row_of(r));
  }
  if (auto found = e.shared->by_symbol.find(symbol); found != e.shared->by_symbol.end())
    e.rows = std::move(found->second);
  e.shared.reset();
  e.truncated = e.rows.size() >= book_row_limit;
  return e;
}

std::vector<book_row> book_cache::rows(pqxx::transaction_base& tx, const std::string& symbol,
                                       side incoming, price_e4 bound) {
  const auto& e = read(tx, symbol, incoming, bound);
  std::vector<book_row> out;
  for (const auto& r : e.rows)
    if (incoming == side::buy ? r.limit <= bound : r.limit >= bound) out.push_back(r);
  return out;
}

void book_cache::changed(const std::string& symbol, side resting) {
  entries_.erase({symbol, resting == side::buy ? side::sell : side::buy});
}

exec_outcome execute(pqxx::transaction_base& tx, const house_accounts& h, execution ex,
                     const market_view& mv, locked_accounts& accounts, const store_fn& store,
                     open_cap* cap) {
  auto& o = ex.order;
  const bool buy = o.order_side == side::buy;
  const price_e4 bound = book_bound(o.order_side, ex.limit, mv);
  book_cache own;
  auto& books = ex.books ? *ex.books : own;
  std::vector<trading::resting_order> book;
  std::map<std::int64_t, book_row> by_seq;
  for (auto& r : books.rows(tx, o.symbol, o.order_side, bound)) {
    if (r.account_id == o.account_id) continue;  // never against the player's own orders
    trading::resting_order ro;
    ro.id = r.seq;
    ro.account_id = r.account_id;
    ro.order_side = buy ? side::sell : side::buy;
    ro.limit = r.limit;
    ro.remaining = r.remaining;
    ro.sequence = r.seq;
    book.push_back(ro);
    by_seq[r.seq] = std::move(r);
  }
  trading::incoming_order in{o.account_id, o.order_side, ex.limit, o.remaining(), ex.tif};
  auto m = trading::match(in, book, mv.reference, mv.half_spread);

  std::vector<std::int64_t> involved{o.account_id};
  for (const auto& f : m.fills)
    if (f.resting_id) involved.push_back(by_seq[*f.resting_id].account_id);
  if (!m.rejected) ensure_locked(tx, o.symbol, accounts, involved);
  const trading::executable order{o.order_side, o.qty, o.filled_qty, ex.limit, ex.tif};
  const auto plan = trading::plan_execution(
      order, m,
      accounts.contains(o.account_id) ? accounts[o.account_id].funds() : trading::funds{});
  switch (plan.refused) {
    case trading::refusal::unaffordable_cash:
      return exec_outcome::unaffordable_cash;
    case trading::refusal::unaffordable_shares:
      return exec_outcome::unaffordable_shares;
    case trading::refusal::no_quote:
      return exec_outcome::rejected;
    case trading::refusal::unfilled:
      return exec_outcome::canceled;
    case trading::refusal::none:
      break;
  }
  if (cap && cap->cap > 0 && trading::is_open(plan.status) &&
      count_open_orders(tx, o.account_id) + 1 > cap->cap) {
    // Counted after matching (an order that fills at once is never refused by the cap), and
    // before any write.
    cap->capped = true;
    return exec_outcome::done;
  }

  // Resting orders give up the reservation for what they trade before the ledger moves it.
  for (const auto& f : plan.fills) {
    if (!f.resting_id) continue;
    const auto& other = by_seq[*f.resting_id];
    order_record held;
    held.account_id = other.account_id;
    held.symbol = o.symbol;
    held.order_side = buy ? side::sell : side::buy;
    held.reserve_price = other.reserve_price;
    release(tx, held, f.qty, &accounts);
  }
  const std::int64_t user_id = o.user_id;
  o = store(plan);  // the order's own row, in its final state (fills reference it)
  o.user_id = user_id;
  // What the transaction's book no longer shows: the resting orders traded, this one resting.
  for (const auto& f : plan.fills)
    if (f.resting_id) books.changed(o.symbol, buy ? side::sell : side::buy);
  if (trading::is_open(plan.status)) books.changed(o.symbol, o.order_side);

  deltas d;
  struct resting_fill {
    const book_row* row;
    price_e4 price;
    std::int64_t qty;
  };
  std::vector<resting_fill> resting_fills;
  for (const auto& f : plan.fills) {
    const book_row* other = f.resting_id ? &by_seq[*f.resting_id] : nullptr;
    const std::int64_t other_account = other ? other->account_id : 0;
    // A resting order is in the book once, so it trades at most once per match.
    const std::int64_t other_cum = other ? other->filled + f.qty : 0;
    const std::int64_t buyer = buy ? o.account_id : other_account;
    const std::int64_t seller = buy ? other_account : o.account_id;
    // The incoming order took the trade, whether from a resting order or from the house.
    write_fills(tx, h.house,
                {{o.symbol, f.price, f.qty, buy ? o.id : (other ? other->id : ""),
                  buy ? (other ? other->id : "") : o.id, buyer, seller, buy ? f.cum_qty : other_cum,
                  buy ? other_cum : f.cum_qty, o.order_side, mv.market_ms}});
    account_for_fill(accounts, d, buyer, seller, f.price, f.qty);
    ex.events.add_fill(o, f.price, f.qty, f.cum_qty, accounts[o.account_id].shares);
    if (other) resting_fills.push_back({other, f.price, f.qty});
  }
  d.by_account[o.account_id].cash += plan.cash_reserved;
  d.by_account[o.account_id].shares += plan.shares_reserved;
  accounts[o.account_id].reserved += plan.cash_reserved;
  accounts[o.account_id].shares_reserved += plan.shares_reserved;
  d.apply(tx, o.symbol);
  for (const auto& rf : resting_fills) {
    auto other = returned(exec(tx, fill_resting, rf.row->id, rf.qty, mul(rf.qty, rf.price)),
                          rf.row->user_id);
    ex.events.add_fill(other, rf.price, rf.qty, other.filled_qty,
                       accounts[rf.row->account_id].shares);
  }
  if (o.status == trading::order_status::canceled) ex.events.add(o, "canceled");
  return exec_outcome::done;
}

void house_fills::flush(pqxx::transaction_base& tx, const house_accounts& h, order_events& events,
                        locked_accounts& view) {
  if (pending_.empty()) return;
  static const statement store_all{
      "house_fills_store",
      std::string("update orders as o set filled_qty = o.qty, filled_notional_e4 = "
                  "o.filled_notional_e4 + u.notional, status = 'filled', reserve_price_e4 = 0, "
                  "filled_at = now(), updated_at = now() from unnest($1::uuid[], $2::bigint[]) as "
                  "u(id, notional) where o.id = u.id returning ") +
          returned_order_columns};
  const std::string symbol = pending_.front().order.symbol;
  // What the filled orders held back, given back before the ledger moves it.
  std::vector<release_row> held;
  std::vector<fill_row> trades;
  std::vector<std::string> ids, notionals;
  deltas d;
  struct fill_event {
    price_e4 price;
    std::int64_t qty;
    std::int64_t position_qty;
  };
  std::map<std::string, fill_event> fills;
  for (const auto& [o, price, market_ms] : pending_) {
    const auto qty = o.remaining();
    const bool buy = o.order_side == side::buy;
    if (buy)
      held.push_back({o.account_id, mul(qty, o.reserve_price), "", 0});
    else
      held.push_back({o.account_id, 0, o.symbol, qty});
    // The market came to the resting order: the house took the trade, on the other side.
    trades.push_back({symbol, price, qty, buy ? o.id : "", buy ? "" : o.id, buy ? o.account_id : 0,
                      buy ? 0 : o.account_id, buy ? o.qty : 0, buy ? 0 : o.qty,
                      buy ? side::sell : side::buy, market_ms});
    ids.push_back(o.id);
    notionals.push_back(std::to_string(mul(qty, price)));
    // The view follows each trade in order (a sale's cost basis depends on the ones before).
    auto& a = view[o.account_id];
    if (buy)
      a.reserved -= mul(qty, o.reserve_price);
    else
      a.shares_reserved -= qty;
    account_for_fill(view, d, buy ? o.account_id : 0, buy ? 0 : o.account_id, price, qty);
    fills[o.id] = {price, qty, view[o.account_id].shares};
  }
  write_releases(tx, held);
  std::map<std::string, order_record> stored;
  for (const auto& row : exec(tx, store_all, array_literal(ids), array_literal(notionals))) {
    auto o = read_order(row);
    stored[o.id] = std::move(o);
  }
  write_fills(tx, h.house, trades);
  d.apply(tx, symbol);
  for (const auto& [o, price, market_ms] : pending_) {
    auto it = stored.find(o.id);
    if (it == stored.end()) continue;
    it->second.user_id = o.user_id;
    const auto& f = fills[o.id];
    events.add_fill(it->second, f.price, f.qty, it->second.qty, f.position_qty);
  }
  pending_.clear();
}

void close_order(pqxx::transaction_base& tx, order_record& o, trading::order_status status,
                 locked_accounts* view) {
  release(tx, o, o.remaining(), view);
  const std::int64_t user_id = o.user_id;
  o = returned(exec(tx, close_sql, o.id, std::string(trading::status_name(status))), user_id);
}

}  // namespace marketsim::db::trading_repo
