// Alpaca's two WebSocket protocols, the pure part (docs/api.md, "Streams for programs"): the
// client's messages decoded from JSON or MessagePack and checked, a data stream's subscriptions
// with their symbol cap, minute bars built from ticks, the hub's SSE frames read back, and every
// message the server sends, in Alpaca's shapes. No sockets, no Asio: the sessions
// (ws_alpaca_streams.cpp) call it on an io thread inside one connection's strand, each with its own
// state; unit-tested and fuzzed (tests/fuzz/alpaca_stream.cpp) directly.
#pragma once
#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::api::alpaca {

// How a connection's messages are encoded: JSON text, or MessagePack when the upgrade request
// said `Content-Type: application/msgpack` (what Alpaca's own SDKs ask for).
enum class codec { json, msgpack };

// Alpaca's error codes (the data stream's `{"T":"error","code","msg"}`; the trading stream
// carries the same code and text).
enum class code : int {
  invalid_syntax = 400,
  not_authenticated = 401,
  auth_failed = 402,
  already_authenticated = 403,
  auth_timeout = 404,
  symbol_limit_exceeded = 405,
  connection_limit_exceeded = 406,
  slow_client = 407,
  insufficient_subscription = 409,
  internal_error = 500,
};
[[nodiscard]] std::string_view message_of(code c) noexcept;

// Deeper than any message of either protocol (an auth message's `data` is the deepest, 2).
inline constexpr int max_message_depth = 8;

// One client message as a JSON object: JSON text or MessagePack per the codec. nullopt when it
// does not decode, nests deeper than max_message_depth, has bytes after the value, or is not an
// object. MessagePack is decoded by our own reader, bounded by the input's size and that depth.
[[nodiscard]] std::optional<nlohmann::json> decode_message(std::string_view bytes, codec c);
// One server frame: JSON text or MessagePack.
[[nodiscard]] std::string encode(const nlohmann::json& value, codec c);

// The symbol lists of a subscribe or unsubscribe message; "*" is every symbol.
struct channel_lists {
  std::vector<std::string> trades, quotes, bars;
};

struct client_message {
  enum class kind { auth, subscribe, unsubscribe, listen } what = kind::auth;
  std::string key, secret;           // auth
  channel_lists channels;            // subscribe, unsubscribe (symbols upper-cased)
  std::vector<std::string> streams;  // listen
};

// Reads a decoded message: `{"action":"auth","key","secret"}` (both streams),
// `{"action":"authenticate","data":{"key_id","secret_key"}}` (the trading stream's older form,
// which SDK 3.x sends), `{"action":"subscribe"|"unsubscribe","trades","quotes","bars",...}`
// (other channel lists are accepted when empty), `{"action":"listen","data":{"streams"}}`.
// invalid_syntax for anything else: an unknown action, a field of the wrong type, a symbol
// that is not 1-16 of A-Z, 0-9, '.', '/', '-', or "*".
[[nodiscard]] std::expected<client_message, code> parse_client_message(const nlohmann::json& m);

// A data stream's subscriptions.
class subscriptions {
 public:
  // Adds the lists; symbol_limit_exceeded (and nothing added) when the distinct symbols
  // across the channels ("*" aside) would exceed max_symbols.
  [[nodiscard]] std::expected<void, code> add(const channel_lists& add, std::size_t max_symbols);
  void remove(const channel_lists& remove);
  [[nodiscard]] bool trades(std::string_view symbol) const { return has(trades_, symbol); }
  [[nodiscard]] bool quotes(std::string_view symbol) const { return has(quotes_, symbol); }
  [[nodiscard]] bool bars(std::string_view symbol) const { return has(bars_, symbol); }
  [[nodiscard]] bool any_bars() const { return !bars_.empty(); }
  // `{"T":"subscription","trades":[...],"quotes":[...],"bars":[...], other channels: []}`.
  [[nodiscard]] nlohmann::json message() const;

 private:
  using set = std::set<std::string, std::less<>>;
  static bool has(const set& s, std::string_view symbol) {
    return s.contains("*") || s.contains(symbol);
  }
  set trades_, quotes_, bars_;
};

// One tick as the hub carries it (the `tick` event's data), numbers exact.
struct tick {
  std::int64_t id = 0;  // the hub's sequence number: the trade's id
  std::string symbol;
  market::price_e4 price = 0;
  std::int64_t volume = 0;
  std::int64_t time_ms = 0;
};

// A hub event read back from its SSE frame ("event: NAME\ndata: DATA"): nullopt when the frame
// has no event line or no data.
struct frame_view {
  std::string name;
  std::string data;  // the data lines joined with '\n'
};
[[nodiscard]] std::optional<frame_view> read_frame(std::string_view frame);
// A tick event's data; nullopt when a field is missing or malformed.
[[nodiscard]] std::optional<tick> parse_tick(std::string_view data, std::int64_t id);

struct bar {
  std::string symbol;
  std::int64_t start_ms = 0;  // the minute of market time
  market::price_e4 open = 0, high = 0, low = 0, close = 0;
  std::int64_t volume = 0;
  std::int64_t trades = 0;
  long double notional = 0;  // sum of price * volume, for the VWAP
};

// Minute bars from ticks, per symbol: a tick in a later minute closes the minute before and
// returns its bar. The minute a symbol's first tick falls in is not reported (its earlier
// ticks were not seen), and a bar closes only when a later tick of its symbol arrives.
class bar_builder {
 public:
  [[nodiscard]] std::optional<bar> add(const tick& t);
  void forget(std::string_view symbol);

 private:
  struct state {
    bar current;
    bool partial = true;  // the first minute seen
  };
  std::map<std::string, state, std::less<>> open_;
};

// Data stream messages.
[[nodiscard]] nlohmann::json error_message(code c);
[[nodiscard]] nlohmann::json success_message(std::string_view msg);
[[nodiscard]] nlohmann::json trade_message(const tick& t);
// The house's quote around the tick's price, as GET /v2/stocks/{symbol}/quotes/latest.
[[nodiscard]] nlohmann::json quote_message(const tick& t, market::price_e4 half_spread);
[[nodiscard]] nlohmann::json bar_message(const bar& b);

// Trading stream messages.
[[nodiscard]] nlohmann::json authorization_message(bool authorized, std::string_view action);
[[nodiscard]] nlohmann::json listening_message(const std::vector<std::string>& streams);
[[nodiscard]] nlohmann::json trading_error_message(code c);
// A `trade_update` event's data (docs/api.md, private stream events) in Alpaca's envelope.
[[nodiscard]] std::optional<nlohmann::json> trade_update_message(std::string_view data);

}  // namespace marketsim::api::alpaca
