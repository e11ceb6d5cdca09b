// Trading actions (issue 12): the rules a player defines and what one price step does to one
// rule, as pure functions. The live engine (rules/rule_engine.hpp, on the cluster's leader) and
// the backtest (POST /api/rules/backtest) both call evaluate(), so a rule fires on the same ticks
// in both. A rule fires once per crossing: a threshold fires when the price goes from one side of
// it to the other between two ticks of the symbol, never again while it stays there.
//
// Kinds:
//   price_alert    `above` / `below` a price, or a `move` of a percentage either way from the
//                  price when the rule was made: a notification, no order.
//   stop_loss      sells when the price falls to a price, or to a percentage below the
//                  position's average cost.
//   take_profit    sells when the price rises to a price, or to a percentage above the cost.
//   trailing_exit  sells when the price falls a percentage from its highest since the rule was
//                  made (or last fired).
//   recurring_buy  every N market days (on the first tick of the day), buys whole shares for
//                  up to an amount of dollars.
//   rebalance      brings a sleeve (the cash and the target symbols held) to target weights:
//                  every N market days, or when a weight drifts beyond a threshold (once per
//                  crossing), or both. One firing is several orders, sells first, each a firing
//                  of its own in the log; `none` when less than a whole share is off target.
//   condition      when the price crosses a level, the day's change (from the last market day's
//                  last price) crosses a percentage, or the price crosses its N-day moving
//                  average (of market days' last prices), buys or sells a qty or a dollar
//                  amount, at market or a limit, at most once per cooldown.
// Sells are for `qty` shares, or the whole position without one, and at most what is held.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"
#include "marketsim/trading/matcher.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::trading::rules {

enum class kind {
  price_alert,
  stop_loss,
  take_profit,
  trailing_exit,
  recurring_buy,
  rebalance,
  condition
};
[[nodiscard]] std::string_view kind_name(kind k) noexcept;
[[nodiscard]] std::optional<kind> parse_kind(std::string_view text) noexcept;

enum class condition { above, below, move };

// What a `condition` rule watches.
enum class trigger {
  price_above,
  price_below,
  change_up,
  change_down,
  ma_cross_above,
  ma_cross_below
};
[[nodiscard]] std::string_view trigger_name(trigger t) noexcept;

// A rebalance's target: a symbol and its weight of the sleeve.
struct target {
  std::string symbol;
  std::int64_t weight_ppm = 0;  // 40% = 400,000
  bool operator==(const target&) const = default;
};

// A rule's definition, as stored in rules.params.
struct spec {
  kind what = kind::price_alert;
  std::string symbol;
  condition when = condition::above;        // price_alert
  std::optional<price_e4> price;            // an absolute threshold
  std::optional<std::int64_t> percent_ppm;  // a percentage (5% = 50,000), when not `price`
  price_e4 reference = 0;                   // price_alert `move`: the price it moves from
  std::optional<std::int64_t> qty;          // sells: shares (none: the whole position)
  int every_days = 0;                       // recurring_buy, rebalance (0: no schedule)
  money_e4 amount = 0;                      // recurring_buy, condition: dollars per order
  bool email = false;                       // price_alert: mail the player too
  std::vector<target> targets;              // rebalance, by symbol
  std::optional<std::int64_t> drift_ppm;    // rebalance: percentage points (5 = 50,000)
  trigger on = trigger::price_above;        // condition (`price` or `percent_ppm` its level)
  int ma_days = 0;                          // condition: the moving average's market days
  bool buy = true;                          // condition: buys, else sells
  bool limit = false;                       // condition: a limit order, else market
  std::optional<price_e4> limit_price;      // condition: the limit (none: the firing's price)
  std::int64_t cooldown_minutes = 0;        // condition: market time between firings
};

// Every symbol the rule watches: its own, or a rebalance's targets.
[[nodiscard]] std::vector<std::string> symbols_of(const spec& s);

// What the evaluation carries between ticks, as stored in rules.state.
struct state {
  std::int64_t firings = 0;              // the last firing's number (its seq)
  std::optional<price_e4> high_water;    // trailing_exit
  std::optional<std::int64_t> last_day;  // recurring_buy, rebalance: market day of the last one
  std::optional<std::int64_t> since_ms;  // market time of the first tick it was evaluated on
  bool over = false;                     // rebalance: the drift was beyond its threshold
  std::optional<std::int64_t> last_fired_ms;  // condition: the cooldown's start
  // condition (change, moving average): the market day of the last tick, its price, and the
  // last prices of the market days before it (newest last, as many as the average needs).
  std::optional<std::int64_t> day;
  price_e4 day_last = 0;
  std::vector<price_e4> closes;
  bool operator==(const state&) const = default;
};

// What a rebalance sees: the owner's cash, what they hold, and the last price of each symbol.
struct book {
  money_e4 cash = 0;
  std::map<std::string, std::int64_t, std::less<>> held;
  std::map<std::string, price_e4, std::less<>> prices;
  price_e4 half_spread = 0;  // buys are sized at the price plus this
};

// One price step of the rule's symbol, and what the owner holds of it.
struct tick_view {
  price_e4 previous = 0;  // the symbol's price before this step; 0: none (nothing crosses)
  price_e4 price = 0;
  std::int64_t market_day = 0;  // days since 1970-01-01 of the step's market time
  std::int64_t held_qty = 0;
  money_e4 held_cost = 0;           // the position's total cost (average cost × qty)
  std::int64_t time_ms = 0;         // the step's market time
  std::string_view symbol;          // the step's symbol (a rebalance watches several)
  const book* portfolio = nullptr;  // rebalance: the owner's book (none: it cannot act)
};

struct firing {
  enum class action { alert, buy, sell, none };
  action act = action::alert;
  std::int64_t qty = 0;           // buy/sell: shares; 0: no order possible (the reason says why)
  price_e4 price = 0;             // the price that fired it (a rebalance's leg: its symbol's)
  std::string reason;             // why no order (qty 0), else empty
  std::string symbol;             // the order's symbol
  std::optional<price_e4> limit;  // a limit order's price (none: market)
};
[[nodiscard]] std::string_view action_name(firing::action a) noexcept;

// The spec from an API body's fields (`symbol` already checked and upper-cased by the caller;
// `price_now`: its price now, the `move` alert's reference and the sanity checks' anchor: a
// stop-loss below it, a take-profit above it). 400 bad_request naming the field otherwise.
[[nodiscard]] result<spec> parse_spec(kind k, const std::string& symbol, const nlohmann::json& body,
                                      price_e4 price_now);
[[nodiscard]] nlohmann::json spec_json(const spec& s);  // for the API and rules.params
[[nodiscard]] result<spec> spec_from_stored(kind k, const std::string& symbol,
                                            const nlohmann::json& params);
[[nodiscard]] nlohmann::json state_json(const state& s);
[[nodiscard]] state state_from_stored(const nlohmann::json& stored);

// Thresholds that do not move (an absolute price, or a percentage of the fixed reference): the
// engine indexes them, and only a step that crosses one evaluates its rule. `up`: fires when the
// price rises to it (previous < t <= price); else when it falls to it (previous > t >= price).
struct threshold {
  price_e4 at = 0;
  bool up = true;
};
[[nodiscard]] std::vector<threshold> fixed_thresholds(const spec& s);
// Whether the rule must see every step of its symbol (a trailing mark, a percentage of a cost
// that moves) or every new market day (recurring buys) rather than only fixed crossings.
[[nodiscard]] bool needs_every_step(const spec& s) noexcept;

// What this step does to the rule: its firings (none, one, or a rebalance's orders). Updates
// `st` (the high-water mark, the last day, the daily prices, the firing count: one per firing).
[[nodiscard]] std::vector<firing> evaluate(const spec& s, state& st, const tick_view& t);

// The in-app notification of an alert's firing ("AAPL rose above 105.00: 106.00 now").
[[nodiscard]] std::string notice_of(const spec& s, const firing& f);

// The live engine's index: which rules a step of a symbol from `previous` to `price` may fire.
// Fixed thresholds sit in ordered maps, so a step visits only the thresholds it crosses; the
// rules that must see every step are listed per symbol. Whatever it leaves out, evaluate()
// would not fire on that step (the backtest evaluates every rule on every step, and the unit
// tests compare the two).
class rule_index {
 public:
  void add(std::int64_t id, const spec& s);
  void clear();
  // Ids in ascending order, each once.
  [[nodiscard]] std::vector<std::int64_t> candidates(const std::string& symbol, price_e4 previous,
                                                     price_e4 price) const;

 private:
  struct per_symbol {
    std::multimap<price_e4, std::int64_t> up;    // fire when the price rises to them
    std::multimap<price_e4, std::int64_t> down;  // fire when it falls to them
    std::vector<std::int64_t> every_step;
  };
  std::map<std::string, per_symbol, std::less<>> symbols_;
};

// A rule run over stored ticks of its symbols (in time order) by evaluate() on every one, as
// the live engine would, from a starting book (cash, and shares with their total cost) and the
// last price of each symbol before the window (a crossing at the window's first tick counts, as
// it would live). Each order fills at the price that fired it (without the spread; a limit
// order as if it filled at once). The P&L is what the trades made: the cash they moved plus
// the shares they added or removed valued at the last prices. The quantities and prices
// reported are the rule's symbol's (a rebalance's: its first target's).
struct backtest_result {
  struct trade {
    std::int64_t time_ms = 0;
    firing what;
  };
  std::vector<trade> firings;
  std::int64_t end_qty = 0;
  money_e4 cash = 0;  // sold minus bought
  money_e4 pnl = 0;
  price_e4 first_price = 0;
  price_e4 last_price = 0;
};
struct position {
  std::int64_t qty = 0;
  money_e4 cost = 0;  // total
};
struct backtest_start {
  money_e4 cash = 0;
  std::map<std::string, position, std::less<>> held;
  std::map<std::string, price_e4, std::less<>> before;  // the last price before the window
};
[[nodiscard]] backtest_result backtest(const spec& s, const std::vector<market::tick>& ticks,
                                       const backtest_start& start);

// The price a percentage away from `base`: base × (1 + ppm / 10^6), rounded to the nearest
// ten-thousandth (ppm may be negative).
[[nodiscard]] price_e4 moved_by(price_e4 base, std::int64_t ppm) noexcept;

}  // namespace marketsim::trading::rules
