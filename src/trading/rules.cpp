// Trading actions' rules and their evaluation (see rules.hpp). Pure.
#include "marketsim/trading/rules.hpp"

#include "marketsim/market/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace marketsim::trading::rules {

namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<kind, std::string_view>, 5> kinds{{
    {kind::price_alert, "price_alert"},
    {kind::stop_loss, "stop_loss"},
    {kind::take_profit, "take_profit"},
    {kind::trailing_exit, "trailing_exit"},
    {kind::recurring_buy, "recurring_buy"},
}};

constexpr std::int64_t million = 1'000'000;

error bad(std::string_view field, std::string_view what) {
  return error{errc::bad_request, fmt::format("{} {}", field, what)};
}

// A percentage as a decimal string or number: "5" or "2.5" (at most 4 decimals), in
// millionths (5% = 50,000), within (0, max_percent].
result<std::int64_t> parse_percent(const json& body, std::string_view field, int max_percent) {
  auto it = body.find(field);
  if (it == body.end()) return std::unexpected(bad(field, "is required"));
  // A percentage has the shape of a price: 4 decimals, positive; × 10^4 is its millionths.
  auto v = parse_order_price(*it, field);
  if (!v || *v > static_cast<std::int64_t>(max_percent) * market::price_scale)
    return std::unexpected(
        bad(field, fmt::format("must be a percentage above 0, at most {}", max_percent)));
  return *v;
}

result<std::optional<std::int64_t>> parse_optional_qty(const json& body) {
  auto it = body.find("qty");
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>{};
  auto q = parse_quantity(*it, "qty");
  if (!q) return std::unexpected(q.error());
  return std::optional<std::int64_t>{*q};
}

// The one threshold a position rule has now: a fixed price, or the percentage of the average
// cost (none without shares).
std::optional<price_e4> position_threshold(const spec& s, const tick_view& t) {
  if (s.price) return s.price;
  if (!s.percent_ppm || t.held_qty <= 0 || t.held_cost <= 0) return std::nullopt;
  const price_e4 cost = t.held_cost / t.held_qty;
  return moved_by(cost, s.what == kind::stop_loss ? -*s.percent_ppm : *s.percent_ppm);
}

bool crossed_up(price_e4 previous, price_e4 price, price_e4 at) {
  return previous > 0 && previous < at && price >= at;
}
bool crossed_down(price_e4 previous, price_e4 price, price_e4 at) {
  return previous > 0 && previous > at && price <= at;
}

firing sell_of(const spec& s, const tick_view& t) {
  firing f{firing::action::sell, 0, t.price, {}};
  if (t.held_qty <= 0) {
    f.reason = "no shares held";
    return f;
  }
  f.qty = s.qty ? std::min(*s.qty, t.held_qty) : t.held_qty;
  return f;
}

}  // namespace

std::string_view kind_name(kind k) noexcept {
  for (const auto& [x, name] : kinds)
    if (x == k) return name;
  return "price_alert";
}

std::optional<kind> parse_kind(std::string_view text) noexcept {
  for (const auto& [x, name] : kinds)
    if (name == text) return x;
  return std::nullopt;
}

std::string_view action_name(firing::action a) noexcept {
  switch (a) {
    case firing::action::buy:
      return "buy";
    case firing::action::sell:
      return "sell";
    case firing::action::alert:
      break;
  }
  return "alert";
}

price_e4 moved_by(price_e4 base, std::int64_t ppm) noexcept {
  const __int128 scaled = static_cast<__int128>(base) * (million + ppm);
  return static_cast<price_e4>((scaled + million / 2) / million);
}

result<spec> parse_spec(kind k, const std::string& symbol, const json& body, price_e4 price_now) {
  if (!body.is_object()) return std::unexpected(error{errc::bad_request, "expected an object"});
  spec s;
  s.what = k;
  s.symbol = symbol;
  switch (k) {
    case kind::price_alert: {
      const auto when = body.value("condition", json()).is_string()
                            ? body["condition"].get<std::string>()
                            : std::string();
      if (when == "above" || when == "below") {
        s.when = when == "above" ? condition::above : condition::below;
        auto p = parse_order_price(body.value("price", json()), "price");
        if (!p) return std::unexpected(p.error());
        s.price = *p;
      } else if (when == "move") {
        s.when = condition::move;
        auto pct = parse_percent(body, "percent", 1000);
        if (!pct) return std::unexpected(pct.error());
        s.percent_ppm = *pct;
        if (price_now <= 0) return std::unexpected(bad("symbol", "has no price yet to move from"));
        s.reference = price_now;
      } else {
        return std::unexpected(bad("condition", "must be above, below or move"));
      }
      if (auto e = body.find("email"); e != body.end()) {
        if (!e->is_boolean()) return std::unexpected(bad("email", "must be true or false"));
        s.email = e->get<bool>();
      }
      break;
    }
    case kind::stop_loss:
    case kind::take_profit: {
      const bool has_price = body.contains("price"), has_percent = body.contains("percent");
      if (has_price == has_percent)
        return std::unexpected(bad("price", "or percent (from the average cost): one of them"));
      if (has_price) {
        auto p = parse_order_price(body["price"], "price");
        if (!p) return std::unexpected(p.error());
        // A stop above the price (a take-profit below it) has already crossed: it would never
        // fire, or fire at once, and neither is what its maker meant.
        if (price_now > 0 && (k == kind::stop_loss ? *p >= price_now : *p <= price_now))
          return std::unexpected(bad("price", k == kind::stop_loss
                                                  ? "must be below the price now"
                                                  : "must be above the price now"));
        s.price = *p;
      } else {
        auto pct = parse_percent(body, "percent", k == kind::stop_loss ? 99 : 1000);
        if (!pct) return std::unexpected(pct.error());
        s.percent_ppm = *pct;
      }
      auto q = parse_optional_qty(body);
      if (!q) return std::unexpected(q.error());
      s.qty = *q;
      break;
    }
    case kind::trailing_exit: {
      auto pct = parse_percent(body, "trail_percent", 99);
      if (!pct) return std::unexpected(pct.error());
      s.percent_ppm = *pct;
      auto q = parse_optional_qty(body);
      if (!q) return std::unexpected(q.error());
      s.qty = *q;
      break;
    }
    case kind::recurring_buy: {
      auto every = body.find("every_days");
      if (every == body.end() || !every->is_number_integer() || every->get<std::int64_t>() < 1 ||
          every->get<std::int64_t>() > 365)
        return std::unexpected(
            bad("every_days", "must be a whole number of market days, 1 to 365"));
      s.every_days = every->get<int>();
      auto amount = parse_order_price(body.value("amount", json()), "amount");
      if (!amount) return std::unexpected(amount.error());
      s.amount = *amount;
      break;
    }
  }
  return s;
}

json spec_json(const spec& s) {
  json j{{"symbol", s.symbol}};
  switch (s.what) {
    case kind::price_alert:
      j["condition"] = s.when == condition::above   ? "above"
                       : s.when == condition::below ? "below"
                                                    : "move";
      if (s.price) j["price"] = market::format_price(*s.price);
      if (s.percent_ppm) {
        j["percent"] = market::format_price(*s.percent_ppm);
        j["reference"] = market::format_price(s.reference);
      }
      j["email"] = s.email;
      break;
    case kind::stop_loss:
    case kind::take_profit:
      if (s.price) j["price"] = market::format_price(*s.price);
      if (s.percent_ppm) j["percent"] = market::format_price(*s.percent_ppm);
      j["qty"] = s.qty ? json(std::to_string(*s.qty)) : json(nullptr);
      break;
    case kind::trailing_exit:
      j["trail_percent"] = market::format_price(*s.percent_ppm);
      j["qty"] = s.qty ? json(std::to_string(*s.qty)) : json(nullptr);
      break;
    case kind::recurring_buy:
      j["every_days"] = s.every_days;
      j["amount"] = market::format_price(s.amount);
      break;
  }
  return j;
}

result<spec> spec_from_stored(kind k, const std::string& symbol, const json& params) {
  // Stored specs were checked when made; the reference is kept, not taken from the price now.
  price_e4 reference = 0;
  if (auto r = params.find("reference"); r != params.end() && r->is_string())
    reference = market::parse_price(r->get<std::string>()).value_or(0);
  // Only a `move` alert stores one; the others' checks against the price now are not redone.
  return parse_spec(k, symbol, params, reference);
}

json state_json(const state& s) {
  json j{{"firings", s.firings}};
  if (s.high_water) j["high_water"] = *s.high_water;
  if (s.last_day) j["last_day"] = *s.last_day;
  return j;
}

state state_from_stored(const json& stored) {
  state s;
  if (!stored.is_object()) return s;
  if (auto f = stored.find("firings"); f != stored.end() && f->is_number_integer())
    s.firings = f->get<std::int64_t>();
  if (auto h = stored.find("high_water"); h != stored.end() && h->is_number_integer())
    s.high_water = h->get<std::int64_t>();
  if (auto d = stored.find("last_day"); d != stored.end() && d->is_number_integer())
    s.last_day = d->get<std::int64_t>();
  return s;
}

std::vector<threshold> fixed_thresholds(const spec& s) {
  switch (s.what) {
    case kind::price_alert:
      if (s.when == condition::above) return {{*s.price, true}};
      if (s.when == condition::below) return {{*s.price, false}};
      return {{moved_by(s.reference, *s.percent_ppm), true},
              {moved_by(s.reference, -*s.percent_ppm), false}};
    case kind::stop_loss:
      if (s.price) return {{*s.price, false}};
      return {};
    case kind::take_profit:
      if (s.price) return {{*s.price, true}};
      return {};
    case kind::trailing_exit:
    case kind::recurring_buy:
      return {};
  }
  return {};
}

bool needs_every_step(const spec& s) noexcept {
  return s.what == kind::trailing_exit || s.what == kind::recurring_buy ||
         ((s.what == kind::stop_loss || s.what == kind::take_profit) && !s.price);
}

std::optional<firing> evaluate(const spec& s, state& st, const tick_view& t) {
  if (t.price <= 0) return std::nullopt;
  std::optional<firing> out;
  switch (s.what) {
    case kind::price_alert:
      for (const auto& th : fixed_thresholds(s))
        if (th.up ? crossed_up(t.previous, t.price, th.at)
                  : crossed_down(t.previous, t.price, th.at))
          out = firing{firing::action::alert, 0, t.price, {}};
      break;
    case kind::stop_loss:
    case kind::take_profit: {
      const auto at = position_threshold(s, t);
      if (!at) break;
      const bool crossed = s.what == kind::stop_loss ? crossed_down(t.previous, t.price, *at)
                                                     : crossed_up(t.previous, t.price, *at);
      if (crossed) out = sell_of(s, t);
      break;
    }
    case kind::trailing_exit: {
      // The mark starts at the first price seen and only rises; after a firing it starts again
      // from the price that fired it.
      if (!st.high_water || t.price > *st.high_water) st.high_water = t.price;
      const price_e4 at = moved_by(*st.high_water, -*s.percent_ppm);
      if (t.price <= at) {
        out = sell_of(s, t);
        st.high_water = t.price;
      }
      break;
    }
    case kind::recurring_buy: {
      if (st.last_day && t.market_day - *st.last_day < s.every_days) break;
      st.last_day = t.market_day;
      firing f{firing::action::buy, s.amount / t.price, t.price, {}};
      if (f.qty == 0) f.reason = "the amount buys no whole share at this price";
      out = f;
      break;
    }
  }
  if (out) ++st.firings;
  return out;
}

std::string notice_of(const spec& s, const firing& f) {
  const auto now = market::format_price(f.price);
  switch (s.when) {
    case condition::above:
      return fmt::format("{} rose to {} or above: {} now", s.symbol, market::format_price(*s.price),
                         now);
    case condition::below:
      return fmt::format("{} fell to {} or below: {} now", s.symbol, market::format_price(*s.price),
                         now);
    case condition::move:
      break;
  }
  return fmt::format("{} moved {}% or more from {}: {} now", s.symbol,
                     market::format_price(s.percent_ppm.value_or(0)),
                     market::format_price(s.reference), now);
}

backtest_result backtest(const spec& s, const std::vector<market::tick>& ticks,
                         std::int64_t held_qty, money_e4 held_cost) {
  backtest_result out;
  state st;
  const std::int64_t start_qty = held_qty;
  price_e4 previous = 0;
  std::int64_t qty = held_qty;
  money_e4 cost = held_cost;
  for (const auto& t : ticks) {
    if (out.first_price == 0) out.first_price = t.price;
    out.last_price = t.price;
    tick_view view{previous, t.price, market::day_of_ms(t.ts_ms), qty, cost};
    previous = t.price;
    auto f = evaluate(s, st, view);
    if (!f) continue;
    if (f->act == firing::action::buy && f->qty > 0) {
      qty += f->qty;
      cost += f->qty * f->price;
      out.cash -= f->qty * f->price;
    } else if (f->act == firing::action::sell && f->qty > 0) {
      cost -= qty > 0 ? cost / qty * f->qty : 0;
      qty -= f->qty;
      out.cash += f->qty * f->price;
    }
    out.firings.push_back({t.ts_ms, *f});
  }
  out.end_qty = qty;
  out.pnl = out.cash + (qty - start_qty) * out.last_price;
  return out;
}

void rule_index::add(std::int64_t id, const spec& s) {
  auto& at = symbols_[s.symbol];
  if (needs_every_step(s)) at.every_step.push_back(id);
  for (const auto& th : fixed_thresholds(s)) (th.up ? at.up : at.down).emplace(th.at, id);
}

void rule_index::clear() {
  symbols_.clear();
}

std::vector<std::int64_t> rule_index::candidates(const std::string& symbol, price_e4 previous,
                                                 price_e4 price) const {
  std::vector<std::int64_t> out;
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) return out;
  const auto& at = it->second;
  out = at.every_step;
  if (previous > 0 && price > previous) {
    // previous < t <= price
    for (auto i = at.up.upper_bound(previous); i != at.up.end() && i->first <= price; ++i)
      out.push_back(i->second);
  } else if (previous > 0 && price < previous) {
    // price <= t < previous
    for (auto i = at.down.lower_bound(price); i != at.down.end() && i->first < previous; ++i)
      out.push_back(i->second);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace marketsim::trading::rules
