// The latest quote per symbol with the day's statistics. The feed loop writes (apply, reset)
// under the exclusive lock; request handlers on io threads read copies under the shared lock.
#include "marketsim/market/quote_cache.hpp"

#include <algorithm>
#include <mutex>

namespace marketsim::market {
namespace {

constexpr std::int64_t day_ms = 86'400'000;

std::int64_t utc_day(std::int64_t ts_ms) noexcept {
  std::int64_t d = ts_ms / day_ms;
  if (ts_ms % day_ms < 0) --d;
  return d;
}

}  // namespace

std::optional<change> change_of(const quote& q) noexcept {
  if (!q.price || !q.previous_close) return std::nullopt;
  change c;
  c.amount = *q.price - *q.previous_close;
  c.percent = *q.previous_close == 0
                  ? 0.0
                  : static_cast<double>(c.amount) * 100.0 / static_cast<double>(*q.previous_close);
  return c;
}

void quote_cache::reset(const std::vector<instrument>& instruments,
                        const std::map<std::string, price_e4, std::less<>>& previous_closes) {
  std::unique_lock lock(mutex_);
  order_.clear();
  quotes_.clear();
  for (const instrument& info : instruments) {
    if (quotes_.contains(info.symbol)) continue;  // a duplicate would be listed twice
    quote q;
    q.info = info;
    if (auto it = previous_closes.find(info.symbol); it != previous_closes.end()) {
      q.previous_close = it->second;
    }
    order_.push_back(info.symbol);
    quotes_.emplace(info.symbol, std::move(q));
  }
}

void quote_cache::apply(const tick& t) {
  std::unique_lock lock(mutex_);
  auto it = quotes_.find(t.symbol);
  if (it == quotes_.end()) return;  // not in the catalog: nothing to show it under
  advance(it->second, t);
}

void quote_cache::advance(quote& q, const tick& t) {
  // Any change of UTC day rolls, not only a later one: market time moves forward, but should a
  // day ever come back (a database reused with other settings) it must not extend the last.
  const bool new_day = !q.price || utc_day(t.ts_ms) != utc_day(q.updated_ms);
  if (new_day) {
    if (q.price) q.previous_close = q.price;
    q.day_open = t.price;
    q.day_high = t.price;
    q.day_low = t.price;
    q.day_volume = 0;
  } else {
    q.day_high = std::max(*q.day_high, t.price);
    q.day_low = std::min(*q.day_low, t.price);
  }
  q.price = t.price;
  q.day_volume += t.volume;
  q.updated_ms = t.ts_ms;
}

std::vector<quote> quote_cache::all() const {
  std::shared_lock lock(mutex_);
  std::vector<quote> out;
  out.reserve(order_.size());
  for (const std::string& symbol : order_) out.push_back(quotes_.find(symbol)->second);
  return out;
}

std::optional<quote> quote_cache::find(std::string_view symbol) const {
  std::shared_lock lock(mutex_);
  auto it = quotes_.find(symbol);
  if (it == quotes_.end()) return std::nullopt;
  return it->second;
}

bool quote_cache::contains(std::string_view symbol) const {
  std::shared_lock lock(mutex_);
  return quotes_.find(symbol) != quotes_.end();
}

movers quote_cache::top_movers(std::size_t count) const {
  std::vector<quote> priced;
  {
    std::shared_lock lock(mutex_);
    for (const std::string& symbol : order_) {
      const quote& q = quotes_.find(symbol)->second;
      if (q.info.kind != instrument_kind::index && q.price) priced.push_back(q);
    }
  }
  movers out;
  // Stable sorts keep catalog order among ties, so the lists do not flicker between requests.
  std::vector<quote> with_change;
  for (const quote& q : priced) {
    if (change_of(q)) with_change.push_back(q);
  }
  auto pct = [](const quote& q) { return change_of(q)->percent; };
  std::vector<quote> up, down;
  for (const quote& q : with_change) {
    if (pct(q) > 0) up.push_back(q);
    if (pct(q) < 0) down.push_back(q);
  }
  std::stable_sort(up.begin(), up.end(),
                   [&](const quote& a, const quote& b) { return pct(a) > pct(b); });
  std::stable_sort(down.begin(), down.end(),
                   [&](const quote& a, const quote& b) { return pct(a) < pct(b); });
  std::stable_sort(priced.begin(), priced.end(),
                   [](const quote& a, const quote& b) { return a.day_volume > b.day_volume; });
  if (up.size() > count) up.resize(count);
  if (down.size() > count) down.resize(count);
  if (priced.size() > count) priced.resize(count);
  out.gainers = std::move(up);
  out.losers = std::move(down);
  out.most_active = std::move(priced);
  return out;
}

}  // namespace marketsim::market
