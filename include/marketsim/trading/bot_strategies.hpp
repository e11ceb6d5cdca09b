// Simulated traders' decisions (issue 11): what a bot of each strategy does when it thinks, as
// pure functions of what it sees (its account, its symbols' prices) and a seeded generator.
// No database, no clock, no threads of their own: the bot runner (bots/bot_runner.hpp) calls
// think() on its strand and sends the intents through the same order path as every player;
// unit tests call them directly. The same seed gives the same parameters and, for the same
// views, the same intents, on every machine (the generator is defined here, not by the
// standard library's distributions).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/trading/money.hpp"
#include "marketsim/trading/order_request.hpp"

namespace marketsim::trading::bots {

enum class strategy_kind { market_maker, momentum, mean_reversion, noise, index_holder };
inline constexpr std::array all_strategies{strategy_kind::market_maker, strategy_kind::momentum,
                                           strategy_kind::mean_reversion, strategy_kind::noise,
                                           strategy_kind::index_holder};

// "market_maker", "momentum", "mean_reversion", "noise", "index_holder" (stored and in the API).
[[nodiscard]] std::string_view strategy_name(strategy_kind k) noexcept;
[[nodiscard]] std::optional<strategy_kind> parse_strategy(std::string_view name) noexcept;
// For people: "Market maker", "Momentum", "Mean reversion", "Noise trader", "Index holder".
[[nodiscard]] std::string_view strategy_title(strategy_kind k) noexcept;
// One sentence for people on how it trades (its public profile says it).
[[nodiscard]] std::string_view strategy_description(strategy_kind k) noexcept;

// splitmix64: a seed in, a fixed sequence out.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept;
  // Uniform in [0, 1).
  double unit() noexcept;
  // Uniform in [lo, hi], both included (lo <= hi).
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept;

 private:
  std::uint64_t state_;
};

// A bot's character, drawn once from the seed: what it trades and how.
struct params {
  strategy_kind kind = strategy_kind::noise;
  std::vector<std::string> symbols;  // the symbols it trades (the runner assigns them)
  money_e4 order_value = 0;          // about this much per order (at least one share)
  // market_maker: its quotes sit this far inside the house's, as a fraction of the house's
  // half-spread in millionths (0: at the house's prices; 500000: halfway to the price).
  std::int64_t inside_ppm = 0;
  std::int64_t max_inventory = 0;  // market_maker: shares of one symbol it may hold
  // market_maker: a second quote on each side this many half-spreads from the price (or more
  // when the price swings: see make_markets), depth that the next ticks rarely reach (0: none).
  std::int64_t depth_spreads = 0;
  std::size_t lookback = 0;        // momentum, mean_reversion: prices it compares
  std::int64_t threshold_ppm = 0;  // momentum, mean_reversion: the move that makes it act
  std::int64_t act_ppm = 0;        // noise: chance of an order per thought, millionths
};

// What a bot sees of one of its symbols.
struct symbol_view {
  std::string symbol;
  market::price_e4 price = 0;            // the last price (the house trades around it)
  market::price_e4 half_spread = 0;      // the house sells at price + this, buys at price - this
  std::vector<market::price_e4> recent;  // the last prices seen, oldest first
};

// One of its own open orders.
struct resting {
  std::string id;
  std::string symbol;
  side order_side = side::buy;
  market::price_e4 limit = 0;
  std::int64_t remaining = 0;
};

// What a bot sees of its own account.
struct account_view {
  money_e4 cash = 0;
  money_e4 cash_reserved = 0;                    // held by its open buy orders
  std::map<std::string, std::int64_t> shares;    // by symbol
  std::map<std::string, std::int64_t> reserved;  // shares held by its open sell orders
  std::vector<resting> open;
};

// Place an order (a day market or limit order; the runner gives it a client_order_id) or
// cancel one of the bot's open orders.
struct intent {
  enum class kind { place, cancel } what = kind::place;
  order_request order;    // place
  std::string cancel_id;  // cancel
};

// At most this many intents per thought: a bot's share of the order flow is bounded by its
// runner's pace times this.
inline constexpr std::size_t max_intents = 8;

// The parameters of a bot of `kind` trading `symbols`, from `seed`.
[[nodiscard]] params draw_params(strategy_kind kind, std::vector<std::string> symbols,
                                 std::uint64_t seed);

// One thought. `market` holds a view of each of the bot's symbols that has a price (others are
// absent). The intents never buy for more than the cash the account has free at the house's
// ask, never sell shares it does not have free (no short sales), cancel only its own open
// orders, and number at most max_intents; every order passes trading::validate.
[[nodiscard]] std::vector<intent> think(const params& p, const account_view& account,
                                        std::span<const symbol_view> market, rng& random);

}  // namespace marketsim::trading::bots
