// The tape's and the holders' shapes and arithmetic (see market_activity.hpp). Pure; io threads
// and the change listener's thread.
#include "marketsim/trading/market_activity.hpp"

#include <fmt/format.h>

#include "marketsim/core/time.hpp"
#include "marketsim/trading/order_request.hpp"

namespace marketsim::trading {

using nlohmann::json;

std::string_view party_name(party p) noexcept {
  switch (p) {
    case party::bot:
      return "bot";
    case party::house:
      return "house";
    case party::player:
      break;
  }
  return "player";
}

std::optional<party> parse_party(std::string_view text) noexcept {
  for (auto p : {party::player, party::bot, party::house})
    if (party_name(p) == text) return p;
  return std::nullopt;
}

json tape_json(const tape_trade& t) {
  return {{"id", t.id},
          {"price", market::format_price(t.price)},
          {"qty", std::to_string(t.qty)},
          {"time", t.market_ms ? json(format_time(*t.market_ms)) : json(nullptr)},
          {"taker", t.taker ? json(side_name(*t.taker)) : json(nullptr)},
          {"buyer", party_name(t.buyer)},
          {"seller", party_name(t.seller)},
          {"house", t.buyer == party::house || t.seller == party::house}};
}

json tape_event_json(const tape_trade& t) {
  auto j = tape_json(t);
  j["symbol"] = t.symbol;
  j["previous_id"] = t.previous_id ? json(t.previous_id) : json(nullptr);
  return j;
}

std::optional<tape_trade> parse_tape_note(std::string_view payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto integer = [&j](const char* key) -> std::optional<std::int64_t> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
  };
  const auto text = [&j](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  tape_trade t;
  auto id = integer("id");
  auto symbol = text("symbol");
  auto price = integer("price");
  auto qty = integer("qty");
  auto buyer = parse_party(text("buyer").value_or(""));
  auto seller = parse_party(text("seller").value_or(""));
  if (!id || !symbol || !price || !qty || !buyer || !seller || *price <= 0 || *qty <= 0)
    return std::nullopt;
  t.id = *id;
  t.symbol = std::move(*symbol);
  t.price = *price;
  t.qty = *qty;
  t.buyer = *buyer;
  t.seller = *seller;
  t.market_ms = integer("market_ms");
  if (auto taker = text("taker")) t.taker = parse_side(*taker);
  t.previous_id = integer("previous_id").value_or(0);
  return t;
}

std::optional<std::int64_t> weight_ppm(
    const holder_account& h, std::string_view symbol,
    const std::function<std::optional<price_e4>(std::string_view)>& price_of) {
  // 128 bits: a billion shares at a billion dollars does not fit in 64.
  __int128 equity = h.cash;
  __int128 value = 0;
  for (const auto& [sym, qty] : h.positions) {
    auto p = price_of(sym);
    if (!p) continue;
    const __int128 v = static_cast<__int128>(qty) * *p;
    equity += v;
    if (sym == symbol) value = v;
  }
  if (equity <= 0) return std::nullopt;
  return static_cast<std::int64_t>((value * 2'000'000 / equity + 1) / 2);
}

std::string weight_text(std::int64_t ppm) {
  const std::int64_t e4 = (ppm + 50) / 100;
  return fmt::format("{}.{:04}", e4 / 10'000, e4 % 10'000);
}

json holder_json(const holder_account& h, std::int64_t ppm) {
  const bool bot = !h.bot_strategy.empty();
  json j{{"name", h.display_name},
         {"user_tag", h.user_tag},
         {"bot", bot},
         {"weight", weight_text(ppm)}};
  if (bot) j["strategy"] = h.bot_strategy;
  return j;
}

}  // namespace marketsim::trading
