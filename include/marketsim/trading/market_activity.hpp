// The stock page's market activity, pure (issue 11): the time-and-sales tape (a symbol's fills,
// with which side took each and whether each side was a player, a bot or the house) and the top
// holders among players who made their profile public (the stock's weight in each one's
// portfolio, never a number of shares). Values filled by db/ on pool threads or from a tape
// notification on the change listener's thread; the JSON shapes are built on io threads (the
// routes) and on the listener's thread (the stream's `trade` event).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/trading/matcher.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::trading {

// Who was on one side of a fill. Players are never named on the tape.
enum class party { player, bot, house };
[[nodiscard]] std::string_view party_name(party p) noexcept;
[[nodiscard]] std::optional<party> parse_party(std::string_view text) noexcept;

struct tape_trade {
  std::int64_t id = 0;  // the fill's id: increasing in each symbol's trading order
  std::string symbol;
  price_e4 price = 0;
  std::int64_t qty = 0;
  std::optional<std::int64_t> market_ms;  // the market's time (fills older than the tape: none)
  std::optional<side> taker;              // the side that took it (older fills: none)
  party buyer = party::player;
  party seller = party::player;
  // The symbol's fill before this one (0: none), so a client can tell it missed one.
  std::int64_t previous_id = 0;
};

// {"id","price","qty","time","taker","buyer","seller","house"}: `house` is true when the house
// was one side, false for a fill between two players (bots included).
[[nodiscard]] nlohmann::json tape_json(const tape_trade& t);
// The stream's `trade` event: tape_json plus "symbol" and "previous_id".
[[nodiscard]] nlohmann::json tape_event_json(const tape_trade& t);
// A tape notification's payload (db/trade_writes.cpp builds it in SQL); nullopt if malformed.
[[nodiscard]] std::optional<tape_trade> parse_tape_note(std::string_view payload);

// One opted-in holder of a symbol, with everything their weight needs: their cash and every
// position they hold.
struct holder_account {
  std::string user_tag;
  std::string display_name;
  std::string bot_strategy;  // empty: a person
  money_e4 cash = 0;
  std::int64_t qty = 0;  // in the symbol asked about; never published
  std::vector<std::pair<std::string, std::int64_t>> positions;  // every symbol held, with qty
};
// The symbol's value over the holder's equity (cash plus every position at `price_of`), in
// millionths, rounded half up; a position without a price counts as nothing. nullopt when the
// equity is not positive.
[[nodiscard]] std::optional<std::int64_t> weight_ppm(
    const holder_account& h, std::string_view symbol,
    const std::function<std::optional<price_e4>(std::string_view)>& price_of);
// 123456 ppm -> "0.1235" (four decimals, half up).
[[nodiscard]] std::string weight_text(std::int64_t ppm);
// {"name","user_tag","bot","strategy"?,"weight"}: no quantity, no money.
[[nodiscard]] nlohmann::json holder_json(const holder_account& h, std::int64_t ppm);

}  // namespace marketsim::trading
