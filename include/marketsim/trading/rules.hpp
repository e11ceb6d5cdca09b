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

enum class kind { price_alert, stop_loss, take_profit, trailing_exit, recurring_buy };
[[nodiscard]] std::string_view kind_name(kind k) noexcept;
[[nodiscard]] std::optional<kind> parse_kind(std::string_view text) noexcept;

enum class condition { above, below, move };

// A rule's definition, as stored in rules.params.
struct spec {
  kind what = kind::price_alert;
  std::string symbol;
  condition when = condition::above;        // price_alert
  std::optional<price_e4> price;            // an absolute threshold
  std::optional<std::int64_t> percent_ppm;  // a percentage (5% = 50,000), when not `price`
  price_e4 reference = 0;                   // price_alert `move`: the price it moves from
  std::optional<std::int64_t> qty;          // sells: shares (none: the whole position)
  int every_days = 0;                       // recurring_buy
  money_e4 amount = 0;                      // recurring_buy: dollars per buy
  bool email = false;                       // price_alert: mail the player too
};

// What the evaluation carries between ticks, as stored in rules.state.
struct state {
  std::int64_t firings = 0;              // the last firing's number (its seq)
  std::optional<price_e4> high_water;    // trailing_exit
  std::optional<std::int64_t> last_day;  // recurring_buy: market day of the last buy
};

// One price step of the rule's symbol, and what the owner holds of it.
struct tick_view {
  price_e4 previous = 0;  // the symbol's price before this step; 0: none (nothing crosses)
  price_e4 price = 0;
  std::int64_t market_day = 0;  // days since 1970-01-01 of the step's market time
  std::int64_t held_qty = 0;
  money_e4 held_cost = 0;  // the position's total cost (average cost × qty)
};

struct firing {
  enum class action { alert, buy, sell };
  action act = action::alert;
  std::int64_t qty = 0;  // buy/sell: shares; 0: no order possible (the reason says why)
  price_e4 price = 0;    // the tick's price that fired it
  std::string reason;    // why no order (qty 0), else empty
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

// What this step does to the rule: a firing, or none. Updates `st` (the high-water mark, the
// last day, the firing count).
[[nodiscard]] std::optional<firing> evaluate(const spec& s, state& st, const tick_view& t);

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

// A rule run over stored ticks of its symbol (in time order) by evaluate() on every one, as the
// live engine would, starting with `held_qty` shares of total cost `held_cost`. Each order fills
// at the price of the tick that fired it (a market order, without the spread). The P&L is what
// the trades made: the cash they moved plus the shares they added or removed valued at the
// last price.
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
[[nodiscard]] backtest_result backtest(const spec& s, const std::vector<market::tick>& ticks,
                                       std::int64_t held_qty, money_e4 held_cost);

// The price a percentage away from `base`: base × (1 + ppm / 10^6), rounded to the nearest
// ten-thousandth (ppm may be negative).
[[nodiscard]] price_e4 moved_by(price_e4 base, std::int64_t ppm) noexcept;

}  // namespace marketsim::trading::rules
