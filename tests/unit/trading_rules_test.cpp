// Trading actions' rules (trading/rules.hpp): parsing, fixed thresholds, and evaluation once per
// crossing, worked by hand.
#include "marketsim/trading/rules.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <tuple>

namespace marketsim::trading::rules {
namespace {

using nlohmann::json;

constexpr std::int64_t one_dollar = 10'000;  // $1 in price_e4

spec made(kind k, const json& body, std::int64_t price_now = 100 * one_dollar) {
  auto s = parse_spec(k, "AAPL", body, price_now);
  EXPECT_TRUE(s.has_value()) << body.dump() << ": " << (s ? "" : s.error().message);
  return s.value_or(spec{});
}

// The firings of a rule over a price path (previous = the step before), holding `held` shares
// at an average cost of `cost` dollars.
std::vector<firing> run_path(const spec& s, state& st, const std::vector<double>& dollars,
                             std::int64_t held = 0, double cost = 0, std::int64_t first_day = 100) {
  std::vector<firing> out;
  std::int64_t previous = 0;
  std::int64_t day = first_day;
  for (double d : dollars) {
    const auto price = static_cast<std::int64_t>(d * one_dollar + 0.5);
    tick_view t{previous, price, day++, held, static_cast<std::int64_t>(cost * one_dollar) * held};
    for (auto& f : evaluate(s, st, t)) out.push_back(f);
    previous = price;
  }
  return out;
}

TEST(TradingRules, AnAlertFiresOncePerCrossingAndAgainAfterComingBack) {
  auto s = made(kind::price_alert, {{"condition", "above"}, {"price", "105"}});
  state st;
  // Up through 105 (fires), stays above (no), back below, up again (fires), touching counts.
  auto f = run_path(s, st, {100, 104, 106, 107, 103, 105, 105});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].act, firing::action::alert);
  EXPECT_EQ(f[0].price, 106 * one_dollar);
  EXPECT_EQ(f[1].price, 105 * one_dollar);
  EXPECT_EQ(st.firings, 2);
}

TEST(TradingRules, TheFirstPriceSeenCrossesNothing) {
  auto s = made(kind::price_alert, {{"condition", "below"}, {"price", "90"}});
  state st;
  EXPECT_TRUE(run_path(s, st, {80, 79}).empty());  // already below from the start: no crossing
  EXPECT_EQ(run_path(s, st, {95, 90}).size(), 1u);
}

TEST(TradingRules, AMoveAlertWatchesBothWaysFromItsReference) {
  auto s = made(kind::price_alert, {{"condition", "move"}, {"percent", "10"}}, 200 * one_dollar);
  EXPECT_EQ(s.reference, 200 * one_dollar);
  const auto th = fixed_thresholds(s);
  ASSERT_EQ(th.size(), 2u);
  EXPECT_EQ(th[0].at, 220 * one_dollar);
  EXPECT_TRUE(th[0].up);
  EXPECT_EQ(th[1].at, 180 * one_dollar);
  EXPECT_FALSE(th[1].up);
  state st;
  EXPECT_EQ(run_path(s, st, {200, 221, 200, 179.99}).size(), 2u);
}

TEST(TradingRules, AStopLossSellsTheWholePositionOrItsQtyAndSaysWhyWithout) {
  auto whole = made(kind::stop_loss, {{"price", "95"}});
  state st;
  auto f = run_path(whole, st, {100, 96, 94, 93}, 30, 100);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].act, firing::action::sell);
  EXPECT_EQ(f[0].qty, 30);
  auto some = made(kind::stop_loss, {{"price", "95"}, {"qty", "50"}});
  state st2;
  EXPECT_EQ(run_path(some, st2, {100, 94}, 30, 100).at(0).qty, 30);  // at most what is held
  state st3;
  auto none = run_path(whole, st3, {100, 94}, 0);
  ASSERT_EQ(none.size(), 1u);  // still a firing, in the log, with no order
  EXPECT_EQ(none[0].qty, 0);
  EXPECT_EQ(none[0].reason, "no shares held");
}

TEST(TradingRules, PercentFromCostFollowsTheAverageCost) {
  // 10% below a cost of $50: 45. 5% above a cost of $50: 52.50.
  auto stop = made(kind::stop_loss, {{"percent", "10"}});
  EXPECT_TRUE(fixed_thresholds(stop).empty());
  EXPECT_TRUE(needs_every_step(stop));
  state st;
  EXPECT_TRUE(run_path(stop, st, {50, 45.01}, 10, 50).empty());
  EXPECT_EQ(run_path(stop, st, {45.01, 45}, 10, 50).size(), 1u);
  auto take = made(kind::take_profit, {{"percent", "5"}});
  state st2;
  EXPECT_TRUE(run_path(take, st2, {50, 52.49}, 10, 50).empty());
  EXPECT_EQ(run_path(take, st2, {52.49, 52.5}, 10, 50).size(), 1u);
}

TEST(TradingRules, ATrailingExitSellsOnAFallFromTheHighAndStartsAgain) {
  auto s = made(kind::trailing_exit, {{"trail_percent", "10"}});
  state st;
  // High 120 → fires at or below 108; then the mark starts again from 108 (fires at 97.20).
  auto f = run_path(s, st, {100, 120, 110, 108.01, 108, 107, 97.21, 97.2}, 5, 100);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].price, 108 * one_dollar);
  EXPECT_EQ(f[1].price, 972'000);
  EXPECT_EQ(f[1].qty, 5);
}

TEST(TradingRules, ARecurringBuyBuysWholeSharesEveryNMarketDays) {
  auto s = made(kind::recurring_buy, {{"every_days", 3}, {"amount", "250"}});
  state st;
  // Days 100..106 at $60: buys on 100, 103 and 106, 4 shares each ($240 of $250).
  auto f = run_path(s, st, {60, 60, 60, 60, 60, 60, 60});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].act, firing::action::buy);
  EXPECT_EQ(f[0].qty, 4);
  EXPECT_EQ(st.last_day, 106);
  state st2;
  auto dear = run_path(s, st2, {300});
  EXPECT_EQ(dear.at(0).qty, 0);
  EXPECT_FALSE(dear.at(0).reason.empty());
}

TEST(TradingRules, BadDefinitionsAreRefusedNamingTheField) {
  const std::vector<std::pair<kind, json>> bad{
      {kind::price_alert, {{"condition", "sideways"}}},
      {kind::price_alert, {{"condition", "above"}}},
      {kind::price_alert, {{"condition", "above"}, {"price", "-1"}}},
      {kind::price_alert, {{"condition", "move"}, {"percent", "0"}}},
      {kind::price_alert, {{"condition", "above"}, {"price", "1"}, {"email", "yes"}}},
      {kind::stop_loss, json::object()},
      {kind::stop_loss, {{"price", "90"}, {"percent", "5"}}},
      {kind::stop_loss, {{"price", "110"}}},  // above the price now: crossed already
      {kind::stop_loss, {{"percent", "100"}}},
      {kind::take_profit, {{"price", "90"}}},
      {kind::trailing_exit, {{"trail_percent", "abc"}}},
      {kind::trailing_exit, {{"trail_percent", "5"}, {"qty", "1.5"}}},
      {kind::recurring_buy, {{"every_days", 0}, {"amount", "100"}}},
      {kind::recurring_buy, {{"every_days", 3}}},
      {kind::recurring_buy, {{"every_days", "3"}, {"amount", "100"}}},
  };
  for (const auto& [k, body] : bad) {
    auto s = parse_spec(k, "AAPL", body, 100 * one_dollar);
    ASSERT_FALSE(s.has_value()) << kind_name(k) << " " << body.dump();
    EXPECT_EQ(s.error().code, errc::bad_request);
  }
}

TEST(TradingRules, AStoredRuleReadsBackTheSame) {
  auto s = made(kind::price_alert, {{"condition", "move"}, {"percent", "2.5"}, {"email", true}},
                123 * one_dollar);
  auto back = spec_from_stored(kind::price_alert, "AAPL", spec_json(s));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->reference, 123 * one_dollar);
  EXPECT_EQ(back->percent_ppm, 25'000);
  EXPECT_TRUE(back->email);
  state st{3, 1'234'500, 42};
  auto again = state_from_stored(state_json(st));
  EXPECT_EQ(again.firings, 3);
  EXPECT_EQ(again.high_water, 1'234'500);
  EXPECT_EQ(again.last_day, 42);
}

TEST(TradingRules, TheIndexFiresExactlyWhatEvaluatingEveryRuleOnEveryStepFires) {
  // 200 rules of every kind on two symbols, a seeded random walk of 2,000 steps: the live
  // engine's way (only the index's candidates are evaluated) and the backtest's (every rule,
  // every step) give the same firings, in the same order.
  std::mt19937_64 random(7);
  std::vector<std::pair<std::int64_t, spec>> specs;
  const std::vector<std::string> symbols{"AAPL", "MSFT"};
  for (std::int64_t id = 1; id <= 200; ++id) {
    const auto& symbol = symbols[random() % 2];
    const double level = 80 + static_cast<double>(random() % 4000) / 100;  // 80..120
    const auto price_text = fmt::format("{:.2f}", level);
    json body;
    kind k = random() % 6 == 5 ? kind::condition : static_cast<kind>(random() % 5);
    switch (k) {
      case kind::price_alert:
        body = random() % 3 == 0
                   ? json{{"condition", "move"}, {"percent", "3"}}
                   : json{{"condition", random() % 2 ? "above" : "below"}, {"price", price_text}};
        break;
      case kind::stop_loss:
        body = random() % 2 ? json{{"percent", "4"}} : json{{"price", price_text}};
        break;
      case kind::take_profit:
        body = random() % 2 ? json{{"percent", "4"}} : json{{"price", price_text}};
        break;
      case kind::trailing_exit:
        body = {{"trail_percent", "2.5"}};
        break;
      case kind::recurring_buy:
        body = {{"every_days", 2}, {"amount", "300"}};
        break;
      case kind::condition: {
        const std::array<json, 3> when{
            json{{"when", random() % 2 ? "price_above" : "price_below"}, {"price", price_text}},
            json{{"when", random() % 2 ? "change_up" : "change_down"}, {"percent", "1.5"}},
            json{{"when", random() % 2 ? "ma_cross_above" : "ma_cross_below"}, {"ma_days", 3}}};
        body = when[random() % 3];
        body["side"] = random() % 2 ? "buy" : "sell";
        body["qty"] = "2";
        body["cooldown_minutes"] = random() % 2 ? 0 : 90;
        break;
      }
      case kind::rebalance:  // several symbols and a book: its own test below
        break;
    }
    // The sanity checks against the price now are the API's; the index must hold without them.
    auto s = parse_spec(k, symbol, body, 0);
    if (!s && k == kind::price_alert) s = parse_spec(k, symbol, body, 100 * one_dollar);
    ASSERT_TRUE(s.has_value()) << body.dump();
    specs.emplace_back(id, *s);
  }
  rule_index index;
  for (const auto& [id, s] : specs) index.add(id, s);
  std::map<std::int64_t, state> live, backtest;
  std::map<std::string, std::int64_t> previous;
  std::map<std::string, std::int64_t> price{{"AAPL", 100 * one_dollar}, {"MSFT", 100 * one_dollar}};
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> fired_live, fired_backtest;
  for (int step = 0; step < 2000; ++step) {
    const auto& symbol = symbols[random() % 2];
    const auto before = previous.contains(symbol) ? price[symbol] : 0;
    const std::int64_t move = static_cast<std::int64_t>(random() % 20'001) - 10'000;  // ±$1
    price[symbol] = std::max<std::int64_t>(one_dollar, price[symbol] + move);
    previous[symbol] = price[symbol];
    const tick_view t{before,          price[symbol], step / 50, 10, 10 * 100 * one_dollar,
                      step * 60'000LL, symbol};
    for (auto id : index.candidates(symbol, before, t.price)) {
      const auto& s = specs[id - 1].second;
      for (const auto& f : evaluate(s, live[id], t))
        fired_live.emplace_back(id, live[id].firings, f.price);
    }
    for (const auto& [id, s] : specs) {
      if (s.symbol != symbol) continue;
      for (const auto& f : evaluate(s, backtest[id], t))
        fired_backtest.emplace_back(id, backtest[id].firings, f.price);
    }
  }
  EXPECT_GT(fired_backtest.size(), 100u);  // the walk crosses plenty of thresholds
  auto key = [](auto v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(key(fired_live), key(fired_backtest));
  for (const auto& [id, s] : specs) EXPECT_EQ(live[id].firings, backtest[id].firings) << id;
}

// A step of the walk below: a symbol's price at a market time.
struct step_at {
  const char* symbol;
  double dollars;
  std::int64_t day;
  std::int64_t minute = 0;
};
std::vector<market::tick> ticks_of(const std::vector<step_at>& steps) {
  std::vector<market::tick> out;
  for (const auto& st : steps)
    out.push_back({st.symbol, static_cast<std::int64_t>(st.dollars * one_dollar + 0.5), 100,
                   st.day * 86'400'000 + 14 * 3'600'000 + st.minute * 60'000});
  return out;
}

TEST(TradingRules, AConditionOnAPriceFiresOncePerCrossingAndWaitsOutItsCooldown) {
  auto s = made(kind::condition, {{"when", "price_above"},
                                  {"price", "105"},
                                  {"side", "buy"},
                                  {"qty", "3"},
                                  {"order_type", "limit"},
                                  {"cooldown_minutes", 60}});
  EXPECT_FALSE(needs_every_step(s));
  ASSERT_EQ(fixed_thresholds(s).size(), 1u);
  // Up through 105 at minute 1 (fires), back below, up again at minute 30 (in the cooldown: let
  // pass), below, and up at minute 90 (fires).
  auto r = backtest(s,
                    ticks_of({{"AAPL", 100, 10, 0},
                              {"AAPL", 106, 10, 1},
                              {"AAPL", 104, 10, 20},
                              {"AAPL", 107, 10, 30},
                              {"AAPL", 104, 10, 80},
                              {"AAPL", 105.5, 10, 90}}),
                    {});
  ASSERT_EQ(r.firings.size(), 2u);
  EXPECT_EQ(r.firings[0].what.act, firing::action::buy);
  EXPECT_EQ(r.firings[0].what.qty, 3);
  EXPECT_EQ(r.firings[0].what.limit, 106 * one_dollar);  // a limit at the firing's price
  EXPECT_EQ(r.firings[1].what.price, 1'055'000);
  EXPECT_EQ(r.end_qty, 6);
  // Bought 3 at 106 and 3 at 105.50, worth 6 × 105.50 at the end: -1.50.
  EXPECT_EQ(r.pnl, -15'000);
}

TEST(TradingRules, AConditionOnTheDaysChangeMeasuresFromTheLastMarketDaysLastPrice) {
  auto s = made(kind::condition,
                {{"when", "change_down"}, {"percent", "3"}, {"side", "sell"}, {"amount", "500"}});
  EXPECT_TRUE(needs_every_step(s));
  // Day 10 ends at 100: day 11 falls to 97 (-3%: fires, $500 sells 5 shares), recovers, falls
  // to 96.5 (again); day 12 measures from 98 (day 11's last): 95.06 = -3%.
  backtest_start start;
  start.held["AAPL"] = {8, 800 * one_dollar};
  auto r = backtest(s,
                    ticks_of({{"AAPL", 101, 10},
                              {"AAPL", 100, 10, 5},
                              {"AAPL", 99, 11},
                              {"AAPL", 97, 11, 1},
                              {"AAPL", 98, 11, 2},
                              {"AAPL", 96.5, 11, 3},
                              {"AAPL", 98, 11, 4},
                              {"AAPL", 95.07, 12},
                              {"AAPL", 95.06, 12, 1}}),
                    start);
  ASSERT_EQ(r.firings.size(), 3u);
  EXPECT_EQ(r.firings[0].what.qty, 5);
  EXPECT_EQ(r.firings[0].what.price, 97 * one_dollar);
  EXPECT_EQ(r.firings[1].what.qty, 3);  // at most what is left
  EXPECT_EQ(r.firings[2].what.qty, 0);
  EXPECT_EQ(r.firings[2].what.reason, "no shares held");
  EXPECT_EQ(r.firings[2].what.price, 950'600);
}

TEST(TradingRules, AMovingAverageCrossWaitsForItsDaysThenFiresOnTheCross) {
  auto s = made(kind::condition,
                {{"when", "ma_cross_above"}, {"ma_days", 3}, {"side", "buy"}, {"qty", "1"}});
  // Closes 10, 11, 12 (days 1-3): from day 4 the average is 11. Day 2 and 3 cross nothing (no
  // average yet); day 4 opens at 10.5 (below), rises to 11 (fires), dips, rises again (fires).
  auto r = backtest(s,
                    ticks_of({{"AAPL", 10, 1},
                              {"AAPL", 11, 2},
                              {"AAPL", 12, 3},
                              {"AAPL", 10.5, 4},
                              {"AAPL", 11, 4, 1},
                              {"AAPL", 10.9, 4, 2},
                              {"AAPL", 11.2, 4, 3}}),
                    {});
  ASSERT_EQ(r.firings.size(), 2u);
  EXPECT_EQ(r.firings[0].what.price, 11 * one_dollar);
  EXPECT_EQ(r.firings[1].what.price, 112'000);
}

TEST(TradingRules, ARebalanceBuysToItsTargetsThenSellsBackOnDriftOncePerCrossing) {
  auto s = made(kind::rebalance,
                {{"targets", {{"AAPL", "50"}, {"MSFT", "30"}}}, {"drift_percent", "5"}});
  EXPECT_EQ(symbols_of(s), (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_TRUE(needs_every_step(s));
  backtest_start start;
  start.cash = 10'000 * one_dollar;
  // Both priced: all cash is 100 points off (fires): 50 AAPL at 100 and 60 MSFT at 50, $2,000
  // left. AAPL at 150: 60% of $12,500 (10 points off: fires): sells 8 AAPL, buys 15 MSFT. Back
  // within 5 points and out again at 160 would fire again; 151 does not.
  auto r = backtest(s,
                    ticks_of({{"AAPL", 100, 1},
                              {"MSFT", 50, 1, 1},
                              {"MSFT", 50, 1, 2},
                              {"AAPL", 150, 1, 3},
                              {"AAPL", 151, 1, 4}}),
                    start);
  ASSERT_EQ(r.firings.size(), 4u);
  const auto leg = [&](std::size_t i) {
    const auto& f = r.firings[i].what;
    return std::tuple{std::string(action_name(f.act)), f.symbol, f.qty, f.price};
  };
  EXPECT_EQ(leg(0), std::tuple(std::string("buy"), std::string("AAPL"), 50, 100 * one_dollar));
  EXPECT_EQ(leg(1), std::tuple(std::string("buy"), std::string("MSFT"), 60, 50 * one_dollar));
  EXPECT_EQ(leg(2), std::tuple(std::string("sell"), std::string("AAPL"), 8, 150 * one_dollar));
  EXPECT_EQ(leg(3), std::tuple(std::string("buy"), std::string("MSFT"), 15, 50 * one_dollar));
  EXPECT_EQ(r.firings[2].time_ms, r.firings[3].time_ms);  // one firing, two orders
  EXPECT_EQ(r.end_qty, 42);
}

TEST(TradingRules, AScheduledRebalanceWithinAShareOfItsTargetsSaysSo) {
  auto s = made(kind::rebalance, {{"targets", {{"AAPL", "100"}}}, {"every_days", 2}});
  backtest_start start;
  start.cash = 50 * one_dollar;
  start.held["AAPL"] = {10, 1000 * one_dollar};
  // $50 of cash buys no whole $100 share: day 1 and day 3 are due, day 2 is not.
  auto r = backtest(s, ticks_of({{"AAPL", 100, 1}, {"AAPL", 100, 2}, {"AAPL", 100, 3}}), start);
  ASSERT_EQ(r.firings.size(), 2u);
  EXPECT_EQ(r.firings[0].what.act, firing::action::none);
  EXPECT_FALSE(r.firings[0].what.reason.empty());
  // A half-spread sizes the buys at the ask: $1,000 of cash at 99.99 + 0.02 buys 9, not 10.
  book b{1000 * one_dollar, {}, {{"AAPL", 999'900}}, 200};
  state st;
  auto legs = evaluate(s, st, tick_view{0, 999'900, 5, 0, 0, 1, "AAPL", &b});
  ASSERT_EQ(legs.size(), 1u);
  EXPECT_EQ(legs[0].qty, 9);
}

TEST(TradingRules, BadNewKindsAreRefusedNamingTheField) {
  const std::vector<std::tuple<kind, json, std::string>> bad{
      {kind::rebalance,
       {{"targets", {{"AAPL", "60"}, {"MSFT", "41"}}}, {"every_days", 1}},
       "targets"},
      {kind::rebalance, {{"targets", {{"AAPL", "60"}}}}, "every_days"},
      {kind::rebalance, {{"targets", json::object()}, {"every_days", 1}}, "targets"},
      {kind::rebalance, {{"targets", {{"AAPL", "0"}}}, {"every_days", 1}}, "targets.AAPL"},
      {kind::rebalance, {{"targets", {{"AAPL", "10"}}}, {"drift_percent", "101"}}, "drift_percent"},
      {kind::condition, {{"when", "sideways"}, {"side", "buy"}, {"qty", "1"}}, "when"},
      {kind::condition, {{"when", "price_above"}, {"side", "buy"}, {"qty", "1"}}, "price"},
      {kind::condition,
       {{"when", "ma_cross_above"}, {"ma_days", 1}, {"side", "buy"}, {"qty", "1"}},
       "ma_days"},
      {kind::condition,
       {{"when", "change_up"}, {"percent", "2"}, {"side", "buy"}, {"qty", "1"}, {"amount", "5"}},
       "qty"},
      {kind::condition,
       {{"when", "change_up"}, {"percent", "2"}, {"side", "hold"}, {"qty", "1"}},
       "side"},
      {kind::condition,
       {{"when", "price_below"},
        {"price", "5"},
        {"side", "buy"},
        {"qty", "1"},
        {"limit_price", "5"}},
       "limit_price"},
      {kind::condition,
       {{"when", "price_below"},
        {"price", "5"},
        {"side", "buy"},
        {"qty", "1"},
        {"cooldown_minutes", -1}},
       "cooldown_minutes"},
  };
  for (const auto& [k, body, field] : bad) {
    auto s = parse_spec(k, "AAPL", body, 100 * one_dollar);
    ASSERT_FALSE(s.has_value()) << body.dump();
    EXPECT_EQ(s.error().code, errc::bad_request);
    EXPECT_TRUE(s.error().message.starts_with(field + " ")) << s.error().message;
  }
}

TEST(TradingRules, NewKindsAndTheirStateReadBackTheSame) {
  auto r =
      made(kind::rebalance, {{"targets", {{"AAPL", "40"}, {"MSFT", "30.5"}}}, {"every_days", 5}});
  auto rb = spec_from_stored(kind::rebalance, "AAPL", spec_json(r));
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->targets, r.targets);
  EXPECT_EQ(rb->every_days, 5);
  EXPECT_FALSE(rb->drift_ppm);
  auto c = made(kind::condition, {{"when", "ma_cross_below"},
                                  {"ma_days", 20},
                                  {"side", "sell"},
                                  {"amount", "250"},
                                  {"order_type", "limit"},
                                  {"limit_price", "99.5"},
                                  {"cooldown_minutes", 15}});
  auto cb = spec_from_stored(kind::condition, "AAPL", spec_json(c));
  ASSERT_TRUE(cb.has_value());
  EXPECT_EQ(spec_json(*cb), spec_json(c));
  EXPECT_EQ(cb->limit_price, 995'000);
  state st;
  st.since_ms = 5;
  st.over = true;
  st.last_fired_ms = 7;
  st.day = 3;
  st.day_last = 11;
  st.closes = {1, 2, 3};
  EXPECT_EQ(state_from_stored(state_json(st)), st);
}

}  // namespace
}  // namespace marketsim::trading::rules
