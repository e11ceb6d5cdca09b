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
    if (rules_.empty() || !led_) continue;
    for (auto id : index_.candidates(t.symbol, previous, t.price)) {
      auto it = rules_.find(id);
      if (it == rules_.end()) continue;
      auto& r = it->second;
      trading::rules::tick_view view{previous, t.price, market::day_of_ms(t.ts_ms), 0, 0};
      if (auto h = held_.find({r.row.account_id, t.symbol}); h != held_.end()) {
        view.held_qty = h->second.qty;
        view.held_cost = h->second.cost;
      }
      const auto mark = r.state.high_water;
      auto f = trading::rules::evaluate(r.spec, r.state, view);
      if (!f) {
        if (r.state.high_water != mark) r.state_dirty = true;
        continue;
      }
      ++counts_.firings;
      r.state_dirty = false;  // the firing carries the state
      queued q{id, r.row.user_id, r.row.account_id, r.spec.symbol, {}};
      auto& n = q.firing;
      n.rule_id = id;
      n.seq = r.state.firings;
      n.market_ms = t.ts_ms;
      n.price = f->price;
      n.act = f->act;
      n.qty = f->qty;
      n.state = trading::rules::state_json(r.state);
      if (f->act == firing::action::alert) {
        n.outcome = "alerted";
        n.notice = trading::rules::notice_of(r.spec, *f);
        n.email = r.spec.email;
      } else if (f->qty == 0) {
        n.outcome = "refused";
        n.reason = f->reason;
      } else {
        n.outcome = "pending";
        n.client_order_id = repo::client_order_id_of(id, n.seq);
        // What the order path sells is what is held: the next firing sees the position as sold.
        if (f->act == firing::action::sell)
          if (auto h = held_.find({r.row.account_id, t.symbol}); h != held_.end())
            h->second.qty -= std::min(h->second.qty, f->qty);
      }
      queue_.push_back(std::move(q));
    }
  }
  if (!queue_.empty() && wake_) wake_->cancel();
}

asio::awaitable<void> rule_engine::reload(bool force) {
  std::int64_t version = 0;
  db::job_fn ask = [&](db::connection& c) { version = repo::rules_version(c); };
  if (!co_await pool_.execute(std::move(ask))) co_return;
  std::vector<std::int64_t> accounts;
  if (force || version != version_) {
    repo::live_set set;
    db::job_fn read = [&](db::connection& c) { set = repo::read_live(c); };
    if (auto done = co_await pool_.execute(std::move(read)); !done) {
      spdlog::warn("rules: cannot read the rules: {}", done.error().message);
      co_return;
    }
    // The owners' holdings are read before the new rules take over: offer() runs while this
    // waits, and a new rule must never be evaluated against holdings read without its owner.
    std::set<std::int64_t> owners;
    for (const auto& l : set.rules) owners.insert(l.row.account_id);
    accounts.assign(owners.begin(), owners.end());
    std::vector<repo::holding> holdings;
    db::job_fn hold = [&](db::connection& c) { holdings = repo::read_holdings(c, accounts); };
    if (!co_await pool_.execute(std::move(hold))) co_return;
    held_.clear();
    for (auto& h : holdings) held_[{h.account_id, h.symbol}] = std::move(h);
    std::map<std::int64_t, live> next;
    index_.clear();
    for (auto& l : set.rules) {
      live r{std::move(l.row), std::move(l.spec), std::move(l.state), false};
      // Unchanged since the last read: this engine's state is newer than the stored one.
      if (auto old = rules_.find(r.row.id);
          old != rules_.end() && old->second.row.updated_ms == r.row.updated_ms) {
        r.state = old->second.state;
        r.state_dirty = old->second.state_dirty;
      }
      index_.add(r.row.id, r.spec);
      next.emplace(r.row.id, std::move(r));
    }
    rules_ = std::move(next);
    version_ = set.version;
    co_return;
  }
  // The rules as they were: their owners' holdings afresh (fills move them).
  std::set<std::int64_t> owners;
  for (const auto& [id, r] : rules_) owners.insert(r.row.account_id);
  accounts.assign(owners.begin(), owners.end());
  std::vector<repo::holding> holdings;
  db::job_fn hold = [&](db::connection& c) { holdings = repo::read_holdings(c, accounts); };
  if (!co_await pool_.execute(std::move(hold))) co_return;
  held_.clear();
  for (auto& h : holdings) held_[{h.account_id, h.symbol}] = std::move(h);
}

asio::awaitable<void> rule_engine::act(queued q) {
  std::int64_t firing_id = 0;
  db::job_fn record = [&](db::connection& c) { firing_id = repo::record_firing(c, q.firing); };
  if (auto done = co_await pool_.execute(std::move(record)); !done) {
    spdlog::warn("rules: cannot record a firing of rule {}: {}", q.rule_id, done.error().message);
    co_return;
  }
  if (firing_id == 0) co_return;  // recorded already, or the rule was deleted meanwhile
  if (q.firing.outcome == "alerted") ++counts_.alerts;
  if (q.firing.outcome == "refused") ++counts_.refused;
  if (q.firing.outcome != "pending") co_return;
  trading::order_request req;
  req.symbol = q.symbol;
  req.qty = q.firing.qty;
  req.order_side = q.firing.act == firing::action::buy ? trading::side::buy : trading::side::sell;
  req.type = trading::order_type::market;
  req.tif = trading::time_in_force::day;
  req.client_order_id = q.firing.client_order_id;
  const db::trading_repo::player who{q.account_id, q.user_id};
  const auto mv = db::trading_repo::market_view_of(quotes_, market_time_ms_(), half_spread_,
                                                   open_order_cap_, req.symbol);
  auto placed = co_await orders_.place(who, req, mv);
  std::string outcome = placed ? "placed" : "refused";
  std::string order_id = placed ? placed->order.id : "";
  std::string reason = placed ? "" : placed.error().message;
  if (placed)
    ++counts_.placed;
  else
    ++counts_.refused;
  db::job_fn settle = [&](db::connection& c) {
    repo::set_outcome(c, firing_id, outcome, order_id, reason);
  };
  if (auto done = co_await pool_.execute(std::move(settle)); !done)
    spdlog::warn("rules: cannot record the outcome of firing {}: {}", firing_id,
                 done.error().message);
}

asio::awaitable<void> rule_engine::retry_pending() {
  std::vector<repo::firing_row> pending;
  db::job_fn read = [&](db::connection& c) { pending = repo::pending_firings(c); };
  if (!co_await pool_.execute(std::move(read))) co_return;
  for (const auto& p : pending) {
    auto it = rules_.find(p.rule_id);
    // A rule deleted or paused since: its pending firing is answered as refused.
    std::string symbol = it != rules_.end() ? it->second.spec.symbol : "";
    std::string outcome = "refused", order_id, reason = "the rule is no longer active";
    if (!symbol.empty()) {
      trading::order_request req;
      req.symbol = symbol;
      req.qty = p.qty;
      req.order_side = p.action == "buy" ? trading::side::buy : trading::side::sell;
      req.type = trading::order_type::market;
      req.tif = trading::time_in_force::day;
      req.client_order_id = p.client_order_id;
      const db::trading_repo::player who{it->second.row.account_id, it->second.row.user_id};
      const auto mv = db::trading_repo::market_view_of(quotes_, market_time_ms_(), half_spread_,
                                                       open_order_cap_, symbol);
      auto placed = co_await orders_.place(who, req, mv);
      outcome = placed ? "placed" : "refused";
      order_id = placed ? placed->order.id : "";
      reason = placed ? "" : placed.error().message;
    }
    db::job_fn settle = [&](db::connection& c) {
      repo::set_outcome(c, p.id, outcome, order_id, reason);
    };
    (void)co_await pool_.execute(std::move(settle));
  }
}

asio::awaitable<void> rule_engine::save_marks() {
  for (auto& [id, r] : rules_) {
    if (!r.state_dirty) continue;
    r.state_dirty = false;
    const auto state = trading::rules::state_json(r.state);
    const auto rule_id = id;
    db::job_fn save = [&](db::connection& c) { repo::save_state(c, rule_id, state); };
    (void)co_await pool_.execute(std::move(save));
  }
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
    if (!queue_.empty()) continue;
    wake_->expires_after(std::chrono::seconds(1));
    auto [ec] = co_await wake_->async_wait(asio::as_tuple(asio::use_awaitable));
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
  }
  spdlog::info("rules: {} firings, {} orders placed, {} refused, {} alerts", counts_.firings,
               counts_.placed, counts_.refused, counts_.alerts);
}

}  // namespace marketsim::rules
