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

constexpr std::array<std::pair<kind, std::string_view>, 7> kinds{{
    {kind::price_alert, "price_alert"},
    {kind::stop_loss, "stop_loss"},
    {kind::take_profit, "take_profit"},
    {kind::trailing_exit, "trailing_exit"},
    {kind::recurring_buy, "recurring_buy"},
    {kind::rebalance, "rebalance"},
    {kind::condition, "condition"},
}};

constexpr std::array<std::pair<trigger, std::string_view>, 6> triggers{{
    {trigger::price_above, "price_above"},
    {trigger::price_below, "price_below"},
    {trigger::change_up, "change_up"},
    {trigger::change_down, "change_down"},
    {trigger::ma_cross_above, "ma_cross_above"},
    {trigger::ma_cross_below, "ma_cross_below"},
}};

constexpr int max_targets = 10;
constexpr std::int64_t max_cooldown_minutes = 525'600;  // a year

constexpr std::int64_t million = 1'000'000;

error bad(std::string_view field, std::string_view what) {
  return error{errc::bad_request, fmt::format("{} {}", field, what)};
}

// A percentage as a decimal string or number: "5" or "2.5" (at most 4 decimals), in
// millionths (5% = 50,000), within (0, max_percent].
result<std::int64_t> percent_value(const json& value, std::string_view field, int max_percent) {
  // A percentage has the shape of a price: 4 decimals, positive; × 10^4 is its millionths.
  auto v = parse_order_price(value, field);
  if (!v || *v > static_cast<std::int64_t>(max_percent) * market::price_scale)
    return std::unexpected(
        bad(field, fmt::format("must be a percentage above 0, at most {}", max_percent)));
  return *v;
}

result<std::int64_t> parse_percent(const json& body, std::string_view field, int max_percent) {
  auto it = body.find(field);
  if (it == body.end()) return std::unexpected(bad(field, "is required"));
  return percent_value(*it, field, max_percent);
}

// A whole number in [low, high], or nullopt when absent (or null).
result<std::optional<std::int64_t>> optional_whole(const json& body, std::string_view field,
                                                   std::int64_t low, std::int64_t high,
                                                   std::string_view what) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_number_integer() || it->get<std::int64_t>() < low || it->get<std::int64_t>() > high)
    return std::unexpected(bad(field, fmt::format("must be {}, {} to {}", what, low, high)));
  return std::optional<std::int64_t>{it->get<std::int64_t>()};
}

std::string text_of(const json& body, std::string_view field) {
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
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
  firing f{firing::action::sell, 0, t.price, {}, s.symbol, {}};
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

std::string_view trigger_name(trigger t) noexcept {
  for (const auto& [x, name] : triggers)
    if (x == t) return name;
  return "price_above";
}

std::string_view action_name(firing::action a) noexcept {
  switch (a) {
    case firing::action::buy:
      return "buy";
    case firing::action::sell:
      return "sell";
    case firing::action::none:
      return "none";
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
      auto every = optional_whole(body, "every_days", 1, 365, "a whole number of market days");
      if (!every) return std::unexpected(every.error());
      if (!*every) return std::unexpected(bad("every_days", "is required"));
      s.every_days = static_cast<int>(**every);
      auto amount = parse_order_price(body.value("amount", json()), "amount");
      if (!amount) return std::unexpected(amount.error());
      s.amount = *amount;
      break;
    }
    case kind::rebalance: {
      auto t = body.find("targets");
      if (t == body.end() || !t->is_object() || t->empty() ||
          t->size() > static_cast<std::size_t>(max_targets))
        return std::unexpected(
            bad("targets",
                fmt::format("must give 1 to {} symbols with their percentages", max_targets)));
      std::int64_t sum = 0;
      for (const auto& [symbol, weight] : t->items()) {  // in the symbols' order
        if (symbol.empty() || symbol.size() > 16)
          return std::unexpected(bad("targets", "must be keyed by symbols"));
        auto w = percent_value(weight, fmt::format("targets.{}", symbol), 100);
        if (!w) return std::unexpected(w.error());
        sum += *w;
        s.targets.push_back({symbol, *w});
      }
      if (sum > million) return std::unexpected(bad("targets", "must add up to 100% at most"));
      auto every = optional_whole(body, "every_days", 1, 365, "a whole number of market days");
      if (!every) return std::unexpected(every.error());
      s.every_days = static_cast<int>(every->value_or(0));
      if (auto d = body.find("drift_percent"); d != body.end() && !d->is_null()) {
        auto drift = percent_value(*d, "drift_percent", 100);
        if (!drift) return std::unexpected(drift.error());
        s.drift_ppm = *drift;
      }
      if (s.every_days == 0 && !s.drift_ppm)
        return std::unexpected(
            bad("every_days", "or drift_percent (or both): when to rebalance is required"));
      break;
    }
    case kind::condition: {
      const auto when = text_of(body, "when");
      auto on = std::find_if(triggers.begin(), triggers.end(),
                             [&](const auto& t) { return t.second == when; });
      if (on == triggers.end())
        return std::unexpected(bad("when",
                                   "must be price_above, price_below, change_up, change_down, "
                                   "ma_cross_above or ma_cross_below"));
      s.on = on->first;
      switch (s.on) {
        case trigger::price_above:
        case trigger::price_below: {
          auto p = parse_order_price(body.value("price", json()), "price");
          if (!p) return std::unexpected(p.error());
          s.price = *p;
          break;
        }
        case trigger::change_up:
        case trigger::change_down: {
          auto pct = parse_percent(body, "percent", 100);
          if (!pct) return std::unexpected(pct.error());
          s.percent_ppm = *pct;
          break;
        }
        case trigger::ma_cross_above:
        case trigger::ma_cross_below: {
          auto days = optional_whole(body, "ma_days", 2, 200, "a whole number of market days");
          if (!days) return std::unexpected(days.error());
          if (!*days) return std::unexpected(bad("ma_days", "is required"));
          s.ma_days = static_cast<int>(**days);
          break;
        }
      }
      const auto side = text_of(body, "side");
      if (side != "buy" && side != "sell")
        return std::unexpected(bad("side", "must be buy or sell"));
      s.buy = side == "buy";
      const bool has_qty = body.contains("qty") && !body["qty"].is_null();
      const bool has_amount = body.contains("amount") && !body["amount"].is_null();
      if (has_qty == has_amount)
        return std::unexpected(bad("qty", "or amount (dollars): one of them"));
      if (has_qty) {
        auto q = parse_quantity(body["qty"], "qty");
        if (!q) return std::unexpected(q.error());
        s.qty = *q;
      } else {
        auto amount = parse_order_price(body["amount"], "amount");
        if (!amount) return std::unexpected(amount.error());
        s.amount = *amount;
      }
      const auto type = body.contains("order_type") && !body["order_type"].is_null()
                            ? text_of(body, "order_type")
                            : std::string("market");
      if (type != "market" && type != "limit")
        return std::unexpected(bad("order_type", "must be market or limit"));
      s.limit = type == "limit";
      if (auto l = body.find("limit_price"); l != body.end() && !l->is_null()) {
        if (!s.limit) return std::unexpected(bad("limit_price", "is for a limit order only"));
        auto p = parse_order_price(*l, "limit_price");
        if (!p) return std::unexpected(p.error());
        s.limit_price = *p;
      }
      auto cooldown =
          optional_whole(body, "cooldown_minutes", 0, max_cooldown_minutes, "whole minutes");
      if (!cooldown) return std::unexpected(cooldown.error());
      s.cooldown_minutes = cooldown->value_or(0);
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
    case kind::rebalance: {
      json targets = json::object();
      for (const auto& t : s.targets) targets[t.symbol] = market::format_price(t.weight_ppm);
      j["targets"] = std::move(targets);
      j["every_days"] = s.every_days ? json(s.every_days) : json(nullptr);
      j["drift_percent"] = s.drift_ppm ? json(market::format_price(*s.drift_ppm)) : json(nullptr);
      break;
    }
    case kind::condition:
      j["when"] = trigger_name(s.on);
      if (s.price) j["price"] = market::format_price(*s.price);
      if (s.percent_ppm) j["percent"] = market::format_price(*s.percent_ppm);
      if (s.ma_days) j["ma_days"] = s.ma_days;
      j["side"] = s.buy ? "buy" : "sell";
      j["qty"] = s.qty ? json(std::to_string(*s.qty)) : json(nullptr);
      j["amount"] = s.qty ? json(nullptr) : json(market::format_price(s.amount));
      j["order_type"] = s.limit ? "limit" : "market";
      j["limit_price"] = s.limit_price ? json(market::format_price(*s.limit_price)) : json(nullptr);
      j["cooldown_minutes"] = s.cooldown_minutes;
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
  if (s.since_ms) j["since_ms"] = *s.since_ms;
  if (s.over) j["over"] = true;
  if (s.last_fired_ms) j["last_fired_ms"] = *s.last_fired_ms;
  if (s.day) {
    j["day"] = *s.day;
    j["day_last"] = s.day_last;
    j["closes"] = s.closes;
  }
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
  if (auto v = stored.find("since_ms"); v != stored.end() && v->is_number_integer())
    s.since_ms = v->get<std::int64_t>();
  s.over = stored.value("over", json(false)).is_boolean() && stored.value("over", false);
  if (auto v = stored.find("last_fired_ms"); v != stored.end() && v->is_number_integer())
    s.last_fired_ms = v->get<std::int64_t>();
  if (auto v = stored.find("day"); v != stored.end() && v->is_number_integer()) {
    s.day = v->get<std::int64_t>();
    if (auto l = stored.find("day_last"); l != stored.end() && l->is_number_integer())
      s.day_last = l->get<std::int64_t>();
    if (auto c = stored.find("closes"); c != stored.end() && c->is_array())
      for (const auto& x : *c)
        if (x.is_number_integer()) s.closes.push_back(x.get<std::int64_t>());
  }
  return s;
}

std::vector<std::string> symbols_of(const spec& s) {
  if (s.what != kind::rebalance) return {s.symbol};
  std::vector<std::string> out;
  for (const auto& t : s.targets) out.push_back(t.symbol);
  return out;
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
    case kind::condition:
      if (s.on == trigger::price_above) return {{*s.price, true}};
      if (s.on == trigger::price_below) return {{*s.price, false}};
      return {};
    case kind::trailing_exit:
    case kind::recurring_buy:
    case kind::rebalance:
      return {};
  }
  return {};
}

bool needs_every_step(const spec& s) noexcept {
  switch (s.what) {
    case kind::trailing_exit:
    case kind::recurring_buy:
    case kind::rebalance:
      return true;
    case kind::stop_loss:
    case kind::take_profit:
      return !s.price;
    case kind::condition:
      return s.on != trigger::price_above && s.on != trigger::price_below;
    case kind::price_alert:
      break;
  }
  return false;
}

namespace {

// A condition's level now (none: not known yet) and whether it fires rising to it.
std::optional<threshold> condition_level(const spec& s, const state& st) {
  switch (s.on) {
    case trigger::price_above:
      return threshold{*s.price, true};
    case trigger::price_below:
      return threshold{*s.price, false};
    case trigger::change_up:
    case trigger::change_down:
      if (st.closes.empty()) return std::nullopt;
      return threshold{
          moved_by(st.closes.back(), s.on == trigger::change_up ? *s.percent_ppm : -*s.percent_ppm),
          s.on == trigger::change_up};
    case trigger::ma_cross_above:
    case trigger::ma_cross_below: {
      if (st.closes.size() < static_cast<std::size_t>(s.ma_days)) return std::nullopt;
      std::int64_t sum = 0;
      for (auto c : st.closes) sum += c;
      const auto n = static_cast<std::int64_t>(st.closes.size());
      return threshold{(sum + n / 2) / n, s.on == trigger::ma_cross_above};
    }
  }
  return std::nullopt;
}

// The market days' last prices a change or an average needs: the first step of a new day
// closes the day before.
void roll_day(const spec& s, state& st, const tick_view& t) {
  if (s.on == trigger::price_above || s.on == trigger::price_below) return;
  const std::size_t keep =
      s.on == trigger::change_up || s.on == trigger::change_down ? 1 : s.ma_days;
  if (st.day && t.market_day != *st.day) {
    st.closes.push_back(st.day_last);
    if (st.closes.size() > keep)
      st.closes.erase(st.closes.begin(),
                      st.closes.begin() + static_cast<std::ptrdiff_t>(st.closes.size() - keep));
  }
  st.day = t.market_day;
  st.day_last = t.price;
}

std::optional<firing> condition_firing(const spec& s, state& st, const tick_view& t) {
  roll_day(s, st, t);
  const auto level = condition_level(s, st);
  if (!level) return std::nullopt;
  const bool crossed = level->up ? crossed_up(t.previous, t.price, level->at)
                                 : crossed_down(t.previous, t.price, level->at);
  if (!crossed) return std::nullopt;
  // A crossing within the cooldown is let pass, not saved for later.
  if (st.last_fired_ms && s.cooldown_minutes > 0 &&
      t.time_ms - *st.last_fired_ms < s.cooldown_minutes * 60'000)
    return std::nullopt;
  st.last_fired_ms = t.time_ms;
  firing f{s.buy ? firing::action::buy : firing::action::sell, 0, t.price, {}, s.symbol, {}};
  if (s.limit) f.limit = s.limit_price.value_or(t.price);
  const price_e4 at = f.limit.value_or(t.price);
  const std::int64_t want = s.qty ? *s.qty : s.amount / at;
  if (want == 0) {
    f.reason = "the amount buys no whole share at this price";
    if (!s.buy) f.reason = "the amount sells no whole share at this price";
    return f;
  }
  if (s.buy) {
    f.qty = want;
  } else if (t.held_qty <= 0) {
    f.reason = "no shares held";
  } else {
    f.qty = std::min(want, t.held_qty);
  }
  return f;
}

std::vector<firing> rebalance_firings(const spec& s, state& st, const tick_view& t) {
  if (!t.portfolio) return {};
  const book& b = *t.portfolio;
  struct leg {
    const target* to;
    price_e4 price;
    std::int64_t held;
    __int128 off;  // the target's value minus the value held
  };
  std::vector<leg> legs;
  __int128 equity = b.cash;
  for (const auto& to : s.targets) {
    price_e4 price = 0;
    if (to.symbol == t.symbol) {
      price = t.price;
    } else if (auto p = b.prices.find(to.symbol); p != b.prices.end()) {
      price = p->second;
    }
    if (price <= 0) return {};  // a target not priced yet: nothing is known to be off
    auto h = b.held.find(to.symbol);
    const std::int64_t held = h != b.held.end() ? h->second : 0;
    legs.push_back({&to, price, held, 0});
    equity += static_cast<__int128>(held) * price;
  }
  if (equity <= 0) return {};
  __int128 drift = 0;  // the largest gap between a weight and its target, in millionths
  for (auto& l : legs) {
    const __int128 value = static_cast<__int128>(l.held) * l.price;
    l.off = equity * l.to->weight_ppm / million - value;
    const __int128 weight = value * million / equity;
    drift = std::max(
        drift, weight > l.to->weight_ppm ? weight - l.to->weight_ppm : l.to->weight_ppm - weight);
  }
  const bool beyond = s.drift_ppm && drift > *s.drift_ppm;
  const bool drifted = beyond && !st.over;
  st.over = beyond;
  const bool due =
      s.every_days > 0 && (!st.last_day || t.market_day - *st.last_day >= s.every_days);
  if (!due && !drifted) return {};
  if (due) st.last_day = t.market_day;
  std::vector<firing> out;
  // Sells first: their cash pays for the buys.
  __int128 cash = b.cash;
  for (const auto& l : legs) {
    if (l.off >= 0) continue;
    const auto qty = std::min<std::int64_t>(static_cast<std::int64_t>(-l.off / l.price), l.held);
    if (qty <= 0) continue;
    out.push_back({firing::action::sell, qty, l.price, {}, l.to->symbol, {}});
    cash += static_cast<__int128>(qty) * std::max<price_e4>(l.price - b.half_spread, 0);
  }
  // Then buys, the furthest below target first, as far as the cash goes.
  std::stable_sort(legs.begin(), legs.end(),
                   [](const leg& x, const leg& y) { return x.off > y.off; });
  for (const auto& l : legs) {
    if (l.off <= 0) continue;
    const price_e4 ask = l.price + b.half_spread;
    const auto qty = static_cast<std::int64_t>(std::min(l.off, cash) / ask);
    if (qty <= 0) continue;
    out.push_back({firing::action::buy, qty, l.price, {}, l.to->symbol, {}});
    cash -= static_cast<__int128>(qty) * ask;
  }
  if (out.empty())
    out.push_back({firing::action::none,
                   0,
                   t.price,
                   "every weight is within a share of its target",
                   std::string(t.symbol),
                   {}});
  return out;
}

}  // namespace

std::vector<firing> evaluate(const spec& s, state& st, const tick_view& t) {
  std::vector<firing> out;
  if (t.price <= 0) return out;
  if (!st.since_ms && t.time_ms) st.since_ms = t.time_ms;
  switch (s.what) {
    case kind::price_alert:
      for (const auto& th : fixed_thresholds(s))
        if (th.up ? crossed_up(t.previous, t.price, th.at)
                  : crossed_down(t.previous, t.price, th.at)) {
          out.push_back(firing{firing::action::alert, 0, t.price, {}, s.symbol, {}});
          break;
        }
      break;
    case kind::stop_loss:
    case kind::take_profit: {
      const auto at = position_threshold(s, t);
      if (!at) break;
      const bool crossed = s.what == kind::stop_loss ? crossed_down(t.previous, t.price, *at)
                                                     : crossed_up(t.previous, t.price, *at);
      if (crossed) out.push_back(sell_of(s, t));
      break;
    }
    case kind::trailing_exit: {
      // The mark starts at the first price seen and only rises; after a firing it starts again
      // from the price that fired it.
      if (!st.high_water || t.price > *st.high_water) st.high_water = t.price;
      const price_e4 at = moved_by(*st.high_water, -*s.percent_ppm);
      if (t.price <= at) {
        out.push_back(sell_of(s, t));
        st.high_water = t.price;
      }
      break;
    }
    case kind::recurring_buy: {
      if (st.last_day && t.market_day - *st.last_day < s.every_days) break;
      st.last_day = t.market_day;
      firing f{firing::action::buy, s.amount / t.price, t.price, {}, s.symbol, {}};
      if (f.qty == 0) f.reason = "the amount buys no whole share at this price";
      out.push_back(f);
      break;
    }
    case kind::rebalance:
      out = rebalance_firings(s, st, t);
      break;
    case kind::condition:
      if (auto f = condition_firing(s, st, t)) out.push_back(std::move(*f));
      break;
  }
  st.firings += static_cast<std::int64_t>(out.size());
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
                         const backtest_start& start) {
  backtest_result out;
  state st;
  book b;
  b.cash = start.cash;
  b.prices.insert(start.before.begin(), start.before.end());
  auto held = start.held;
  for (const auto& [symbol, p] : held) b.held[symbol] = p.qty;
  money_e4 moved = 0;  // sold minus bought
  for (const auto& t : ticks) {
    auto& last = b.prices[t.symbol];
    const price_e4 previous = last;
    last = t.price;
    if (t.symbol == s.symbol) {
      if (out.first_price == 0) out.first_price = t.price;
      out.last_price = t.price;
    }
    const auto& here = held[t.symbol];
    const tick_view view{
        previous, t.price, market::day_of_ms(t.ts_ms), here.qty, here.cost, t.ts_ms, t.symbol, &b};
    for (auto& f : evaluate(s, st, view)) {
      auto& pos = held[f.symbol];
      const money_e4 value = f.qty * f.price;
      if (f.act == firing::action::buy && f.qty > 0) {
        pos.qty += f.qty;
        pos.cost += value;
        moved -= value;
      } else if (f.act == firing::action::sell && f.qty > 0) {
        pos.cost -= pos.qty > 0 ? pos.cost / pos.qty * f.qty : 0;
        pos.qty -= f.qty;
        moved += value;
      }
      b.held[f.symbol] = pos.qty;
      b.cash = start.cash + moved;
      out.firings.push_back({t.ts_ms, std::move(f)});
    }
  }
  out.end_qty = held[s.symbol].qty;
  out.cash = moved;
  out.pnl = moved;
  for (const auto& [symbol, pos] : held) {
    auto was = start.held.find(symbol);
    const std::int64_t before = was != start.held.end() ? was->second.qty : 0;
    auto p = b.prices.find(symbol);
    if (p != b.prices.end()) out.pnl += (pos.qty - before) * p->second;
  }
  return out;
}

void rule_index::add(std::int64_t id, const spec& s) {
  if (needs_every_step(s))
    for (const auto& symbol : symbols_of(s)) symbols_[symbol].every_step.push_back(id);
  auto& at = symbols_[s.symbol];
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
