// The engine's rules for one order as pure functions: what an order may do with what its
// account holds, and the plan of writes that follows (fills with their counterparties, the
// status it ends in, what it holds back while it rests). db/ reads the inputs under its locks,
// calls these, and applies the plan in the same transaction; unit tests call them directly.
// Pure; db::pool threads in the server.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "marketsim/trading/matcher.hpp"
#include "marketsim/trading/money.hpp"
#include "marketsim/trading/order_status.hpp"
#include "marketsim/trading/triggers.hpp"

namespace marketsim::trading {

// What the account behind an order holds when its locks are taken.
struct funds {
  money_e4 cash = 0;
  money_e4 reserved = 0;             // cash held back by open buys
  std::int64_t shares = 0;           // of the order's symbol
  std::int64_t shares_reserved = 0;  // held back by open sells
};

// Why an order is not executed. `unaffordable_*` store nothing; `no_quote` and `unfilled` store
// the order as rejected or canceled.
enum class refusal { none, unaffordable_cash, unaffordable_shares, no_quote, unfilled };

// The order as the engine executes it now.
struct executable {
  side order_side = side::buy;
  std::int64_t qty = 0;           // the order's whole quantity
  std::int64_t filled_qty = 0;    // filled before this execution
  std::optional<price_e4> limit;  // nullopt: at market
  time_in_force tif = time_in_force::day;
  [[nodiscard]] std::int64_t remaining() const { return qty - filled_qty; }
};

struct planned_fill {
  price_e4 price = 0;
  std::int64_t qty = 0;
  std::optional<std::int64_t> resting_id;  // the book entry traded with; nullopt: the house
  std::int64_t cum_qty = 0;  // the executed order's filled quantity including this fill
};

struct execution_plan {
  refusal refused = refusal::none;
  std::vector<planned_fill> fills;
  money_e4 notional = 0;        // of the fills
  std::int64_t filled_qty = 0;  // the order's total after them
  order_status status = order_status::fresh;
  std::int64_t rests = 0;            // shares left resting in the book
  price_e4 reserve_price = 0;        // buys: cash held back per resting share
  money_e4 cash_reserved = 0;        // added to the account's reserved cash
  std::int64_t shares_reserved = 0;  // added to the position's reserved shares
};

// Checks a match against the account and plans its writes: a buy must pay its fills and hold
// back what rests at its limit, a sell must hold every share it may sell.
[[nodiscard]] execution_plan plan_execution(const executable& order, const match_result& m,
                                            const funds& f);

// An order that waits for a trigger (stop, stop-limit before its stop, trailing stop) holds
// back what it may need: a buy the price it would pay, a sell its shares.
struct waiting_plan {
  refusal refused = refusal::none;
  price_e4 reserve_price = 0;
  money_e4 cash_reserved = 0;
  std::int64_t shares_reserved = 0;
};
struct waiting_order {
  side order_side = side::buy;
  order_type type = order_type::stop;
  std::int64_t qty = 0;
  std::optional<price_e4> limit, stop, trail_price;
  std::optional<std::int64_t> trail_ppm;
};
[[nodiscard]] waiting_plan plan_waiting(const waiting_order& o, std::optional<price_e4> reference,
                                        const funds& f);

// What a buy that waits for a trigger holds back per share: the price it would pay now or at
// its stop, with 5% room for the market moving past the stop before the next tick.
[[nodiscard]] price_e4 stop_reserve_price(const waiting_order& o,
                                          std::optional<price_e4> reference) noexcept;

// A triggered stop executes at once: a stop (or trailing stop) as a market order that fills
// what it can and cancels the rest (IOC); a stop-limit as a limit order with its own tif.
struct trigger_execution {
  std::optional<price_e4> limit;
  time_in_force tif = time_in_force::ioc;
};
[[nodiscard]] trigger_execution on_trigger(order_type type, std::optional<price_e4> limit,
                                           time_in_force tif) noexcept;

// The cost basis that `qty` sold shares take with them from a position of `held` shares that
// cost `cost`: the average price, rounded half up; all of it when the position closes.
[[nodiscard]] money_e4 cost_removed(money_e4 cost, std::int64_t held, std::int64_t qty) noexcept;

}  // namespace marketsim::trading
