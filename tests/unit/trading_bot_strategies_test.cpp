// The simulated traders' strategies as pure functions: the seeded generator and parameters, the
// limits every strategy keeps over hundreds of random accounts and markets (intents per
// thought, valid orders, cash at the house's ask, free shares, own orders only), and what each
// strategy does in the cases that define it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "marketsim/trading/bot_strategies.hpp"
#include "test_support.hpp"

using namespace marketsim::trading;

using marketsim::test_support::usd;
namespace bots = marketsim::trading::bots;

namespace {

bots::symbol_view bot_view(std::string symbol, price_e4 price, price_e4 half_spread,
                           std::vector<price_e4> recent = {}) {
  return {std::move(symbol), price, half_spread, std::move(recent)};
}

bots::params bot_params(bots::strategy_kind kind, std::vector<std::string> symbols) {
  bots::params p;
  p.kind = kind;
  p.symbols = std::move(symbols);
  p.order_value = 1'000 * usd;
  return p;
}

std::vector<const order_request*> bot_placed(const std::vector<bots::intent>& out, side s) {
  std::vector<const order_request*> orders;
  for (const auto& i : out)
    if (i.what == bots::intent::kind::place && i.order.order_side == s) orders.push_back(&i.order);
  return orders;
}

// Pointers into `out`: not from a temporary.
std::vector<const order_request*> bot_placed(std::vector<bots::intent>&& out, side s) = delete;

std::vector<std::string> bot_canceled(const std::vector<bots::intent>& out) {
  std::vector<std::string> ids;
  for (const auto& i : out)
    if (i.what == bots::intent::kind::cancel) ids.push_back(i.cancel_id);
  return ids;
}

// One line per intent, to compare two thoughts.
std::vector<std::string> bot_describe(const std::vector<bots::intent>& out) {
  std::vector<std::string> lines;
  for (const auto& i : out)
    lines.push_back(i.what == bots::intent::kind::cancel ? "cancel " + i.cancel_id
                                                         : "place " + fingerprint(i.order));
  return lines;
}

bool bot_same_params(const bots::params& a, const bots::params& b) {
  return a.kind == b.kind && a.symbols == b.symbols && a.order_value == b.order_value &&
         a.inside_ppm == b.inside_ppm && a.max_inventory == b.max_inventory &&
         a.depth_spreads == b.depth_spreads && a.lookback == b.lookback && a.threshold_ppm == b.threshold_ppm && a.act_ppm == b.act_ppm;
}

struct bot_world {
  bots::account_view account;
  std::vector<bots::symbol_view> market;
};

const std::vector<std::string> bot_symbols{"AAA", "BBB", "CCC", "DDD", "EEE"};

// A random account and market for `symbols`: some symbols without a price, some without
// history, prices from fractions of a cent to hundreds of dollars trending up, down or flat,
// cash sometimes all reserved (or more), shares partly reserved, open orders on either side
// (some on a symbol the bot does not trade), and a price for a symbol that is not its own.
bot_world bot_random_world(bots::rng& g, const std::vector<std::string>& symbols) {
  bot_world w;
  w.account.cash = g.between(0, 1) == 0 ? g.between(0, 500) * usd : g.between(0, 50'000) * usd;
  if (g.between(0, 2) == 0) w.account.cash_reserved = g.between(0, w.account.cash + 1'000 * usd);
  int next_id = 0;
  auto add_open = [&](const std::string& symbol, price_e4 near) {
    bots::resting r;
    r.id = "o" + std::to_string(++next_id);
    r.symbol = symbol;
    r.order_side = g.between(0, 1) == 0 ? side::buy : side::sell;
    r.limit = std::max<price_e4>(1, near + g.between(-near / 50, near / 50));
    r.remaining = g.between(1, 50);
    w.account.open.push_back(r);
  };
  auto all = symbols;
  all.push_back("ZZZ");  // not the bot's
  for (const auto& symbol : all) {
    const price_e4 price = g.between(0, 5) == 0 ? g.between(1, 200) : g.between(1, 500) * usd;
    if (g.between(0, 4) > 0) {
      const auto trend = g.between(-1, 1) * std::max<price_e4>(1, price / 100);
      std::vector<price_e4> recent(static_cast<std::size_t>(g.between(0, 14)));
      for (std::size_t i = 0; i < recent.size(); ++i) {
        const auto back = static_cast<std::int64_t>(recent.size() - 1 - i);
        const auto jitter = g.between(-price / 500, price / 500);
        recent[i] = std::max<price_e4>(1, price - trend * back + jitter);
      }
      const price_e4 last = recent.empty() ? price : recent.back();
      w.market.push_back(bot_view(symbol, last, g.between(0, std::max<price_e4>(1, last / 50)),
                                  std::move(recent)));
    }
    if (g.between(0, 3) > 0) {
      const auto held = g.between(0, 300);
      w.account.shares[symbol] = held;
      if (g.between(0, 1) == 0) w.account.reserved[symbol] = g.between(0, held);
    }
    for (auto n = g.between(0, 2); n > 0; --n) add_open(symbol, price);
  }
  return w;
}

// Parameters from the seed, sometimes pushed to the edges of what a bot could be given.
bots::params bot_random_params(bots::strategy_kind kind, std::uint64_t seed, bots::rng& g) {
  auto p = bots::draw_params(kind, bot_symbols, seed);
  switch (g.between(0, 5)) {
    case 0:
      p.order_value = 1;  // less than any share: still one share
      break;
    case 1:
      p.inside_ppm = g.between(0, 1) * 1'000'000;  // at the house's prices, or at the price
      p.max_inventory = g.between(0, 3);
      p.lookback = static_cast<std::size_t>(g.between(0, 1));
      p.threshold_ppm = 0;
      break;
    case 2:
      p.act_ppm = 1'000'000;
      p.order_value = 1'000'000 * usd;
      break;
    default:
      break;
  }
  return p;
}

// The limits of the header's contract for one thought.
void bot_check_limits(const bots::params& p, const bot_world& w,
                      const std::vector<bots::intent>& out) {
  EXPECT_LE(out.size(), bots::max_intents);
  const money_e4 free_cash = std::max<money_e4>(0, w.account.cash - w.account.cash_reserved);
  __int128 spent = 0;
  std::map<std::string, std::int64_t> sold;
  std::set<std::string> canceled;
  for (const auto& i : out) {
    if (i.what == bots::intent::kind::cancel) {
      EXPECT_TRUE(std::ranges::any_of(w.account.open, [&](const auto& r) {
        return r.id == i.cancel_id;
      })) << i.cancel_id;
      EXPECT_TRUE(canceled.insert(i.cancel_id).second) << "canceled twice: " << i.cancel_id;
      continue;
    }
    const order_request& o = i.order;
    EXPECT_TRUE(validate(o).has_value()) << fingerprint(o);
    EXPECT_EQ(o.tif, time_in_force::day);
    EXPECT_TRUE(o.type == order_type::market || o.type == order_type::limit);
    EXPECT_EQ(o.limit.has_value(), o.type == order_type::limit);
    if (o.limit) {
      EXPECT_GT(*o.limit, 0);
    }
    EXPECT_GE(o.qty, 1);
    EXPECT_LE(o.qty, max_order_qty);
    EXPECT_TRUE(o.client_order_id.empty());
    EXPECT_NE(std::ranges::find(p.symbols, o.symbol), p.symbols.end()) << o.symbol;
    auto v = std::ranges::find(w.market, o.symbol, &bots::symbol_view::symbol);
    if (v == w.market.end()) {
      ADD_FAILURE() << "an order for a symbol without a price: " << o.symbol;
      continue;
    }
    if (o.order_side == side::buy)
      spent += static_cast<__int128>(o.qty) * o.limit.value_or(house_ask(v->price, v->half_spread));
    else
      sold[o.symbol] += o.qty;
  }
  EXPECT_TRUE(spent <= free_cash) << static_cast<double>(spent) << " > " << free_cash;
  for (const auto& [symbol, qty] : sold) {
    const auto held = w.account.shares.contains(symbol) ? w.account.shares.at(symbol) : 0;
    const auto reserved = w.account.reserved.contains(symbol) ? w.account.reserved.at(symbol) : 0;
    EXPECT_LE(qty, held - reserved) << symbol;
  }
}

// A market maker's book after the thought: no bid of its own at or above an ask of its own.
void bot_check_not_crossed(const bot_world& w, const std::vector<bots::intent>& out) {
  const auto gone = bot_canceled(out);
  std::map<std::string, price_e4> best_bid;
  std::map<std::string, price_e4> best_ask;
  auto add = [&](const std::string& symbol, side s, price_e4 limit) {
    if (s == side::buy) {
      best_bid[symbol] = std::max(best_bid.contains(symbol) ? best_bid[symbol] : 0, limit);
    } else {
      best_ask[symbol] = std::min(
          best_ask.contains(symbol) ? best_ask[symbol] : std::numeric_limits<price_e4>::max(),
          limit);
    }
  };
  // Only the symbols it quoted in this thought: an old crossed pair elsewhere is not its doing.
  std::set<std::string> quoted;
  for (const auto& i : out)
    if (i.what == bots::intent::kind::place && i.order.limit) {  // a market order never rests
      quoted.insert(i.order.symbol);
      add(i.order.symbol, i.order.order_side, *i.order.limit);
    }
  for (const auto& r : w.account.open)
    if (quoted.contains(r.symbol) && std::ranges::find(gone, r.id) == gone.end())
      add(r.symbol, r.order_side, r.limit);
  for (const auto& [symbol, bid] : best_bid) {
    if (best_ask.contains(symbol)) {
      EXPECT_LT(bid, best_ask[symbol]) << symbol;
    }
  }
}

}  // namespace

// ---- the generator and the parameters ---------------------------------------------------------

TEST(TradingBotStrategies, GeneratorIsSplitmix64) {
  bots::rng g(0);
  EXPECT_EQ(g.next(), 0xe220a8397b1dcdafULL);  // splitmix64's published sequence for seed 0
  EXPECT_EQ(g.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(g.next(), 0x06c45d188009454fULL);
}

TEST(TradingBotStrategies, GeneratorRanges) {
  bots::rng g(42);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2'000; ++i) {
    const auto x = g.between(-3, 3);
    EXPECT_GE(x, -3);
    EXPECT_LE(x, 3);
    seen.insert(x);
    const double u = g.unit();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
  EXPECT_EQ(seen.size(), 7u);  // both ends included
  EXPECT_EQ(g.between(5, 5), 5);
  // The widest ranges do not overflow (the sanitizer build would stop here).
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < 100; ++i) {
    (void)g.between(lo, hi);
    EXPECT_GE(g.between(hi - 1, hi), hi - 1);
    EXPECT_LE(g.between(lo, lo + 1), lo + 1);
  }
}

TEST(TradingBotStrategies, ParamsComeFromTheSeedWithinRanges) {
  for (auto kind : bots::all_strategies) {
    SCOPED_TRACE(std::string(bots::strategy_name(kind)));
    const auto a = bots::draw_params(kind, {"AAA", "BBB"}, 7);
    EXPECT_TRUE(bot_same_params(a, bots::draw_params(kind, {"AAA", "BBB"}, 7)));
    EXPECT_FALSE(bot_same_params(a, bots::draw_params(kind, {"AAA", "BBB"}, 8)));
    EXPECT_EQ(a.kind, kind);
    EXPECT_EQ(a.symbols, (std::vector<std::string>{"AAA", "BBB"}));
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
      const auto p = bots::draw_params(kind, {"AAA"}, seed);
      EXPECT_GE(p.order_value, 500 * usd);
      EXPECT_LE(p.order_value, 5'000 * usd);
      if (kind == bots::strategy_kind::market_maker) {
        EXPECT_GE(p.inside_ppm, 200'000);
        EXPECT_LE(p.inside_ppm, 800'000);
        EXPECT_GE(p.max_inventory, 200);
        EXPECT_LE(p.max_inventory, 1'000);
        EXPECT_GE(p.depth_spreads, 3);
        EXPECT_LE(p.depth_spreads, 8);
      }
      if (kind == bots::strategy_kind::momentum || kind == bots::strategy_kind::mean_reversion) {
        EXPECT_GE(p.lookback, 3u);
        EXPECT_LE(p.lookback, 10u);
        EXPECT_GE(p.threshold_ppm, 500);
        EXPECT_LE(p.threshold_ppm, 5'000);
      }
      if (kind == bots::strategy_kind::noise) {
        EXPECT_GE(p.act_ppm, 100'000);
        EXPECT_LE(p.act_ppm, 400'000);
      }
    }
  }
}

TEST(TradingBotStrategies, NamesRoundTrip) {
  std::set<std::string_view> titles, descriptions;
  for (auto kind : bots::all_strategies) {
    EXPECT_EQ(bots::parse_strategy(bots::strategy_name(kind)), kind);
    EXPECT_FALSE(bots::strategy_title(kind).empty());
    titles.insert(bots::strategy_title(kind));
    // A public profile's one line: a sentence of its own for each strategy.
    descriptions.insert(bots::strategy_description(kind));
    EXPECT_EQ(bots::strategy_description(kind).back(), '.');
  }
  EXPECT_EQ(titles.size(), bots::all_strategies.size());
  EXPECT_EQ(descriptions.size(), bots::all_strategies.size());
  EXPECT_EQ(bots::strategy_name(bots::strategy_kind::mean_reversion), "mean_reversion");
  EXPECT_EQ(bots::strategy_title(bots::strategy_kind::noise), "Noise trader");
  EXPECT_FALSE(bots::parse_strategy("arbitrage").has_value());
  EXPECT_FALSE(bots::parse_strategy("Momentum").has_value());
  EXPECT_FALSE(bots::parse_strategy("").has_value());
}

// ---- every strategy --------------------------------------------------------------------------

TEST(TradingBotStrategies, SameSeedSameIntents) {
  bots::rng worlds(2024);
  int acted = 0;
  for (int round = 0; round < 50; ++round) {
    const auto w = bot_random_world(worlds, bot_symbols);
    for (auto kind : bots::all_strategies) {
      const auto p = bots::draw_params(kind, bot_symbols, static_cast<std::uint64_t>(round));
      bots::rng a(static_cast<std::uint64_t>(round) * 31 + 1);
      bots::rng b(static_cast<std::uint64_t>(round) * 31 + 1);
      const auto first = bots::think(p, w.account, w.market, a);
      EXPECT_EQ(bot_describe(first), bot_describe(bots::think(p, w.account, w.market, b)));
      EXPECT_EQ(a.next(), b.next());  // and the generators are left in the same state
      acted += first.empty() ? 0 : 1;
    }
  }
  EXPECT_GT(acted, 50);  // the comparison was not between empty thoughts only
}

TEST(TradingBotStrategies, EveryStrategyKeepsItsLimits) {
  bots::rng worlds(11);
  std::map<bots::strategy_kind, int> thoughts_with_orders;
  for (int round = 0; round < 400; ++round) {
    for (auto kind : bots::all_strategies) {
      SCOPED_TRACE(::testing::Message() << bots::strategy_name(kind) << " round " << round);
      const auto p = bot_random_params(kind, static_cast<std::uint64_t>(round), worlds);
      const auto w = bot_random_world(worlds, bot_symbols);
      bots::rng random(static_cast<std::uint64_t>(round));
      const auto out = bots::think(p, w.account, w.market, random);
      bot_check_limits(p, w, out);
      if (kind == bots::strategy_kind::market_maker) bot_check_not_crossed(w, out);
      if (kind == bots::strategy_kind::index_holder) {
        EXPECT_TRUE(bot_placed(out, side::sell).empty());  // it never sells
        EXPECT_TRUE(bot_canceled(out).empty());
      }
      if (!bot_placed(out, side::buy).empty() || !bot_placed(out, side::sell).empty())
        ++thoughts_with_orders[kind];
    }
  }
  // Each strategy was exercised, not just silent.
  for (auto kind : bots::all_strategies)
    EXPECT_GT(thoughts_with_orders[kind], 20) << bots::strategy_name(kind);
}

TEST(TradingBotStrategies, NothingWithoutPricesOrForOtherSymbols) {
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares["AAA"] = 100;
  std::vector<bots::symbol_view> others{
      bot_view("ZZZ", 100 * usd, 100, {90 * usd, 95 * usd, 100 * usd, 105 * usd, 110 * usd})};
  for (auto kind : bots::all_strategies) {
    auto p = bots::draw_params(kind, {"AAA"}, 3);
    p.act_ppm = 1'000'000;
    bots::rng g(1);
    EXPECT_TRUE(bots::think(p, a, {}, g).empty()) << bots::strategy_name(kind);
    EXPECT_TRUE(bots::think(p, a, others, g).empty()) << bots::strategy_name(kind);
  }
}

// ---- market maker ----------------------------------------------------------------------------

namespace {
bots::params bot_maker() {
  auto p = bot_params(bots::strategy_kind::market_maker, {"AAA"});
  p.inside_ppm = 500'000;
  p.max_inventory = 100;
  return p;
}
}  // namespace

TEST(TradingBotStrategies, MarketMakerQuotesBothSidesInsideTheHouse) {
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares["AAA"] = 50;
  const std::vector market{bot_view("AAA", 100 * usd, 100)};  // house 99.9900 / 100.0100
  bots::rng g(1);
  const auto out = bots::think(bot_maker(), a, market, g);
  const auto bids = bot_placed(out, side::buy);
  const auto asks = bot_placed(out, side::sell);
  ASSERT_EQ(bids.size(), 1u);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(bids[0]->type, order_type::limit);
  EXPECT_EQ(*bids[0]->limit, 999'950);  // halfway from the house's bid to the price
  EXPECT_EQ(*asks[0]->limit, 1'000'050);
  EXPECT_GE(*bids[0]->limit, house_bid(100 * usd, 100));
  EXPECT_LE(*asks[0]->limit, house_ask(100 * usd, 100));
  EXPECT_LT(*bids[0]->limit, *asks[0]->limit);
  EXPECT_EQ(bids[0]->qty, 10);  // $1,000 at about $100
  EXPECT_EQ(asks[0]->qty, 10);
}

TEST(TradingBotStrategies, MarketMakerBidStaysBelowItsAskWithoutRoom) {
  auto p = bot_maker();
  p.inside_ppm = 1'000'000;  // all the way to the price
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares["AAA"] = 50;
  for (price_e4 half_spread : {0, 1, 100}) {
    const std::vector market{bot_view("AAA", 100 * usd, half_spread)};
    bots::rng g(1);
    const auto out = bots::think(p, a, market, g);
    const auto bids = bot_placed(out, side::buy);
    const auto asks = bot_placed(out, side::sell);
    ASSERT_EQ(bids.size(), 1u);
    ASSERT_EQ(asks.size(), 1u);
    EXPECT_LT(*bids[0]->limit, *asks[0]->limit) << half_spread;
    EXPECT_LT(*bids[0]->limit, 100 * usd);
    EXPECT_GT(*asks[0]->limit, 100 * usd);
  }
}

TEST(TradingBotStrategies, MarketMakerKeepsCurrentQuotesAndReplacesStaleOnes) {
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares["AAA"] = 50;
  a.reserved["AAA"] = 10;
  a.open = {{"bid1", "AAA", side::buy, 999'950, 10}, {"ask1", "AAA", side::sell, 1'000'050, 10}};
  bots::rng g(1);
  std::vector market{bot_view("AAA", 100 * usd, 100)};
  EXPECT_TRUE(bots::think(bot_maker(), a, market, g).empty());  // both quotes current

  market[0].price = 101 * usd;  // both stale now
  const auto out = bots::think(bot_maker(), a, market, g);
  EXPECT_EQ(bot_canceled(out), (std::vector<std::string>{"bid1", "ask1"}));
  const auto bids = bot_placed(out, side::buy);
  const auto asks = bot_placed(out, side::sell);
  ASSERT_EQ(bids.size(), 1u);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(*bids[0]->limit, 1'009'950);
  EXPECT_EQ(*asks[0]->limit, 1'010'050);
}

TEST(TradingBotStrategies, MarketMakerRequotesNextThoughtWhenTheCashIsInTheStaleBid) {
  bots::account_view a;
  a.cash = 1'000 * usd;
  a.cash_reserved = 1'000 * usd;  // all of it in the old bid
  a.shares["AAA"] = 5;            // some inventory: it quotes (without, it buys some first)
  a.open = {{"bid1", "AAA", side::buy, 990'000, 10}};
  const std::vector market{bot_view("AAA", 100 * usd, 100)};
  bots::rng g(1);
  const auto out = bots::think(bot_maker(), a, market, g);
  EXPECT_EQ(bot_canceled(out), (std::vector<std::string>{"bid1"}));
  EXPECT_TRUE(bot_placed(out, side::buy).empty());
  a.cash_reserved = 0;  // the cancel went through
  a.open.clear();
  const auto next = bots::think(bot_maker(), a, market, g);
  const auto bids = bot_placed(next, side::buy);
  ASSERT_EQ(bids.size(), 1u);
  EXPECT_EQ(*bids[0]->limit, 999'950);
  EXPECT_EQ(bids[0]->qty, 10);
}

TEST(TradingBotStrategies, MarketMakerBuysItsFirstInventoryAtTheMarket) {
  bots::account_view a;
  a.cash = 100'000 * usd;
  const std::vector market{bot_view("AAA", 100 * usd, 100)};
  bots::rng g(1);
  const auto out = bots::think(bot_maker(), a, market, g);
  const auto buys = bot_placed(out, side::buy);
  ASSERT_EQ(buys.size(), 2u);  // inventory at the market, and its bid
  EXPECT_EQ(buys[0]->type, order_type::market);
  EXPECT_FALSE(buys[0]->limit);
  EXPECT_GE(buys[0]->qty, 1);
  EXPECT_EQ(buys[1]->type, order_type::limit);
  EXPECT_TRUE(bot_placed(out, side::sell).empty());  // nothing to sell yet
  // With shares it quotes both sides at limits instead.
  a.shares["AAA"] = buys[0]->qty;
  a.open = {{"bid1", "AAA", side::buy, *buys[1]->limit, buys[1]->qty}};
  const auto next = bots::think(bot_maker(), a, market, g);
  EXPECT_TRUE(bot_placed(next, side::buy).empty());  // its bid stands
  ASSERT_EQ(bot_placed(next, side::sell).size(), 1u);
  EXPECT_TRUE(bot_placed(next, side::sell)[0]->limit);
}

TEST(TradingBotStrategies, MarketMakerQuotesDepthOutsideItsInnerQuotes) {
  auto p = bot_maker();
  p.depth_spreads = 5;  // outer quotes 5 half-spreads out: 99.9500 / 100.0500
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares["AAA"] = 50;
  const std::vector market{bot_view("AAA", 100 * usd, 100)};
  bots::rng g(1);
  const auto out = bots::think(p, a, market, g);
  auto bids = bot_placed(out, side::buy);
  auto asks = bot_placed(out, side::sell);
  ASSERT_EQ(bids.size(), 2u);
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_EQ(*bids[0]->limit, 999'950);  // the inner ones first
  EXPECT_EQ(*asks[0]->limit, 1'000'050);
  EXPECT_EQ(*bids[1]->limit, 999'500);
  EXPECT_EQ(*asks[1]->limit, 1'000'500);
  // Resting, the outer ones stay while the price moves less than half their distance; the inner
  // ones follow it.
  a.open = {{"in_b", "AAA", side::buy, 999'950, 10},
            {"in_a", "AAA", side::sell, 1'000'050, 10},
            {"out_b", "AAA", side::buy, 999'500, 10},
            {"out_a", "AAA", side::sell, 1'000'500, 10}};
  a.reserved["AAA"] = 20;
  EXPECT_TRUE(bots::think(p, a, market, g).empty());
  const std::vector moved{bot_view("AAA", 100 * usd + 200, 100)};  // up 0.0200
  const auto next = bots::think(p, a, moved, g);
  // Two go (the old inner bid, now near the outer bid's place, stays as that one), and the
  // inner quotes follow the price.
  EXPECT_EQ(bot_canceled(next).size(), 2u);
  const auto new_bids = bot_placed(next, side::buy);
  const auto new_asks = bot_placed(next, side::sell);
  ASSERT_EQ(new_bids.size(), 1u);
  ASSERT_EQ(new_asks.size(), 1u);
  EXPECT_EQ(*new_bids[0]->limit, 1'000'150);
  EXPECT_EQ(*new_asks[0]->limit, 1'000'250);
  // Far enough, the outer ones go too.
  const std::vector far{bot_view("AAA", 100 * usd + 400, 100)};  // up 0.0400 > 0.0250
  const auto gone = bot_canceled(bots::think(p, a, far, g));
  EXPECT_NE(std::find(gone.begin(), gone.end(), "out_b"), gone.end());
}

TEST(TradingBotStrategies, MarketMakerInventoryLimits) {
  const std::vector market{bot_view("AAA", 100 * usd, 100)};
  bots::account_view full;
  full.cash = 100'000 * usd;
  full.shares["AAA"] = 100;  // max_inventory
  full.open = {{"bid1", "AAA", side::buy, 999'950, 10}};
  bots::rng g(1);
  auto out = bots::think(bot_maker(), full, market, g);
  EXPECT_TRUE(bot_placed(out, side::buy).empty());
  EXPECT_EQ(bot_canceled(out), (std::vector<std::string>{"bid1"}));  // even a current bid
  EXPECT_EQ(bot_placed(out, side::sell).size(), 1u);

  bots::account_view none;
  none.cash = 100'000 * usd;
  out = bots::think(bot_maker(), none, market, g);
  EXPECT_TRUE(bot_placed(out, side::sell).empty());
  EXPECT_EQ(bot_placed(out, side::buy).size(), 2u);  // inventory at the market, and its bid

  bots::account_view near;  // 95 held: the bid only fills it up to the limit
  near.cash = 100'000 * usd;
  near.shares["AAA"] = 95;
  out = bots::think(bot_maker(), near, market, g);
  const auto bids = bot_placed(out, side::buy);
  ASSERT_EQ(bids.size(), 1u);
  EXPECT_EQ(bids[0]->qty, 5);
}

TEST(TradingBotStrategies, MarketMakerIntentsStayWithinOneThought) {
  auto p = bot_maker();
  p.symbols = {"AAA", "BBB", "CCC"};
  bots::account_view a;
  a.cash = 100'000 * usd;
  std::vector<bots::symbol_view> market;
  for (const auto& s : p.symbols) {
    a.shares[s] = 50;
    a.reserved[s] = 10;
    a.open.push_back({s + "-bid", s, side::buy, 90 * usd, 10});
    a.open.push_back({s + "-ask", s, side::sell, 110 * usd, 10});
    market.push_back(bot_view(s, 100 * usd, 100));
  }
  std::set<std::string> requoted;
  bots::rng g(5);
  for (int i = 0; i < 20; ++i) {
    const auto out = bots::think(p, a, market, g);
    EXPECT_EQ(out.size(), bots::max_intents);
    for (const auto& id : bot_canceled(out)) requoted.insert(id);
  }
  EXPECT_EQ(requoted.size(), 6u);  // the starting symbol varies: none is always left out
}

// ---- momentum --------------------------------------------------------------------------------

namespace {
bots::params bot_momentum() {
  auto p = bot_params(bots::strategy_kind::momentum, {"AAA"});
  p.lookback = 3;
  p.threshold_ppm = 1'000;  // 0.1%
  return p;
}
bots::account_view bot_rich(std::int64_t shares = 0) {
  bots::account_view a;
  a.cash = 100'000 * usd;
  if (shares > 0) a.shares["AAA"] = shares;
  return a;
}
std::vector<bots::intent> bot_think_on(const bots::params& p, const bots::account_view& a,
                                       std::vector<price_e4> recent) {
  const std::vector market{
      bot_view("AAA", recent.empty() ? 100 * usd : recent.back(), 100, std::move(recent))};
  bots::rng g(1);
  return bots::think(p, a, market, g);
}
}  // namespace

TEST(TradingBotStrategies, MomentumBuysARise) {
  const auto out =
      bot_think_on(bot_momentum(), bot_rich(), {100 * usd, 101 * usd, 102 * usd, 103 * usd});
  ASSERT_EQ(out.size(), 1u);
  const auto buys = bot_placed(out, side::buy);
  ASSERT_EQ(buys.size(), 1u);
  EXPECT_EQ(buys[0]->type, order_type::market);
  EXPECT_EQ(buys[0]->qty, 9);  // $1,000 at $103
  EXPECT_EQ(buys[0]->symbol, "AAA");
}

TEST(TradingBotStrategies, MomentumSellsAFallWhenItHoldsShares) {
  const std::vector falling{103 * usd, 102 * usd, 101 * usd, 100 * usd};
  const auto out = bot_think_on(bot_momentum(), bot_rich(50), falling);
  ASSERT_EQ(out.size(), 1u);
  const auto sells = bot_placed(out, side::sell);
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(sells[0]->type, order_type::market);
  EXPECT_EQ(sells[0]->qty, 10);
  const auto few = bot_think_on(bot_momentum(), bot_rich(3), falling);
  const auto part = bot_placed(few, side::sell);
  ASSERT_EQ(part.size(), 1u);
  EXPECT_EQ(part[0]->qty, 3);                                              // all it has
  EXPECT_TRUE(bot_think_on(bot_momentum(), bot_rich(), falling).empty());  // nothing to sell
}

TEST(TradingBotStrategies, MomentumIgnoresFlatSmallAndShortSeries) {
  EXPECT_TRUE(
      bot_think_on(bot_momentum(), bot_rich(50), {100 * usd, 100 * usd, 100 * usd, 100 * usd})
          .empty());
  // Up 0.05%, under the 0.1% threshold.
  EXPECT_TRUE(
      bot_think_on(bot_momentum(), bot_rich(50), {1'000'000, 1'000'000, 1'000'000, 1'000'500})
          .empty());
  // Three prices: not enough for a lookback of 3.
  EXPECT_TRUE(
      bot_think_on(bot_momentum(), bot_rich(50), {100 * usd, 102 * usd, 104 * usd}).empty());
  EXPECT_TRUE(bot_think_on(bot_momentum(), bot_rich(50), {}).empty());
}

// ---- mean reversion --------------------------------------------------------------------------

namespace {
bots::params bot_reverter() {
  auto p = bot_params(bots::strategy_kind::mean_reversion, {"AAA"});
  p.lookback = 5;
  p.threshold_ppm = 10'000;  // 1%
  return p;
}
}  // namespace

TEST(TradingBotStrategies, MeanReversionBuysBelowTheMeanAndSellsAbove) {
  const std::vector<price_e4> low{100 * usd, 100 * usd, 100 * usd, 100 * usd, 90 * usd};
  const auto cheap = bot_think_on(bot_reverter(), bot_rich(), low);
  const auto buys = bot_placed(cheap, side::buy);
  ASSERT_EQ(buys.size(), 1u);
  EXPECT_EQ(buys[0]->type, order_type::market);
  EXPECT_EQ(buys[0]->qty, 11);  // $1,000 at $90

  const std::vector<price_e4> high{100 * usd, 100 * usd, 100 * usd, 100 * usd, 110 * usd};
  const auto out = bot_think_on(bot_reverter(), bot_rich(50), high);
  const auto sells = bot_placed(out, side::sell);
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(sells[0]->qty, 9);
  EXPECT_TRUE(bot_think_on(bot_reverter(), bot_rich(), high).empty());  // nothing to sell
}

TEST(TradingBotStrategies, MeanReversionIgnoresSmallMovesAndShortSeries) {
  // 100.5 against a mean of 100.1: 0.4%, under the 1% threshold.
  EXPECT_TRUE(bot_think_on(bot_reverter(), bot_rich(50),
                           {100 * usd, 100 * usd, 100 * usd, 100 * usd, 1'005'000})
                  .empty());
  EXPECT_TRUE(
      bot_think_on(bot_reverter(), bot_rich(50), {100 * usd, 100 * usd, 100 * usd, 90 * usd})
          .empty());
  // Only the last five count: the old high price does not pull the mean up.
  EXPECT_TRUE(bot_think_on(bot_reverter(), bot_rich(50),
                           {500 * usd, 100 * usd, 100 * usd, 100 * usd, 100 * usd, 100 * usd})
                  .empty());
}

// ---- index holder ----------------------------------------------------------------------------

namespace {
std::vector<bots::symbol_view> bot_basket() {
  return {bot_view("AAA", 100 * usd, 100), bot_view("BBB", 50 * usd, 100),
          bot_view("CCC", 200 * usd, 100)};
}
}  // namespace

TEST(TradingBotStrategies, IndexHolderBuysWithCash) {
  const auto p = bot_params(bots::strategy_kind::index_holder, {"AAA", "BBB", "CCC"});
  bots::account_view a;
  a.cash = 30'000 * usd;
  bots::rng g(1);
  const auto market = bot_basket();
  const auto out = bots::think(p, a, market, g);
  EXPECT_EQ(out.size(), bots::max_intents);
  EXPECT_EQ(bot_placed(out, side::buy).size(), out.size());
  std::set<std::string> bought;
  for (const auto* o : bot_placed(out, side::buy)) {
    EXPECT_EQ(o->type, order_type::market);
    bought.insert(o->symbol);
  }
  EXPECT_EQ(bought.size(), 3u);  // spread over the basket, not all in one
}

TEST(TradingBotStrategies, IndexHolderBuysTheMostUnderweightAndNeverSells) {
  const auto p = bot_params(bots::strategy_kind::index_holder, {"AAA", "BBB", "CCC"});
  bots::account_view a;
  a.cash = 10'000 * usd;
  a.shares = {{"AAA", 100}, {"BBB", 200}};  // $10,000 each, none of CCC: the target is $10,000
  bots::rng g(1);
  const auto market = bot_basket();
  const auto out = bots::think(p, a, market, g);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].order.symbol, "CCC");
  EXPECT_EQ(out[0].order.order_side, side::buy);
  EXPECT_EQ(out[0].order.qty, 5);  // $1,000 at $200
  for (const auto& i : out) EXPECT_EQ(i.order.symbol, "CCC");

  // Far over weight in AAA with no cash left: it still does not sell.
  a.cash = 0;
  a.shares = {{"AAA", 1'000}};
  EXPECT_TRUE(bots::think(p, a, market, g).empty());
  // Balanced, with less than one order's worth to add: nothing.
  a.cash = 500 * usd;
  a.shares = {{"AAA", 100}, {"BBB", 200}, {"CCC", 50}};
  EXPECT_TRUE(bots::think(p, a, market, g).empty());
}

// ---- noise -----------------------------------------------------------------------------------

TEST(TradingBotStrategies, NoiseActsAtItsRate) {
  auto p = bot_params(bots::strategy_kind::noise, {"AAA", "BBB"});
  const std::vector market{bot_view("AAA", 100 * usd, 100), bot_view("BBB", 50 * usd, 200)};
  bots::account_view a;
  a.cash = 100'000 * usd;
  a.shares = {{"AAA", 100}, {"BBB", 100}};
  bots::rng g(9);
  p.act_ppm = 1'000'000;
  std::set<std::pair<side, order_type>> kinds;
  std::set<std::string> symbols;
  for (int i = 0; i < 200; ++i) {
    const auto out = bots::think(p, a, market, g);
    ASSERT_EQ(out.size(), 1u);
    const auto& o = out[0].order;
    kinds.insert({o.order_side, o.type});
    symbols.insert(o.symbol);
    if (o.limit) {
      // Near the price: within one and a half half-spreads.
      const auto& v = o.symbol == "AAA" ? market[0] : market[1];
      EXPECT_LE(std::abs(*o.limit - v.price), v.half_spread * 3 / 2);
    }
    EXPECT_LE(o.qty, o.symbol == "AAA" ? 10 : 20);  // at most one order's worth
  }
  EXPECT_EQ(kinds.size(), 4u);  // both sides, both types
  EXPECT_EQ(symbols.size(), 2u);

  p.act_ppm = 0;
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(bots::think(p, a, market, g).empty());
}

TEST(TradingBotStrategies, NoiseTradesTheSideItCan) {
  auto p = bot_params(bots::strategy_kind::noise, {"AAA"});
  p.act_ppm = 1'000'000;
  const std::vector market{bot_view("AAA", 100 * usd, 100)};
  bots::account_view cash_only;
  cash_only.cash = 100'000 * usd;
  bots::account_view shares_only;
  shares_only.shares["AAA"] = 100;
  bots::rng g(3);
  for (int i = 0; i < 50; ++i) {
    auto out = bots::think(p, cash_only, market, g);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].order.order_side, side::buy);
    out = bots::think(p, shares_only, market, g);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].order.order_side, side::sell);
    EXPECT_TRUE(bots::think(p, bots::account_view{}, market, g).empty());  // nothing to trade
  }
}
