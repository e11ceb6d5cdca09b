// The simulated traders' strategies (see bot_strategies.hpp). Pure: called on the bot runner's
// strand and by unit tests; nothing is shared between calls but the caller's generator. Every
// strategy spends through one `thought`, which holds the intents, free cash and free shares
// left, so no strategy can overspend, oversell or exceed max_intents on its own.
#include "marketsim/trading/bot_strategies.hpp"

#include <algorithm>
#include <utility>

#include "marketsim/trading/matcher.hpp"

namespace marketsim::trading::bots {

namespace {

constexpr std::int64_t ppm = 1'000'000;

struct strategy_names {
  strategy_kind kind;
  std::string_view name;
  std::string_view title;
  std::string_view description;
};
constexpr std::array<strategy_names, 5> names{{
    {strategy_kind::market_maker, "market_maker", "Market maker",
     "Quotes both sides of its stocks just inside the house's prices, within an inventory "
     "limit, so there is always someone to trade with."},
    {strategy_kind::momentum, "momentum", "Momentum",
     "Buys a stock that has been rising and sells one that has been falling over its last "
     "prices."},
    {strategy_kind::mean_reversion, "mean_reversion", "Mean reversion",
     "Buys after a drop and sells after a rise, betting that prices return to their recent "
     "average."},
    {strategy_kind::noise, "noise", "Noise trader",
     "Buys and sells at random now and then, the market's background activity."},
    {strategy_kind::index_holder, "index_holder", "Index holder",
     "Buys a basket of stocks and holds it."},
}};

// x × num / den in 128 bits: a price times a million does not fit in 64 bits for large prices.
std::int64_t scale(std::int64_t x, std::int64_t num, std::int64_t den) {
  return static_cast<std::int64_t>(static_cast<__int128>(x) * num / den);
}

// The move from `from` to `to` in millionths of `from` (from > 0).
std::int64_t move_ppm(price_e4 from, price_e4 to) {
  return scale(to - from, ppm, from);
}

// About order_value's worth of shares at `price`, but at least one: a bot with a small budget
// still trades a dear symbol.
std::int64_t qty_for(money_e4 order_value, price_e4 price) {
  return std::clamp<std::int64_t>(order_value / price, 1, max_order_qty);
}

std::int64_t count_of(const std::map<std::string, std::int64_t>& m, const std::string& symbol) {
  auto it = m.find(symbol);
  return it == m.end() ? 0 : it->second;
}

// One thought's intents and what it still may spend. Cash that a cancel in the same thought
// would release is not counted: the cancel has not happened yet when the next order arrives,
// and the order path would refuse an order the account cannot pay for.
class thought {
 public:
  explicit thought(const account_view& a)
      : account_(a), cash_(std::max<money_e4>(0, a.cash - a.cash_reserved)) {}

  [[nodiscard]] bool full() const noexcept { return out_.size() >= max_intents; }
  [[nodiscard]] std::int64_t held(const std::string& symbol) const {
    return count_of(account_.shares, symbol);
  }
  [[nodiscard]] std::int64_t free_shares(const std::string& symbol) const {
    return std::max<std::int64_t>(
        0, held(symbol) - count_of(account_.reserved, symbol) - count_of(sold_, symbol));
  }

  // Buys up to `qty` shares paying at most `pay` each (the house's ask for a market order, the
  // limit for a limit order); fewer when cash is short. The shares bought, 0 for none.
  std::int64_t buy(const std::string& symbol, std::int64_t qty, price_e4 pay,
                   std::optional<price_e4> limit) {
    if (full() || pay <= 0) return 0;
    qty = std::min(qty, cash_ / pay);
    if (qty < 1) return 0;
    cash_ -= qty * pay;  // qty × pay <= cash_: no overflow
    place(symbol, side::buy, qty, limit);
    return qty;
  }

  // Sells up to `qty` of the shares still free; the shares sold, 0 for none.
  std::int64_t sell(const std::string& symbol, std::int64_t qty, std::optional<price_e4> limit) {
    if (full()) return 0;
    qty = std::min(qty, free_shares(symbol));
    if (qty < 1) return 0;
    sold_[symbol] += qty;
    place(symbol, side::sell, qty, limit);
    return qty;
  }

  // `r` must be one of account_view::open (the callers iterate over them).
  bool cancel(const resting& r) {
    if (full()) return false;
    intent i;
    i.what = intent::kind::cancel;
    i.cancel_id = r.id;
    out_.push_back(std::move(i));
    return true;
  }

  std::vector<intent> intents() && { return std::move(out_); }

 private:
  void place(const std::string& symbol, side s, std::int64_t qty, std::optional<price_e4> limit) {
    intent i;
    i.order.symbol = symbol;
    i.order.qty = std::min(qty, max_order_qty);
    i.order.order_side = s;
    i.order.type = limit ? order_type::limit : order_type::market;
    i.order.tif = time_in_force::day;  // a bot's orders end with the market day, like its runner
    i.order.limit = limit;
    out_.push_back(std::move(i));
  }

  const account_view& account_;
  money_e4 cash_;                             // free cash left
  std::map<std::string, std::int64_t> sold_;  // shares sold in this thought, by symbol
  std::vector<intent> out_;
};

// The views of the bot's own symbols that have a usable price, in the order of p.symbols. A bot
// trades only what it was given, whatever else the runner shows it.
std::vector<const symbol_view*> own_views(const params& p, std::span<const symbol_view> market) {
  std::vector<const symbol_view*> out;
  for (const std::string& symbol : p.symbols) {
    auto it = std::ranges::find(market, symbol, &symbol_view::symbol);
    if (it != market.end() && it->price > 0 && it->half_spread >= 0) out.push_back(&*it);
  }
  return out;
}

// The same views starting at a random one: with more symbols than max_intents allows in one
// thought, none is always the one left for later.
std::vector<const symbol_view*> rotated(std::vector<const symbol_view*> views, rng& random) {
  if (views.size() > 1) {
    auto first = random.between(0, static_cast<std::int64_t>(views.size()) - 1);
    std::ranges::rotate(views, views.begin() + first);
  }
  return views;
}

// ---- market maker ----------------------------------------------------------------------------

struct quote_prices {
  price_e4 bid = 0;
  price_e4 ask = 0;
};

// Inside the house's prices by inside_ppm of the half-spread, so a player who trades with the
// book gets a better price than the house's and the maker earns what is left of the spread. At
// least one ten-thousandth either side of the price, so the bid is always below the ask (with
// no half-spread the house itself trades at the price, and the quotes sit one tick outside).
quote_prices quotes_for(const params& p, const symbol_view& v) {
  const price_e4 inside = scale(v.half_spread, std::clamp<std::int64_t>(p.inside_ppm, 0, ppm), ppm);
  const price_e4 edge = std::max<price_e4>(1, v.half_spread - inside);
  return {std::max<price_e4>(1, v.price - edge), v.price + edge};
}

void make_markets(const params& p, const account_view& a, std::span<const symbol_view> market,
                  rng& random, thought& t) {
  for (const symbol_view* v : rotated(own_views(p, market), random)) {
    const auto want = quotes_for(p, *v);
    // At its inventory limit it only sells: a maker that keeps buying into a falling symbol
    // ends up holding it rather than making a market in it.
    const bool may_bid = t.held(v->symbol) < p.max_inventory;
    // The outer level, when it has one and there is room for it outside the inner quotes.
    // Its distance follows how far the price has lately swung as well (3/8 to all of the
    // swing of the prices the bot saw): a fixed few cents are crossed within seconds in a fast
    // replay, and an outer quote that fills at once is no depth.
    price_e4 swing = 0;
    if (v->recent.size() >= 2) {
      const auto [low, high] = std::ranges::minmax(v->recent);
      swing = high - low;
    }
    const std::int64_t spreads = std::clamp<std::int64_t>(p.depth_spreads, 0, 100);
    const price_e4 depth =
        spreads == 0 ? 0 : std::max(v->half_spread * spreads, swing * spreads / 8);
    // In whole cents, rounded away from the price, as people quote (the inner quotes need the
    // fraction of a cent to beat the house's).
    constexpr price_e4 cent = 100;
    const price_e4 outer_bid = (v->price - depth) / cent * cent;
    const quote_prices outer{std::max<price_e4>(1, outer_bid),
                             (v->price + depth + cent - 1) / cent * cent};
    const bool deep = depth > 0 && outer.bid < want.bid && outer.ask > want.ask;
    // An outer quote stays while it is within half its distance of where it would go now: it is
    // there for depth, and moving it at every tick would spend the bots' order budget.
    const price_e4 slack = depth / 2;
    const auto near = [slack](price_e4 a, price_e4 b) { return a >= b - slack && a <= b + slack; };
    bool have_bid = false;
    bool have_ask = false;
    bool have_outer_bid = false;
    bool have_outer_ask = false;
    for (const resting& r : a.open) {
      if (r.symbol != v->symbol) continue;
      const bool buy = r.order_side == side::buy;
      bool& have = buy ? have_bid : have_ask;
      bool& have_outer = buy ? have_outer_bid : have_outer_ask;
      // One inner quote per side at the price it would quote now stays, and one outer quote
      // near its place; a stale one, an extra one, or a bid beyond the inventory limit goes. A
      // cancel that does not fit in this thought waits for the next; so does the new quote
      // then, as the thought is full.
      if (!have && r.limit == (buy ? want.bid : want.ask) && (!buy || may_bid)) {
        have = true;
        continue;
      }
      if (deep && !have_outer && near(r.limit, buy ? outer.bid : outer.ask) && (!buy || may_bid)) {
        have_outer = true;
        continue;
      }
      t.cancel(r);
    }
    const std::int64_t qty = qty_for(p.order_value, v->price);
    if (!have_ask && may_bid && t.free_shares(v->symbol) == 0) {
      // Nothing left to offer: inventory at the market, so it quotes both sides again from its
      // next thought on. Otherwise it could only bid until someone sold to it, and a player's
      // buy would meet the house alone.
      t.buy(v->symbol, std::min(qty, p.max_inventory - t.held(v->symbol)),
            house_ask(v->price, v->half_spread), std::nullopt);
    }
    const std::int64_t room = p.max_inventory - t.held(v->symbol);
    if (!have_bid && may_bid) t.buy(v->symbol, std::min(qty, room), want.bid, want.bid);
    if (!have_ask) t.sell(v->symbol, qty, want.ask);
    if (deep && !have_outer_bid && may_bid && room > qty)
      t.buy(v->symbol, std::min(qty, room - qty), outer.bid, outer.bid);
    if (deep && !have_outer_ask) t.sell(v->symbol, qty, outer.ask);
  }
}

// ---- momentum and mean reversion -------------------------------------------------------------

enum class signal { none, buy, sell };

// One order's worth at the market: a buy at up to the house's ask, a sell of at most one
// order's worth of the free shares (the signal repeats while it lasts, so a position unwinds
// over a few thoughts rather than in one large order).
void act_on(signal s, const params& p, const symbol_view& v, thought& t) {
  const std::int64_t qty = qty_for(p.order_value, v.price);
  if (s == signal::buy) t.buy(v.symbol, qty, house_ask(v.price, v.half_spread), std::nullopt);
  if (s == signal::sell) t.sell(v.symbol, qty, std::nullopt);
}

signal momentum_signal(const params& p, const symbol_view& v) {
  if (v.recent.size() <= p.lookback) return signal::none;
  const price_e4 then = v.recent[v.recent.size() - 1 - p.lookback];
  if (then <= 0) return signal::none;
  const std::int64_t move = move_ppm(then, v.recent.back());
  if (move > p.threshold_ppm) return signal::buy;
  if (move < -p.threshold_ppm) return signal::sell;
  return signal::none;
}

signal mean_reversion_signal(const params& p, const symbol_view& v) {
  if (p.lookback == 0 || v.recent.size() < p.lookback) return signal::none;
  __int128 sum = 0;
  for (std::size_t i = v.recent.size() - p.lookback; i < v.recent.size(); ++i) sum += v.recent[i];
  const auto mean = static_cast<price_e4>(sum / static_cast<__int128>(p.lookback));
  if (mean <= 0) return signal::none;
  const std::int64_t move = move_ppm(mean, v.recent.back());
  if (move < -p.threshold_ppm) return signal::buy;  // cheap against its recent mean
  if (move > p.threshold_ppm) return signal::sell;  // dear against it
  return signal::none;
}

void follow(signal (*signal_of)(const params&, const symbol_view&), const params& p,
            std::span<const symbol_view> market, rng& random, thought& t) {
  for (const symbol_view* v : rotated(own_views(p, market), random)) {
    if (t.full()) break;
    act_on(signal_of(p, *v), p, *v, t);
  }
}

// ---- noise -----------------------------------------------------------------------------------

// A random side, type, price and size; when the side it drew cannot be done (a sell without
// free shares, a buy without the cash for one share) it does the other, so an active noise
// trader with cash or shares always trades.
void trade_noise(const params& p, std::span<const symbol_view> market, rng& random, thought& t) {
  if (random.between(0, ppm - 1) >= p.act_ppm) return;
  const auto views = own_views(p, market);
  if (views.empty()) return;
  const symbol_view& v = *views[random.between(0, static_cast<std::int64_t>(views.size()) - 1)];
  const bool wants_sell = random.between(0, 1) == 1;
  const bool limit_order = random.between(0, 1) == 1;
  // A limit within the half-spread or up to half of it again outside: some cross at once, some
  // rest in the book a while.
  const price_e4 reach = std::max<price_e4>(1, v.half_spread + v.half_spread / 2);
  const price_e4 limit = std::max<price_e4>(1, v.price + random.between(-reach, reach));
  const std::int64_t qty = random.between(1, qty_for(p.order_value, v.price));
  const std::optional<price_e4> lim = limit_order ? std::optional(limit) : std::nullopt;
  if (wants_sell && t.sell(v.symbol, qty, lim) > 0) return;
  if (t.buy(v.symbol, qty, lim.value_or(house_ask(v.price, v.half_spread)), lim) > 0) return;
  t.sell(v.symbol, qty, lim);  // no cash for even one share: sell instead if it can
}

// ---- index holder ----------------------------------------------------------------------------

// Buys toward equal weights and never sells: the basket drifts with the prices and new cash
// goes to what fell behind.
void hold_index(const params& p, const account_view& a, std::span<const symbol_view> market,
                thought& t) {
  const auto views = own_views(p, market);
  if (views.empty()) return;
  // 128 bits: cash plus many holdings at large prices can pass 64 bits in ten-thousandths.
  __int128 equity = a.cash;
  std::vector<__int128> value;
  for (const symbol_view* v : views) {
    value.push_back(static_cast<__int128>(t.held(v->symbol)) * v->price);
    equity += value.back();
  }
  const __int128 target = equity / static_cast<__int128>(views.size());
  std::vector<bool> unaffordable(views.size(), false);
  while (!t.full()) {
    std::optional<std::size_t> pick;
    __int128 most = 0;
    for (std::size_t i = 0; i < views.size(); ++i) {
      const __int128 under = target - value[i];
      const __int128 one_order =
          static_cast<__int128>(qty_for(p.order_value, views[i]->price)) * views[i]->price;
      if (!unaffordable[i] && under > one_order && under > most) {
        pick = i;
        most = under;
      }
    }
    if (!pick) return;
    const symbol_view& v = *views[*pick];
    const std::int64_t bought = t.buy(v.symbol, qty_for(p.order_value, v.price),
                                      house_ask(v.price, v.half_spread), std::nullopt);
    if (bought == 0) unaffordable[*pick] = true;  // a cheaper one may still fit
    value[*pick] += static_cast<__int128>(bought) * v.price;
  }
}

}  // namespace

std::string_view strategy_name(strategy_kind k) noexcept {
  for (const auto& n : names)
    if (n.kind == k) return n.name;
  return {};
}

std::optional<strategy_kind> parse_strategy(std::string_view name) noexcept {
  for (const auto& n : names)
    if (n.name == name) return n.kind;
  return std::nullopt;
}

std::string_view strategy_title(strategy_kind k) noexcept {
  for (const auto& n : names)
    if (n.kind == k) return n.title;
  return {};
}

std::string_view strategy_description(strategy_kind k) noexcept {
  for (const auto& n : names)
    if (n.kind == k) return n.description;
  return {};
}

std::uint64_t rng::next() noexcept {
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double rng::unit() noexcept {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;  // 53 bits: every value exact
}

std::int64_t rng::between(std::int64_t lo, std::int64_t hi) noexcept {
  // The width in unsigned arithmetic (no overflow for any lo <= hi); the draw scaled into it by
  // a 128-bit multiply, which has no modulo's bias toward small values.
  const std::uint64_t width = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  const std::uint64_t r = next();
  if (width == 0) return static_cast<std::int64_t>(r);  // lo..hi is every int64
  const auto offset = static_cast<std::uint64_t>((static_cast<unsigned __int128>(r) * width) >> 64);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
}

params draw_params(strategy_kind kind, std::vector<std::string> symbols, std::uint64_t seed) {
  rng random(seed);
  params p;
  p.kind = kind;
  p.symbols = std::move(symbols);
  // Whole dollars; the fields a strategy does not use stay 0.
  p.order_value = random.between(500, 5'000) * market::price_scale;
  switch (kind) {
    case strategy_kind::market_maker:
      p.inside_ppm = random.between(200'000, 800'000);
      // Several orders' worth (an order is $500 to $5,000: 5 to 2,500 shares of a $2 to $100
      // stock): a limit of about one order would stop its bids after every fill on that side.
      p.max_inventory = random.between(200, 1'000);
      p.depth_spreads = random.between(3, 8);
      break;
    case strategy_kind::momentum:
    case strategy_kind::mean_reversion:
      p.lookback = static_cast<std::size_t>(random.between(3, 10));
      p.threshold_ppm = random.between(500, 5'000);
      break;
    case strategy_kind::noise:
      p.act_ppm = random.between(100'000, 400'000);
      break;
    case strategy_kind::index_holder:
      break;
  }
  return p;
}

std::vector<intent> think(const params& p, const account_view& account,
                          std::span<const symbol_view> market, rng& random) {
  thought t(account);
  switch (p.kind) {
    case strategy_kind::market_maker:
      make_markets(p, account, market, random, t);
      break;
    case strategy_kind::momentum:
      follow(momentum_signal, p, market, random, t);
      break;
    case strategy_kind::mean_reversion:
      follow(mean_reversion_signal, p, market, random, t);
      break;
    case strategy_kind::noise:
      trade_noise(p, market, random, t);
      break;
    case strategy_kind::index_holder:
      hold_index(p, account, market, t);
      break;
  }
  return std::move(t).intents();
}

}  // namespace marketsim::trading::bots
