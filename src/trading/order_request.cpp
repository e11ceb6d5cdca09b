// Reading and checking order requests (see order_request.hpp). Pure.
#include "marketsim/trading/order_request.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

#include "marketsim/trading/money.hpp"

namespace marketsim::trading {

namespace {

using nlohmann::json;

// Fields Alpaca's API defines that marketsim reads; anything else is refused, so a typo never
// silently places a different order than the client meant.
constexpr std::array order_fields{"symbol",        "qty",
                                  "side",          "type",
                                  "time_in_force", "limit_price",
                                  "stop_price",    "trail_price",
                                  "trail_percent", "client_order_id",
                                  "order_class",   "extended_hours",
                                  "notional",      "take_profit",
                                  "stop_loss"};
constexpr std::array replace_fields{"qty",        "time_in_force", "limit_price",
                                    "stop_price", "trail",         "client_order_id"};

template <std::size_t N>
result<void> only_known(const json& body, const std::array<const char*, N>& known) {
  if (!body.is_object()) return fail(errc::bad_request, "the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found)
      return fail(errc::unprocessable, fmt::format("unknown field {}", key.substr(0, 64)));
  }
  return {};
}

// A present, non-null member.
const json* field(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

result<std::string> string_field(const json& body, const char* key, std::size_t max_len) {
  const json* v = field(body, key);
  if (!v || !v->is_string())
    return fail(errc::bad_request, fmt::format("{} must be a string", key));
  auto s = v->get<std::string>();
  if (s.empty() || s.size() > max_len)
    return fail(errc::bad_request, fmt::format("{} must be 1 to {} characters", key, max_len));
  return s;
}

// trail_percent: a percentage with at most 4 decimals, above 0 and below 100, as millionths.
result<std::int64_t> parse_percent_ppm(const json& v, std::string_view key) {
  auto p = parse_order_price(v, key);
  if (!p || *p >= 100 * market::price_scale)
    return fail(errc::bad_request,
                fmt::format("{} must be a percentage above 0 and below 100", key));
  return *p;  // percent × 10^4 = millionths
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::string_view side_name(side s) noexcept {
  return s == side::buy ? "buy" : "sell";
}

std::string_view type_name(order_type t) noexcept {
  switch (t) {
    case order_type::market:
      return "market";
    case order_type::limit:
      return "limit";
    case order_type::stop:
      return "stop";
    case order_type::stop_limit:
      return "stop_limit";
    case order_type::trailing_stop:
      return "trailing_stop";
  }
  return "market";
}

std::string_view tif_name(time_in_force t) noexcept {
  switch (t) {
    case time_in_force::day:
      return "day";
    case time_in_force::gtc:
      return "gtc";
    case time_in_force::ioc:
      return "ioc";
    case time_in_force::fok:
      return "fok";
  }
  return "day";
}

std::optional<side> parse_side(std::string_view s) noexcept {
  if (s == "buy") return side::buy;
  if (s == "sell") return side::sell;
  return std::nullopt;
}

std::optional<order_type> parse_type(std::string_view s) noexcept {
  for (auto t : {order_type::market, order_type::limit, order_type::stop, order_type::stop_limit,
                 order_type::trailing_stop})
    if (type_name(t) == s) return t;
  return std::nullopt;
}

std::optional<time_in_force> parse_tif(std::string_view s) noexcept {
  for (auto t : {time_in_force::day, time_in_force::gtc, time_in_force::ioc, time_in_force::fok})
    if (tif_name(t) == s) return t;
  return std::nullopt;
}

result<void> validate(const order_request& o) {
  const bool wants_limit = o.type == order_type::limit || o.type == order_type::stop_limit;
  const bool wants_stop = o.type == order_type::stop || o.type == order_type::stop_limit;
  const bool trailing = o.type == order_type::trailing_stop;
  auto wrong = [&](std::string what) {
    return fail(errc::unprocessable,
                fmt::format("{} for a {} order", std::move(what), type_name(o.type)));
  };
  if (wants_limit != o.limit.has_value())
    return wrong(wants_limit ? "limit_price is required" : "limit_price is not allowed");
  if (wants_stop != o.stop.has_value())
    return wrong(wants_stop ? "stop_price is required" : "stop_price is not allowed");
  if (trailing && o.trail_price.has_value() == o.trail_ppm.has_value())
    return wrong("exactly one of trail_price and trail_percent is required");
  if (!trailing && (o.trail_price || o.trail_ppm))
    return wrong("trail_price and trail_percent are not allowed");
  if (o.type == order_type::market && o.tif == time_in_force::gtc)
    return fail(errc::unprocessable, "a market order cannot be gtc");
  if (o.type != order_type::market && o.type != order_type::limit &&
      (o.tif == time_in_force::ioc || o.tif == time_in_force::fok))
    return wrong("time_in_force must be day or gtc");
  return {};
}

result<order_request> parse_order_request(const json& body) {
  if (auto ok = only_known(body, order_fields); !ok) return std::unexpected(ok.error());
  order_request o;
  auto symbol = string_field(body, "symbol", 12);
  if (!symbol) return std::unexpected(symbol.error());
  for (char& c : *symbol)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  o.symbol = std::move(*symbol);

  if (field(body, "notional"))
    return fail(errc::unprocessable, "notional orders are not supported; give qty");
  if (field(body, "take_profit") || field(body, "stop_loss"))
    return fail(errc::unprocessable, "bracket orders are not supported");
  if (const json* c = field(body, "order_class");
      c && !(c->is_string() && (c->get<std::string>().empty() || *c == "simple")))
    return fail(errc::unprocessable, "only simple orders are supported");
  if (const json* e = field(body, "extended_hours"); e && !(e->is_boolean() && !e->get<bool>()))
    return fail(errc::unprocessable, "extended hours are not supported");

  const json* qty = field(body, "qty");
  if (!qty) return fail(errc::bad_request, "qty is required");
  auto q = parse_quantity(*qty, "qty");
  if (!q) return std::unexpected(q.error());
  o.qty = *q;

  auto side_text = string_field(body, "side", 8);
  auto s = side_text ? parse_side(*side_text) : std::nullopt;
  if (!s) return fail(errc::bad_request, "side must be buy or sell");
  o.order_side = *s;

  auto type_text = string_field(body, "type", 16);
  auto t = type_text ? parse_type(*type_text) : std::nullopt;
  if (!t)
    return fail(errc::bad_request, "type must be market, limit, stop, stop_limit or trailing_stop");
  o.type = *t;

  if (field(body, "time_in_force")) {
    auto tif_text = string_field(body, "time_in_force", 8);
    auto tif = tif_text ? parse_tif(*tif_text) : std::nullopt;
    if (!tif) return fail(errc::bad_request, "time_in_force must be day, gtc, ioc or fok");
    o.tif = *tif;
  }

  if (const json* v = field(body, "limit_price")) {
    auto p = parse_order_price(*v, "limit_price");
    if (!p) return std::unexpected(p.error());
    o.limit = *p;
  }
  if (const json* v = field(body, "stop_price")) {
    auto p = parse_order_price(*v, "stop_price");
    if (!p) return std::unexpected(p.error());
    o.stop = *p;
  }
  if (const json* v = field(body, "trail_price")) {
    auto p = parse_order_price(*v, "trail_price");
    if (!p) return std::unexpected(p.error());
    o.trail_price = *p;
  }
  if (const json* v = field(body, "trail_percent")) {
    auto p = parse_percent_ppm(*v, "trail_percent");
    if (!p) return std::unexpected(p.error());
    o.trail_ppm = *p;
  }
  if (field(body, "client_order_id")) {
    auto id = string_field(body, "client_order_id", max_client_order_id);
    if (!id) return std::unexpected(id.error());
    if (!printable_ascii(*id))
      return fail(errc::bad_request, "client_order_id must be printable ASCII");
    o.client_order_id = std::move(*id);
  }
  if (auto ok = validate(o); !ok) return std::unexpected(ok.error());
  return o;
}

result<replace_request> parse_replace_request(const json& body) {
  if (auto ok = only_known(body, replace_fields); !ok) return std::unexpected(ok.error());
  replace_request r;
  if (const json* v = field(body, "qty")) {
    auto q = parse_quantity(*v, "qty");
    if (!q) return std::unexpected(q.error());
    r.qty = *q;
  }
  if (field(body, "time_in_force")) {
    auto text = string_field(body, "time_in_force", 8);
    auto tif = text ? parse_tif(*text) : std::nullopt;
    if (!tif) return fail(errc::bad_request, "time_in_force must be day, gtc, ioc or fok");
    r.tif = *tif;
  }
  for (auto [key, slot] : {std::pair{"limit_price", &r.limit}, std::pair{"stop_price", &r.stop},
                           std::pair{"trail", &r.trail}}) {
    if (const json* v = field(body, key)) {
      auto p = parse_order_price(*v, key);
      if (!p) return std::unexpected(p.error());
      *slot = *p;
    }
  }
  if (field(body, "client_order_id")) {
    auto id = string_field(body, "client_order_id", max_client_order_id);
    if (!id) return std::unexpected(id.error());
    if (!printable_ascii(*id))
      return fail(errc::bad_request, "client_order_id must be printable ASCII");
    r.client_order_id = std::move(*id);
  }
  if (!r.qty && !r.tif && !r.limit && !r.stop && !r.trail && !r.client_order_id)
    return fail(errc::unprocessable, "nothing to replace");
  return r;
}

result<order_request> apply_replace(order_request o, const replace_request& r) {
  if (r.qty) o.qty = *r.qty;
  if (r.tif) o.tif = *r.tif;
  if (r.limit) {
    if (!o.limit) return fail(errc::unprocessable, "this order has no limit_price");
    o.limit = *r.limit;
  }
  if (r.stop) {
    if (!o.stop) return fail(errc::unprocessable, "this order has no stop_price");
    o.stop = *r.stop;
  }
  if (r.trail) {
    if (o.type != order_type::trailing_stop)
      return fail(errc::unprocessable, "only a trailing stop has a trail");
    if (o.trail_ppm) {
      if (*r.trail >= 100 * market::price_scale)
        return fail(errc::bad_request, "trail must be a percentage below 100");
      o.trail_ppm = *r.trail;
    } else {
      o.trail_price = *r.trail;
    }
  }
  o.client_order_id = r.client_order_id.value_or("");
  if (auto ok = validate(o); !ok) return std::unexpected(ok.error());
  return o;
}

std::string fingerprint(const order_request& o) {
  auto opt = [](const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : std::string("-");
  };
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", o.symbol, o.qty, side_name(o.order_side),
                     type_name(o.type), tif_name(o.tif), opt(o.limit), opt(o.stop),
                     opt(o.trail_price), opt(o.trail_ppm));
}

}  // namespace marketsim::trading
