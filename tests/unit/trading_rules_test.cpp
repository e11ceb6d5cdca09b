// Trading actions' rules (trading/rules.hpp): parsing, fixed thresholds, and evaluation once per
// crossing, worked by hand.
#include "marketsim/trading/rules.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

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
    if (auto f = evaluate(s, st, t)) out.push_back(*f);
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
    kind k = static_cast<kind>(random() % 5);
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
    const tick_view t{before, price[symbol], step / 50, 10, 10 * 100 * one_dollar};
    for (auto id : index.candidates(symbol, before, t.price)) {
      const auto& s = specs[id - 1].second;
      if (auto f = evaluate(s, live[id], t))
        fired_live.emplace_back(id, live[id].firings, f->price);
    }
    for (const auto& [id, s] : specs) {
      if (s.symbol != symbol) continue;
      if (auto f = evaluate(s, backtest[id], t))
        fired_backtest.emplace_back(id, backtest[id].firings, f->price);
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

}  // namespace
}  // namespace marketsim::trading::rules
