// The trading actions' live engine (see rule_engine.hpp). Market strand; db::pool threads for
// the database steps.
#include "marketsim/rules/rule_engine.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "marketsim/db/orders.hpp"
#include "marketsim/market/history.hpp"

namespace marketsim::rules {

namespace asio = boost::asio;
namespace repo = db::rules_repo;
using trading::rules::firing;

rule_engine::rule_engine(db::pool& pool, db::order_batches& orders,
                         const market::quote_cache& quotes,
                         std::function<std::int64_t()> market_time_ms,
                         std::function<bool()> leading, trading::price_e4 half_spread,
                         int open_order_cap)
    : pool_(pool),
      orders_(orders),
      quotes_(quotes),
      market_time_ms_(std::move(market_time_ms)),
      leading_(std::move(leading)),
      half_spread_(half_spread),
      open_order_cap_(open_order_cap) {}

void rule_engine::offer(const std::vector<market::tick>& ticks) {
  for (const auto& t : ticks) {
    auto& last = last_price_[t.symbol];
    const auto previous = last;
    last = t.price;
    if (!rules_.empty() && led_) on_tick(t, previous);
  }
  if (!queue_.empty() && wake_) wake_->cancel();
}

trading::rules::book rule_engine::book_of(std::int64_t account_id,
                                          const trading::rules::spec& s) const {
  trading::rules::book b;
  if (auto c = cash_.find(account_id); c != cash_.end()) b.cash = c->second;
  for (const auto& symbol : trading::rules::symbols_of(s)) {
    if (auto h = held_.find({account_id, symbol}); h != held_.end()) b.held[symbol] = h->second.qty;
    if (auto p = last_price_.find(symbol); p != last_price_.end()) b.prices[symbol] = p->second;
  }
  b.half_spread = half_spread_;
  return b;
}

void rule_engine::on_tick(const market::tick& t, trading::price_e4 previous) {
  if (auto u = unstarted_.find(t.symbol); u != unstarted_.end()) {
    for (auto id : u->second)
      if (auto it = rules_.find(id); it != rules_.end() && !it->second.state.since_ms) {
        it->second.state.since_ms = t.ts_ms;
        it->second.state_dirty = true;
      }
    unstarted_.erase(u);
  }
  const auto day = market::day_of_ms(t.ts_ms);
  for (auto id : index_.candidates(t.symbol, previous, t.price)) {
    auto it = rules_.find(id);
    if (it == rules_.end()) continue;
    auto& r = it->second;
    trading::rules::tick_view view{previous, t.price, day, 0, 0, t.ts_ms, t.symbol, nullptr};
    if (auto h = held_.find({r.row.account_id, t.symbol}); h != held_.end()) {
      view.held_qty = h->second.qty;
      view.held_cost = h->second.cost;
    }
    trading::rules::book book;
    if (r.spec.what == trading::rules::kind::rebalance) {
      book = book_of(r.row.account_id, r.spec);
      view.portfolio = &book;
    }
    const auto before = r.state;
    auto fired = trading::rules::evaluate(r.spec, r.state, view);
    if (fired.empty()) {
      if (r.state != before) r.state_dirty = true;
      continue;
    }
    counts_.firings += fired.size();
    r.state_dirty = false;  // the firings carry the state
    auto seq = r.state.firings - static_cast<std::int64_t>(fired.size());
    for (auto& f : fired) {
      queued q{r.row.user_id, r.row.account_id, {}};
      auto& n = q.firing;
      n.rule_id = id;
      n.seq = ++seq;
      n.market_ms = t.ts_ms;
      n.price = f.price;
      n.act = f.act;
      n.symbol = f.symbol;
      n.limit = f.limit;
      n.qty = f.qty;
      n.state = trading::rules::state_json(r.state);
      if (f.act == firing::action::alert) {
        n.outcome = "alerted";
        n.notice = trading::rules::notice_of(r.spec, f);
        n.email = r.spec.email;
      } else if (f.qty == 0) {
        n.outcome = "refused";
        n.reason = f.reason;
      } else {
        n.outcome = "pending";
        n.client_order_id = repo::client_order_id_of(id, n.seq);
        // What the order path fills the next firing sees (the position and cash read again
        // within a second correct any difference).
        auto& h = held_[{r.row.account_id, f.symbol}];
        auto& cash = cash_[r.row.account_id];
        const trading::money_e4 value = f.qty * f.price;
        if (f.act == firing::action::sell) {
          const auto sold = std::min(h.qty, f.qty);
          h.cost -= h.qty > 0 ? h.cost / h.qty * sold : 0;
          h.qty -= sold;
          cash += value;
        } else {
          h.qty += f.qty;
          h.cost += value;
          cash -= std::min(cash, value);
        }
      }
      queue_.push_back(std::move(q));
    }
  }
}

asio::awaitable<void> rule_engine::reload(bool force) {
  // One pool job: the version, the rules again if it moved, and their owners' holdings and cash.
  // The owners' holdings are read with the rules that take over: offer() runs while this waits,
  // and a new rule must never be evaluated against holdings read without its owner.
  std::set<std::int64_t> owners;
  for (const auto& [id, r] : rules_) owners.insert(r.row.account_id);
  const std::vector<std::int64_t> known(owners.begin(), owners.end());
  const std::int64_t had = force ? -1 : version_;
  std::optional<repo::live_set> set;
  std::vector<repo::holding> holdings;
  std::vector<std::pair<std::int64_t, trading::money_e4>> cash;
  db::job_fn read = [&](db::connection& c) {
    const auto version = repo::rules_version(c);
    std::vector<std::int64_t> accounts = known;
    if (version != had) {
      set = repo::read_live(c);
      std::set<std::int64_t> now;
      for (const auto& l : set->rules) now.insert(l.row.account_id);
      accounts.assign(now.begin(), now.end());
    }
    holdings = repo::read_holdings(c, accounts);
    cash = repo::read_cash(c, accounts);
  };
  if (auto done = co_await pool_.execute(std::move(read)); !done) {
    spdlog::warn("rules: cannot read the rules: {}", done.error().message);
    co_return;
  }
  held_.clear();
  for (auto& h : holdings) held_[{h.account_id, h.symbol}] = std::move(h);
  cash_.clear();
  for (const auto& [account, c] : cash) cash_[account] = c;
  if (!set) co_return;  // the rules as they were
  std::map<std::int64_t, live> next;
  index_.clear();
  unstarted_.clear();
  for (auto& l : set->rules) {
    live r{std::move(l.row), std::move(l.spec), std::move(l.state), false};
    // Unchanged since the last read: this engine's state is newer than the stored one.
    if (auto old = rules_.find(r.row.id);
        old != rules_.end() && old->second.row.updated_ms == r.row.updated_ms) {
      r.state = old->second.state;
      r.state_dirty = old->second.state_dirty;
    }
    index_.add(r.row.id, r.spec);
    if (!r.state.since_ms)
      for (const auto& symbol : trading::rules::symbols_of(r.spec))
        unstarted_[symbol].push_back(r.row.id);
    next.emplace(r.row.id, std::move(r));
  }
  rules_ = std::move(next);
  version_ = set->version;
}

asio::awaitable<rule_engine::placed_outcome> rule_engine::place(
    std::int64_t account_id, std::int64_t user_id, const std::string& symbol,
    const std::string& action, std::int64_t qty, trading::price_e4 limit,
    const std::string& client_order_id) {
  trading::order_request req;
  req.symbol = symbol;
  req.qty = qty;
  req.order_side = action == "buy" ? trading::side::buy : trading::side::sell;
  req.type = limit > 0 ? trading::order_type::limit : trading::order_type::market;
  if (limit > 0) req.limit = limit;
  req.tif = trading::time_in_force::day;
  req.client_order_id = client_order_id;
  req.trace = client_order_id;
  const db::trading_repo::player who{account_id, user_id};
  const auto mv = db::trading_repo::market_view_of(quotes_, market_time_ms_(), half_spread_,
                                                   open_order_cap_, symbol);
  auto placed = co_await orders_.place(who, req, mv);
  if (!placed) {
    ++counts_.refused;
    co_return placed_outcome{"refused", "", placed.error().message};
  }
  ++counts_.placed;
  co_return placed_outcome{"placed", placed->order.id, ""};
}

asio::awaitable<void> rule_engine::act(queued q) {
  std::int64_t firing_id = 0;
  const auto& n = q.firing;
  db::job_fn record = [&](db::connection& c) { firing_id = repo::record_firing(c, n); };
  if (auto done = co_await pool_.execute(std::move(record)); !done) {
    spdlog::warn("rules: cannot record a firing of rule {}: {}", n.rule_id, done.error().message);
    co_return;
  }
  if (firing_id == 0) co_return;  // recorded already, or the rule was deleted meanwhile
  if (n.outcome == "alerted") ++counts_.alerts;
  if (n.outcome == "refused") ++counts_.refused;
  if (n.outcome != "pending") co_return;
  const auto done = co_await place(q.account_id, q.user_id, n.symbol,
                                   std::string(trading::rules::action_name(n.act)), n.qty,
                                   n.limit.value_or(0), n.client_order_id);
  db::job_fn settle = [&](db::connection& c) {
    repo::set_outcome(c, firing_id, done.outcome, done.order_id, done.reason);
  };
  if (auto saved = co_await pool_.execute(std::move(settle)); !saved)
    spdlog::warn("rules: cannot record the outcome of firing {}: {}", firing_id,
                 saved.error().message);
}

asio::awaitable<void> rule_engine::retry_pending() {
  std::vector<repo::firing_row> pending;
  db::job_fn read = [&](db::connection& c) { pending = repo::pending_firings(c); };
  if (!co_await pool_.execute(std::move(read))) co_return;
  for (const auto& p : pending) {
    auto it = rules_.find(p.rule_id);
    // A rule deleted or paused since: its pending firing is answered as refused.
    placed_outcome done{"refused", "", "the rule is no longer active"};
    if (it != rules_.end())
      done = co_await place(it->second.row.account_id, it->second.row.user_id, p.symbol, p.action,
                            p.qty, p.limit, p.client_order_id);
    db::job_fn settle = [&](db::connection& c) {
      repo::set_outcome(c, p.id, done.outcome, done.order_id, done.reason);
    };
    (void)co_await pool_.execute(std::move(settle));
  }
}

asio::awaitable<void> rule_engine::save_marks() {
  std::vector<std::pair<std::int64_t, nlohmann::json>> states;
  for (auto& [id, r] : rules_) {
    if (!r.state_dirty) continue;
    r.state_dirty = false;
    states.emplace_back(id, trading::rules::state_json(r.state));
  }
  if (states.empty()) co_return;
  db::job_fn save = [&](db::connection& c) { repo::save_states(c, states); };
  (void)co_await pool_.execute(std::move(save));
}

asio::awaitable<void> rule_engine::run() {
  co_await asio::this_coro::throw_if_cancelled(false);
  wake_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  auto next_reload = std::chrono::steady_clock::now();
  for (;;) {
    const bool leading = leading_();
    if (leading && !led_) {
      // A new leader: what the last one left pending first, then the rules as stored.
      co_await reload(true);
      co_await retry_pending();
      led_ = true;
    } else if (!leading && led_) {
      led_ = false;
      rules_.clear();
      index_.clear();
      queue_.clear();
      version_ = -1;
    }
    while (led_ && !queue_.empty()) {
      auto q = std::move(queue_.front());
      queue_.pop_front();
      co_await act(std::move(q));
    }
    if (led_ && std::chrono::steady_clock::now() >= next_reload) {
      co_await save_marks();
      co_await reload(false);
      next_reload = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    if (task_)
      task_->progress(led_ ? fmt::format("leading: {} rules", rules_.size())
                           : std::string("idle: not leading"));
    if (!queue_.empty()) continue;
    wake_->expires_after(std::chrono::seconds(1));
    auto [ec] = co_await wake_->async_wait(asio::as_tuple(asio::use_awaitable));
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
  }
  spdlog::info("rules: {} firings, {} orders placed, {} refused, {} alerts", counts_.firings.load(),
               counts_.placed.load(), counts_.refused.load(), counts_.alerts.load());
}

}  // namespace marketsim::rules
