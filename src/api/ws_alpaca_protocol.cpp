// Alpaca's WebSocket protocols, the pure part (see ws_alpaca_protocol.hpp). Called on io threads,
// each session with its own state; nothing here is shared.
#include "marketsim/api/ws_alpaca_protocol.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "marketsim/core/time.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/trading/matcher.hpp"

namespace marketsim::api::alpaca {

using json = nlohmann::json;

std::string_view message_of(code c) noexcept {
  switch (c) {
    case code::invalid_syntax:
      return "invalid syntax";
    case code::not_authenticated:
      return "not authenticated";
    case code::auth_failed:
      return "auth failed";
    case code::already_authenticated:
      return "already authenticated";
    case code::auth_timeout:
      return "auth timeout";
    case code::symbol_limit_exceeded:
      return "symbol limit exceeded";
    case code::connection_limit_exceeded:
      return "connection limit exceeded";
    case code::slow_client:
      return "slow client";
    case code::insufficient_subscription:
      return "insufficient subscription";
    case code::internal_error:
      return "internal error";
  }
  return "internal error";
}

namespace {

// A MessagePack reader for client messages: maps, arrays, strings, numbers, booleans and nil;
// extension types are refused (no message has one). Every length is checked against the bytes
// left before anything is allocated, and nesting stops at max_message_depth.
class msgpack_reader {
 public:
  explicit msgpack_reader(std::string_view in) : in_(in) {}

  std::optional<json> value(int depth) {
    if (depth > max_message_depth) return std::nullopt;
    auto b = byte();
    if (!b) return std::nullopt;
    const std::uint8_t t = *b;
    if (t <= 0x7f) return json(static_cast<std::uint64_t>(t));
    if (t >= 0xe0) return json(static_cast<std::int64_t>(static_cast<std::int8_t>(t)));
    if ((t & 0xf0) == 0x80) return map(t & 0x0f, depth);
    if ((t & 0xf0) == 0x90) return array(t & 0x0f, depth);
    if ((t & 0xe0) == 0xa0) return str(t & 0x1f);
    switch (t) {
      case 0xc0:
        return json(nullptr);
      case 0xc2:
        return json(false);
      case 0xc3:
        return json(true);
      case 0xc4:
      case 0xd9:
        return sized_str(1);
      case 0xc5:
      case 0xda:
        return sized_str(2);
      case 0xc6:
      case 0xdb:
        return sized_str(4);
      case 0xca: {
        auto u = uint(4);
        if (!u) return std::nullopt;
        return json(static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(*u))));
      }
      case 0xcb: {
        auto u = uint(8);
        if (!u) return std::nullopt;
        return json(std::bit_cast<double>(*u));
      }
      case 0xcc:
        return unsigned_value(1);
      case 0xcd:
        return unsigned_value(2);
      case 0xce:
        return unsigned_value(4);
      case 0xcf:
        return unsigned_value(8);
      case 0xd0:
        return signed_value(1);
      case 0xd1:
        return signed_value(2);
      case 0xd2:
        return signed_value(4);
      case 0xd3:
        return signed_value(8);
      case 0xdc:
        return sized_array(2, depth);
      case 0xdd:
        return sized_array(4, depth);
      case 0xde:
        return sized_map(2, depth);
      case 0xdf:
        return sized_map(4, depth);
      default:
        return std::nullopt;  // 0xc1 (never used) and the extension types
    }
  }
  [[nodiscard]] bool at_end() const { return pos_ == in_.size(); }

 private:
  std::optional<std::uint8_t> byte() {
    if (pos_ >= in_.size()) return std::nullopt;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::optional<std::uint64_t> uint(int n) {
    if (in_.size() - pos_ < static_cast<std::size_t>(n)) return std::nullopt;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(in_[pos_++]);
    return v;
  }
  std::optional<json> unsigned_value(int n) {
    auto u = uint(n);
    if (!u) return std::nullopt;
    return json(*u);
  }
  std::optional<json> signed_value(int n) {
    auto u = uint(n);
    if (!u) return std::nullopt;
    const int shift = 64 - 8 * n;  // sign-extend the n-byte two's complement value
    return json(static_cast<std::int64_t>(*u << shift) >> shift);
  }
  std::optional<json> str(std::uint64_t n) {
    if (in_.size() - pos_ < n) return std::nullopt;
    json s = std::string(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::optional<json> sized_str(int width) {
    auto n = uint(width);
    if (!n) return std::nullopt;
    return str(*n);
  }
  std::optional<json> array(std::uint64_t n, int depth) {
    // Each element takes at least a byte: a count beyond what is left is a lie.
    if (n > in_.size() - pos_) return std::nullopt;
    json a = json::array();
    for (std::uint64_t i = 0; i < n; ++i) {
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      a.push_back(std::move(*v));
    }
    return a;
  }
  std::optional<json> sized_array(int width, int depth) {
    auto n = uint(width);
    if (!n) return std::nullopt;
    return array(*n, depth);
  }
  std::optional<json> map(std::uint64_t n, int depth) {
    if (n > (in_.size() - pos_) / 2) return std::nullopt;
    json m = json::object();
    for (std::uint64_t i = 0; i < n; ++i) {
      auto k = value(depth + 1);
      if (!k || !k->is_string()) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      m[k->get<std::string>()] = std::move(*v);
    }
    return m;
  }
  std::optional<json> sized_map(int width, int depth) {
    auto n = uint(width);
    if (!n) return std::nullopt;
    return map(*n, depth);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

bool ws_valid_symbol(std::string_view s) {
  if (s == "*") return true;
  if (s.empty() || s.size() > 16) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '-';
  });
}

std::string ws_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// A list of symbols: absent is empty; anything but an array of valid symbols is a syntax error.
std::expected<std::vector<std::string>, code> ws_symbol_list(const json& m, const char* name) {
  std::vector<std::string> out;
  auto it = m.find(name);
  if (it == m.end() || it->is_null()) return out;
  if (!it->is_array()) return std::unexpected(code::invalid_syntax);
  for (const auto& v : *it) {
    if (!v.is_string()) return std::unexpected(code::invalid_syntax);
    auto s = ws_upper(v.get<std::string>());
    if (!ws_valid_symbol(s)) return std::unexpected(code::invalid_syntax);
    out.push_back(std::move(s));
  }
  return out;
}

double ws_number(market::price_e4 p) {
  return static_cast<double>(p) / static_cast<double>(market::price_scale);
}

}  // namespace

std::optional<json> decode_message(std::string_view bytes, codec c) {
  if (c == codec::msgpack) {
    msgpack_reader r(bytes);
    auto v = r.value(0);
    if (!v || !r.at_end() || !v->is_object()) return std::nullopt;
    return v;
  }
  // Depth first, so a deeply nested message costs no document (see http::max_json_depth).
  if (http::json_nesting_exceeds(bytes, max_message_depth)) return std::nullopt;
  auto v = json::parse(bytes, nullptr, false);
  if (v.is_discarded() || !v.is_object()) return std::nullopt;
  return v;
}

std::string encode(const json& value, codec c) {
  if (c == codec::msgpack) {
    auto bytes = json::to_msgpack(value);
    return std::string(bytes.begin(), bytes.end());
  }
  // Replacing invalid UTF-8 rather than throwing: nothing we send should hold any, and a frame
  // must never end a session with an exception.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::expected<client_message, code> parse_client_message(const json& m) {
  if (!m.is_object()) return std::unexpected(code::invalid_syntax);
  auto action = m.find("action");
  if (action == m.end() || !action->is_string()) return std::unexpected(code::invalid_syntax);
  const auto& name = action->get_ref<const std::string&>();
  client_message out;
  auto text = [](const json& o, const char* field) -> const std::string* {
    auto it = o.find(field);
    return it != o.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (name == "auth") {
    auto key = text(m, "key");
    auto secret = text(m, "secret");
    if (!key || !secret) return std::unexpected(code::invalid_syntax);
    out.what = client_message::kind::auth;
    out.key = *key;
    out.secret = *secret;
    return out;
  }
  if (name == "authenticate") {
    auto data = m.find("data");
    if (data == m.end() || !data->is_object()) return std::unexpected(code::invalid_syntax);
    auto key = text(*data, "key_id");
    auto secret = text(*data, "secret_key");
    if (!key || !secret) return std::unexpected(code::invalid_syntax);
    out.what = client_message::kind::auth;
    out.key = *key;
    out.secret = *secret;
    return out;
  }
  if (name == "subscribe" || name == "unsubscribe") {
    out.what =
        name == "subscribe" ? client_message::kind::subscribe : client_message::kind::unsubscribe;
    auto trades = ws_symbol_list(m, "trades");
    auto quotes = ws_symbol_list(m, "quotes");
    auto bars = ws_symbol_list(m, "bars");
    if (!trades || !quotes || !bars) return std::unexpected(code::invalid_syntax);
    // Channels marketsim does not produce: accepted as lists, never sent (the subscription
    // message lists them empty), so a client asking for them learns it at once.
    for (const char* other :
         {"updatedBars", "dailyBars", "statuses", "lulds", "corrections", "cancelErrors"})
      if (!ws_symbol_list(m, other)) return std::unexpected(code::invalid_syntax);
    out.channels = {std::move(*trades), std::move(*quotes), std::move(*bars)};
    return out;
  }
  if (name == "listen") {
    auto data = m.find("data");
    if (data == m.end() || !data->is_object()) return std::unexpected(code::invalid_syntax);
    auto streams = data->find("streams");
    if (streams == data->end() || !streams->is_array())
      return std::unexpected(code::invalid_syntax);
    out.what = client_message::kind::listen;
    for (const auto& s : *streams) {
      if (!s.is_string()) return std::unexpected(code::invalid_syntax);
      if (out.streams.size() < 16) out.streams.push_back(s.get<std::string>());
    }
    return out;
  }
  return std::unexpected(code::invalid_syntax);
}

std::expected<void, code> subscriptions::add(const channel_lists& add, std::size_t max_symbols) {
  set distinct;
  for (const auto* s : {&trades_, &quotes_, &bars_})
    for (const auto& sym : *s)
      if (sym != "*") distinct.insert(sym);
  for (const auto* l : {&add.trades, &add.quotes, &add.bars})
    for (const auto& sym : *l)
      if (sym != "*") distinct.insert(sym);
  if (distinct.size() > max_symbols) return std::unexpected(code::symbol_limit_exceeded);
  trades_.insert(add.trades.begin(), add.trades.end());
  quotes_.insert(add.quotes.begin(), add.quotes.end());
  bars_.insert(add.bars.begin(), add.bars.end());
  return {};
}

void subscriptions::remove(const channel_lists& remove) {
  for (const auto& s : remove.trades) trades_.erase(s);
  for (const auto& s : remove.quotes) quotes_.erase(s);
  for (const auto& s : remove.bars) bars_.erase(s);
}

json subscriptions::message() const {
  auto list = [](const set& s) {
    json a = json::array();
    for (const auto& sym : s) a.push_back(sym);
    return a;
  };
  return json{{"T", "subscription"},          {"trades", list(trades_)},
              {"quotes", list(quotes_)},      {"bars", list(bars_)},
              {"updatedBars", json::array()}, {"dailyBars", json::array()},
              {"statuses", json::array()},    {"lulds", json::array()},
              {"corrections", json::array()}, {"cancelErrors", json::array()}};
}

std::optional<frame_view> read_frame(std::string_view frame) {
  frame_view out;
  bool has_event = false, has_data = false;
  while (!frame.empty()) {
    auto nl = frame.find('\n');
    auto line = frame.substr(0, nl);
    frame.remove_prefix(nl == std::string_view::npos ? frame.size() : nl + 1);
    if (line.starts_with("event: ")) {
      out.name = std::string(line.substr(7));
      has_event = true;
    } else if (line.starts_with("data: ")) {
      if (has_data) out.data += '\n';
      out.data += line.substr(6);
      has_data = true;
    }
  }
  if (!has_event || !has_data) return std::nullopt;
  return out;
}

std::optional<tick> parse_tick(std::string_view data, std::int64_t id) {
  auto j = json::parse(data, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto symbol = j.find("symbol");
  auto price = j.find("price");
  auto volume = j.find("volume");
  auto time = j.find("time");
  if (symbol == j.end() || !symbol->is_string() || price == j.end() || !price->is_string() ||
      volume == j.end() || !volume->is_number_integer() || time == j.end() || !time->is_string())
    return std::nullopt;
  auto p = market::parse_price(price->get_ref<const std::string&>());
  auto t = parse_time(time->get_ref<const std::string&>());
  if (!p || !t) return std::nullopt;
  return tick{id, symbol->get<std::string>(), *p, volume->get<std::int64_t>(), *t};
}

std::optional<bar> bar_builder::add(const tick& t) {
  // Floor to the minute, also before 1970.
  const std::int64_t minute = t.time_ms - ((t.time_ms % 60'000) + 60'000) % 60'000;
  auto fresh = [&] {
    return bar{
        t.symbol, minute,  t.price,
        t.price,  t.price, t.price,
        t.volume, 1,       static_cast<long double>(t.price) * static_cast<long double>(t.volume)};
  };
  auto it = open_.find(t.symbol);
  if (it == open_.end()) {
    open_.emplace(t.symbol, state{fresh(), true});
    return std::nullopt;
  }
  auto& s = it->second;
  if (minute == s.current.start_ms) {
    s.current.high = std::max(s.current.high, t.price);
    s.current.low = std::min(s.current.low, t.price);
    s.current.close = t.price;
    s.current.volume += t.volume;
    s.current.trades += 1;
    s.current.notional += static_cast<long double>(t.price) * static_cast<long double>(t.volume);
    return std::nullopt;
  }
  // Ticks arrive in order; an older one (a replay across a restart) starts over quietly.
  const bool report = minute > s.current.start_ms && !s.partial;
  bar done = std::move(s.current);
  s.current = fresh();
  s.partial = minute < done.start_ms;
  if (!report) return std::nullopt;
  return done;
}

void bar_builder::forget(std::string_view symbol) {
  if (auto it = open_.find(symbol); it != open_.end()) open_.erase(it);
}

json error_message(code c) {
  return json{{"T", "error"}, {"code", static_cast<int>(c)}, {"msg", message_of(c)}};
}

json success_message(std::string_view msg) {
  return json{{"T", "success"}, {"msg", msg}};
}

json trade_message(const tick& t) {
  return json{{"T", "t"},
              {"S", t.symbol},
              {"i", t.id},
              {"x", "M"},
              {"p", ws_number(t.price)},
              {"s", t.volume},
              {"c", json::array({"@"})},
              {"t", format_time(t.time_ms)},
              {"z", "M"}};
}

json quote_message(const tick& t, market::price_e4 half_spread) {
  return json{{"T", "q"},
              {"S", t.symbol},
              {"bx", "M"},
              {"bp", ws_number(trading::house_bid(t.price, half_spread))},
              {"bs", 1},
              {"ax", "M"},
              {"ap", ws_number(trading::house_ask(t.price, half_spread))},
              {"as", 1},
              {"c", json::array({"R"})},
              {"t", format_time(t.time_ms)},
              {"z", "M"}};
}

json bar_message(const bar& b) {
  const double vwap = b.volume > 0
                          ? static_cast<double>(b.notional / static_cast<long double>(b.volume) /
                                                static_cast<long double>(market::price_scale))
                          : ws_number(b.close);
  return json{{"T", "b"},
              {"S", b.symbol},
              {"o", ws_number(b.open)},
              {"h", ws_number(b.high)},
              {"l", ws_number(b.low)},
              {"c", ws_number(b.close)},
              {"v", b.volume},
              {"t", format_time(b.start_ms)},
              {"n", b.trades},
              {"vw", std::round(vwap * 10'000.0) / 10'000.0}};
}

json authorization_message(bool authorized, std::string_view action) {
  return json{
      {"stream", "authorization"},
      {"data", {{"status", authorized ? "authorized" : "unauthorized"}, {"action", action}}}};
}

json listening_message(const std::vector<std::string>& streams) {
  return json{{"stream", "listening"}, {"data", {{"streams", streams}}}};
}

json trading_error_message(code c) {
  return json{{"stream", "error"},
              {"data", {{"code", static_cast<int>(c)}, {"error", message_of(c)}}}};
}

std::optional<json> trade_update_message(std::string_view data) {
  auto j = json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("event")) return std::nullopt;
  return json{{"stream", "trade_updates"}, {"data", std::move(j)}};
}

}  // namespace marketsim::api::alpaca
