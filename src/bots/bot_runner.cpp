// The simulated traders' runner (see bot_runner.hpp). The market strand; database steps on the
// db pool.
#include "marketsim/bots/bot_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/db/orders.hpp"

namespace marketsim::bots {

namespace asio = boost::asio;
using trading::bots::strategy_kind;
using clock = std::chrono::steady_clock;

namespace {

// The strategies in the order bots are dealt them: one bot in five makes markets.
constexpr std::array<strategy_kind, 5> deal{strategy_kind::market_maker, strategy_kind::noise,
                                            strategy_kind::momentum, strategy_kind::mean_reversion,
                                            strategy_kind::index_holder};
constexpr std::size_t recent_prices = 32;

// A seed of its own for bot `i`'s `purpose` (parameters, symbols, thoughts), from the runner's.
std::uint64_t seed_of(std::uint64_t seed, std::size_t i, std::uint64_t purpose) {
  trading::bots::rng r(seed ^ (0x9e3779b97f4a7c15ULL * (i + 1)) ^ (purpose << 56));
  return r.next();
}

// `n` different symbols drawn from `symbols` (all of them when there are no more).
std::vector<std::string> draw_symbols(const std::vector<std::string>& symbols, std::size_t n,
                                      trading::bots::rng& random) {
  std::vector<std::string> pool = symbols;
  std::vector<std::string> out;
  while (out.size() < n && !pool.empty()) {
    auto k =
        static_cast<std::size_t>(random.between(0, static_cast<std::int64_t>(pool.size()) - 1));
    out.push_back(pool[k]);
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<bot_plan> plan_bots(int count, std::uint64_t seed,
                                const std::vector<std::string>& symbols) {
  std::vector<bot_plan> out;
  if (count <= 0 || symbols.empty()) return out;
  const auto n = static_cast<std::size_t>(count);
  const std::size_t makers = (n + deal.size() - 1) / deal.size();
  for (std::size_t i = 0; i < n; ++i) {
    const strategy_kind kind = deal[i % deal.size()];
    std::vector<std::string> mine;
    if (kind == strategy_kind::market_maker) {
      // Maker j quotes every symbol whose index is j modulo the number of makers.
      const std::size_t j = i / deal.size();
      for (std::size_t s = j; s < symbols.size(); s += makers) mine.push_back(symbols[s]);
      if (mine.empty()) mine.push_back(symbols[j % symbols.size()]);
    } else {
      trading::bots::rng pick(seed_of(seed, i, 1));
      mine = draw_symbols(symbols, kind == strategy_kind::index_holder ? 10 : 3, pick);
    }
    bot_plan p;
    p.identity.tag = fmt::format("bot_{:02}", i + 1);
    p.identity.display_name = fmt::format("{} bot {}", trading::bots::strategy_title(kind), i + 1);
    p.identity.strategy = kind;
    p.params = trading::bots::draw_params(kind, std::move(mine), seed_of(seed, i, 2));
    out.push_back(std::move(p));
  }
  return out;
}

bool order_budget::take(clock::time_point now) {
  if (last_ != clock::time_point{}) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(rate_, tokens_ + rate_ * std::max(0.0, elapsed));
  }
  last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bot_runner::bot_runner(db::pool& pool, db::order_batches& orders, const market::quote_cache& quotes,
                       std::function<std::int64_t()> market_time_ms, std::function<bool()> leading,
                       bot_settings settings, trading::money_e4 starting_cash,
                       trading::price_e4 half_spread, int open_order_cap)
    : pool_(pool),
      orders_(orders),
      quotes_(quotes),
      market_time_ms_(std::move(market_time_ms)),
      leading_(std::move(leading)),
      settings_(settings),
      starting_cash_(starting_cash),
      half_spread_(half_spread),
      open_order_cap_(open_order_cap),
      budget_(settings.orders_per_second) {}

std::chrono::milliseconds bot_runner::jittered(bot& b) const {
  // Half to one and a half times the average: bots never think in step. Market makers think
  // twice as often: their quotes go stale whenever the price moves.
  const bool maker = b.plan.params.kind == strategy_kind::market_maker;
  const double average = static_cast<double>(settings_.think.count()) / (maker ? 2.0 : 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(average * (0.5 + b.random.unit())));
}

asio::awaitable<void> bot_runner::run() {
  // Cancellation (the app's stop signal) ends the loop at its wait; a round in progress
  // finishes its current order first.
  co_await asio::this_coro::throw_if_cancelled(false);
  if (settings_.count <= 0) {
    if (task_) task_->progress("off (MARKETSIM_BOTS=0)");
    co_return;
  }
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  const auto step = std::clamp(settings_.think / 4, std::chrono::milliseconds(100),
                               std::chrono::milliseconds(1000));
  while (!stopped_) {
    timer_->expires_after(step);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_ ||
        (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
    remember_prices();
    if (leading_ && !leading_()) {
      if (task_) task_->progress("idle: not leading");
      continue;
    }
    if (!provisioned_ && !co_await provision()) {
      if (task_) task_->set_state("cannot provision the bots; retrying");
      continue;
    }
    const auto started = clock::now();
    co_await think_round(started);
    if (task_) task_->step_took(clock::now() - started, "trading");
    report(clock::now());
  }
}

void bot_runner::report(clock::time_point now) {
  // Once a minute, what the bots did: the operator's view of their share of the order flow and
  // of what the budget held back.
  if (last_report_ == clock::time_point{}) last_report_ = now;
  if (now - last_report_ < std::chrono::minutes(1)) return;
  last_report_ = now;
  spdlog::info("bots: {} thoughts, {} orders placed, {} refused, {} cancels, {} over the budget",
               counts_.thoughts, counts_.placed, counts_.refused, counts_.canceled,
               counts_.over_budget);
}

void bot_runner::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

void bot_runner::remember_prices() {
  for (const auto& q : quotes_.all()) {
    if (!q.price || q.info.kind == market::instrument_kind::index) continue;
    auto& seen = seen_ms_[q.info.symbol];
    if (seen == q.updated_ms) continue;  // no new tick since
    seen = q.updated_ms;
    auto& prices = recent_[q.info.symbol];
    prices.push_back(*q.price);
    if (prices.size() > recent_prices) prices.erase(prices.begin());
  }
}

asio::awaitable<bool> bot_runner::provision() {
  std::vector<std::string> symbols;
  for (const auto& q : quotes_.all())
    if (q.info.kind != market::instrument_kind::index) symbols.push_back(q.info.symbol);
  std::sort(symbols.begin(), symbols.end());
  auto plans = plan_bots(settings_.count, settings_.seed, symbols);
  if (plans.empty()) co_return false;
  std::vector<db::bot_repo::bot_identity> who;
  for (const auto& p : plans) who.push_back(p.identity);
  std::vector<db::bot_repo::bot_account> accounts;
  db::job_fn job = [&](db::connection& c) {
    accounts = db::bot_repo::provision(c, who, starting_cash_);
  };
  if (auto done = co_await pool_.execute(std::move(job)); !done) {
    spdlog::warn("bots: cannot open their accounts yet: {}", done.error().message);
    co_return false;
  }
  const auto now = clock::now();
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (accounts[i].user_id == 0) continue;
    bot b{std::move(plans[i]), accounts[i], trading::bots::rng(seed_of(settings_.seed, i, 3)), now};
    b.next_thought = now + jittered(b);
    bots_.push_back(std::move(b));
  }
  provisioned_ = true;
  spdlog::info("bots: {} simulated traders on {} symbols (seed {}, at most {} orders/s)",
               bots_.size(), symbols.size(), settings_.seed, settings_.orders_per_second);
  co_return true;
}

asio::awaitable<void> bot_runner::think_round(clock::time_point now) {
  std::vector<bot*> due;
  for (auto& b : bots_)
    if (b.next_thought <= now) due.push_back(&b);
  if (due.empty()) co_return;
  for (auto* b : due) b->next_thought = now + jittered(*b);
  std::vector<std::int64_t> ids;
  for (const auto* b : due) ids.push_back(b->account.account_id);
  std::map<std::int64_t, trading::bots::account_view> views;
  db::job_fn job = [&](db::connection& c) { views = db::bot_repo::read_views(c, ids); };
  if (auto done = co_await pool_.execute(std::move(job)); !done) {
    spdlog::debug("bots: cannot read their accounts: {}", done.error().message);
    co_return;
  }
  for (auto* b : due) {
    if (stopped_) co_return;
    std::vector<trading::bots::symbol_view> market;
    for (const auto& symbol : b->plan.params.symbols) {
      auto q = quotes_.find(symbol);
      if (!q || !q->price) continue;
      trading::bots::symbol_view v;
      v.symbol = symbol;
      v.price = *q->price;
      v.half_spread = half_spread_;
      if (auto it = recent_.find(symbol); it != recent_.end()) v.recent = it->second;
      market.push_back(std::move(v));
    }
    if (market.empty()) continue;
    const auto intents =
        trading::bots::think(b->plan.params, views[b->account.account_id], market, b->random);
    ++counts_.thoughts;
    for (const auto& what : intents) {
      if (!budget_.take(clock::now())) {
        ++counts_.over_budget;
        continue;
      }
      co_await act(*b, what);
    }
  }
}

asio::awaitable<void> bot_runner::act(bot& b, const trading::bots::intent& what) {
  const db::trading_repo::player who{b.account.account_id, b.account.user_id};
  if (what.what == trading::bots::intent::kind::cancel) {
    result<trading::order_record> canceled = fail(errc::internal, "not run");
    db::job_fn job = [&](db::connection& c) {
      canceled = db::trading_repo::cancel_order(c, who, what.cancel_id);
    };
    auto done = co_await pool_.execute(std::move(job));
    if (done && canceled) ++counts_.canceled;
    co_return;
  }
  const auto mv = db::trading_repo::market_view_of(quotes_, market_time_ms_(), half_spread_,
                                                   open_order_cap_, what.order.symbol);
  auto placed = co_await orders_.place(who, what.order, mv);
  if (placed) {
    ++counts_.placed;
  } else {
    // Usual for a bot (its cash went to an earlier fill, the symbol was halted): not an error.
    ++counts_.refused;
    spdlog::debug("bots: {} order refused: {}", b.plan.identity.tag, placed.error().message);
  }
}

}  // namespace marketsim::bots
