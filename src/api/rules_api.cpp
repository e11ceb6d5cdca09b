// Trading actions (issue 12): the signed-in player's rules. List, create, read, change, pause,
// resume and delete them, read each one's log of firings, and backtest a rule (saved or a
// draft) over the stored history (docs/api.md). The leader's engine (rules/rule_engine.hpp)
// picks changes up within a second. Handlers run on io threads; the database steps go through
// the pool, and the backtest's evaluation runs there too (it may walk many ticks).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/rules.hpp"
#include "marketsim/trading/rules.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace repo = db::rules_repo;
namespace rules = trading::rules;

namespace {

constexpr std::string_view no_rule = "rule not found";
// A backtest walks at most this many stored ticks: a longer window is refused, not cut short.
constexpr int max_backtest_ticks = 200'000;
constexpr int default_firings = 50;
constexpr int max_firings = 500;
constexpr std::size_t max_chart_points = 500;

// The definition's fields, beside name, kind, symbol and enabled (the bodies' lists of keys
// below name them too).
const std::vector<std::string_view> definition_fields{
    "condition",  "price",      "percent",     "email",           "qty",  "trail_percent",
    "every_days", "amount",     "targets",     "drift_percent",   "when", "ma_days",
    "side",       "order_type", "limit_price", "cooldown_minutes"};

json time_or_null_of(std::int64_t ms) {
  return ms ? json(format_time(ms)) : json(nullptr);
}

json rule_json(const repo::rule_row& r) {
  json definition = r.params;
  const auto state = rules::state_from_stored(r.state);
  json thresholds = json::array();
  if (auto spec = rules::spec_from_stored(r.what, r.symbol, r.params)) {
    definition = rules::spec_json(*spec);
    for (const auto& th : rules::fixed_thresholds(*spec))
      thresholds.push_back(
          {{"price", market::format_price(th.at)}, {"direction", th.up ? "up" : "down"}});
  }
  return {{"id", std::to_string(r.id)},
          {"name", r.name},
          {"kind", rules::kind_name(r.what)},
          {"symbol", r.symbol},
          {"enabled", r.enabled},
          {"definition", std::move(definition)},
          {"thresholds", std::move(thresholds)},
          {"firings", state.firings},
          {"high_water",
           state.high_water ? json(market::format_price(*state.high_water)) : json(nullptr)},
          {"watching_since", time_or_null_of(state.since_ms.value_or(0))},
          {"created_at", format_time(r.created_ms)},
          {"updated_at", format_time(r.updated_ms)},
          {"last_fired_at", time_or_null_of(r.last_fired_ms)},
          {"last_outcome", r.last_outcome.empty() ? json(nullptr) : json(r.last_outcome)}};
}

json firing_json(const repo::firing_row& f) {
  return {{"id", std::to_string(f.id)},
          {"seq", f.seq},
          {"at", format_time(f.at_ms)},
          {"market_at", time_or_null_of(f.market_ms)},
          {"price", market::format_price(f.price)},
          {"action", f.action},
          {"symbol", f.symbol},
          {"qty", f.qty ? json(std::to_string(f.qty)) : json(nullptr)},
          {"limit_price", f.limit ? json(market::format_price(f.limit)) : json(nullptr)},
          {"client_order_id", f.client_order_id.empty() ? json(nullptr) : json(f.client_order_id)},
          {"outcome", f.outcome},
          {"order_id", f.order_id.empty() ? json(nullptr) : json(f.order_id)},
          {"reason", f.reason.empty() ? json(nullptr) : json(f.reason)}};
}

result<std::int64_t> rule_id_of(const request_context& ctx) {
  auto id = parse_int_param(ctx.params.at("id"), 1, std::numeric_limits<std::int64_t>::max());
  if (!id) return fail(errc::not_found, std::string(no_rule));
  return *id;
}

// A definition from a body: its kind, its symbol (known, upper-cased) and its fields, checked
// against the symbol's price now.
struct definition {
  rules::kind what = rules::kind::price_alert;
  rules::spec spec;
};
// `against_now`: a stop-loss must be below the price now, a take-profit above it; a backtest's
// draft is checked against its window's prices instead (it may sit anywhere now).
result<definition> definition_of(const trading_services& s, const json& body,
                                 bool against_now = true) {
  auto kind_text = required_string(body, "kind");
  if (!kind_text) return std::unexpected(kind_text.error());
  auto k = rules::parse_kind(*kind_text);
  if (!k)
    return fail(errc::bad_request,
                "kind must be price_alert, stop_loss, take_profit, trailing_exit, "
                "recurring_buy, rebalance or condition");
  auto tradable = [&](const std::string& symbol) {
    auto q = s.quotes.find(symbol);
    return q && q->info.kind != market::instrument_kind::index ? q : std::nullopt;
  };
  if (*k == rules::kind::rebalance) {
    // The targets' symbols, upper-cased and each a tradable stock; the rule's symbol is the
    // first of them.
    auto t = body.find("targets");
    if (t == body.end() || !t->is_object() || t->empty())
      return fail(errc::bad_request, "targets must give symbols with their percentages");
    json fields = body;
    json targets = json::object();
    for (const auto& [symbol, weight] : t->items()) {
      const auto sym = upper_ascii(symbol);
      if (sym.size() > 16 || !tradable(sym))
        return fail(errc::bad_request, fmt::format("targets.{} must be a tradable stock", symbol));
      if (targets.contains(sym))
        return fail(errc::bad_request, fmt::format("targets names {} twice", sym));
      targets[sym] = weight;
    }
    fields["targets"] = std::move(targets);
    const auto first = fields["targets"].begin().key();
    auto spec = rules::parse_spec(*k, first, fields, 0);
    if (!spec) return std::unexpected(spec.error());
    return definition{*k, std::move(*spec)};
  }
  auto symbol = required_string(body, "symbol");
  if (!symbol) return std::unexpected(symbol.error());
  const auto sym = upper_ascii(*symbol);
  auto q = tradable(sym);
  if (!q) return fail(errc::bad_request, "symbol must be a tradable stock");
  auto spec = rules::parse_spec(
      *k, sym, body, against_now || *k == rules::kind::price_alert ? q->price.value_or(0) : 0);
  if (!spec) return std::unexpected(spec.error());
  return definition{*k, std::move(*spec)};
}

result<std::string> name_of(const json& body) {
  auto name = required_string(body, "name");
  if (!name || name->empty() || name->size() > 80)
    return fail(errc::bad_request, "name must be 1 to 80 characters");
  return *name;
}

struct new_rule {
  std::string name;
  definition def;
};
result<new_rule> new_rule_of(const trading_services& s, const request_context& ctx) {
  auto body =
      object_body(ctx, {"name", "kind", "symbol", "condition", "price", "percent", "email", "qty",
                        "trail_percent", "every_days", "amount", "targets", "drift_percent", "when",
                        "ma_days", "side", "order_type", "limit_price", "cooldown_minutes"});
  if (!body) return std::unexpected(body.error());
  auto name = name_of(*body);
  if (!name) return std::unexpected(name.error());
  auto def = definition_of(s, *body);
  if (!def) return std::unexpected(def.error());
  return new_rule{*name, std::move(*def)};
}

asio::awaitable<outcome> create_rule_of(const trading_services& s, const request_context&,
                                        db::trading_repo::player who, const new_rule& r) {
  const auto params = rules::spec_json(r.def.spec);
  const int cap = s.cfg.max_rules;
  auto made = co_await run(s.pool, [&](db::connection& c) {
    return repo::create_rule(c, who, r.name, r.def.what, r.def.spec.symbol, params, cap);
  });
  if (!made) co_return std::unexpected(made.error());
  co_return http::json_response(201, rule_json(*made));
}

asio::awaitable<outcome> list_rules(const trading_services& s, const request_context&,
                                    db::trading_repo::player who) {
  auto rows =
      co_await run(s.pool, [&](db::connection& c) { return repo::list_rules(c, who.user_id); });
  if (!rows) co_return std::unexpected(rows.error());
  co_return http::json_response(200, {{"rules", array_of(*rows, rule_json)}});
}

asio::awaitable<outcome> show_rule(const trading_services& s, const request_context& ctx,
                                   db::trading_repo::player who) {
  auto id = rule_id_of(ctx);
  if (!id) co_return std::unexpected(id.error());
  auto row = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(repo::find_rule(c, who.user_id, *id), errc::not_found, no_rule);
  });
  if (!row) co_return std::unexpected(row.error());
  co_return http::json_response(200, rule_json(*row));
}

// PATCH: a new name, enabled, or definition fields. Fields given replace the stored ones and
// the whole is checked again as a new rule's would be; a new definition starts the evaluation
// afresh (its firing count goes on, so client_order_ids are never reused).
struct rule_change {
  std::optional<std::string> name;
  std::optional<bool> enabled;
  json fields;  // definition fields given
};
result<rule_change> rule_change_of(const trading_services&, const request_context& ctx) {
  auto body =
      object_body(ctx, {"name", "enabled", "condition", "price", "percent", "email", "qty",
                        "trail_percent", "every_days", "amount", "targets", "drift_percent", "when",
                        "ma_days", "side", "order_type", "limit_price", "cooldown_minutes"});
  if (!body) return std::unexpected(body.error());
  rule_change out;
  if (body->contains("name")) {
    auto name = name_of(*body);
    if (!name) return std::unexpected(name.error());
    out.name = *name;
  }
  if (auto e = body->find("enabled"); e != body->end()) {
    if (!e->is_boolean()) return fail(errc::bad_request, "enabled must be true or false");
    out.enabled = e->get<bool>();
  }
  out.fields = json::object();
  for (auto f : definition_fields)
    if (auto it = body->find(f); it != body->end()) out.fields[std::string(f)] = *it;
  return out;
}

asio::awaitable<outcome> change_rule(const trading_services& s, const request_context& ctx,
                                     db::trading_repo::player who, const rule_change& ch) {
  auto id = rule_id_of(ctx);
  if (!id) co_return std::unexpected(id.error());
  std::optional<json> params;
  if (!ch.fields.empty()) {
    auto row = co_await run(s.pool, [&](db::connection& c) {
      return or_fail(repo::find_rule(c, who.user_id, *id), errc::not_found, no_rule);
    });
    if (!row) co_return std::unexpected(row.error());
    json merged = row->params;
    merged.erase("reference");  // a `move` alert moves from the price when it is changed
    // A field switching between alternatives replaces the others: price or percent (or a
    // condition's average), qty or amount; a new `when` takes its own level; a market order
    // has no limit.
    const auto given = [&](const char* f) { return ch.fields.contains(f); };
    if (given("when")) {
      merged.erase("price");
      merged.erase("percent");
      merged.erase("ma_days");
    }
    if (given("price")) merged.erase("percent");
    if (given("percent")) merged.erase("price");
    if (row->what == rules::kind::condition) {
      if (given("qty")) merged.erase("amount");
      if (given("amount")) merged.erase("qty");
    }
    if (given("order_type") && ch.fields["order_type"] == "market") merged.erase("limit_price");
    for (const auto& [k, v] : ch.fields.items()) merged[k] = v;
    merged["kind"] = std::string(rules::kind_name(row->what));
    merged["symbol"] = row->symbol;
    auto def = definition_of(s, merged);
    if (!def) co_return std::unexpected(def.error());
    params = rules::spec_json(def->spec);
  }
  auto row = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(repo::update_rule(c, who.user_id, *id, ch.name, params, ch.enabled),
                   errc::not_found, no_rule);
  });
  if (!row) co_return std::unexpected(row.error());
  co_return http::json_response(200, rule_json(*row));
}

// POST /api/rules/{id}/pause and /resume.
auto switch_rule_to(bool enabled) {
  return [enabled](const trading_services& s, const request_context& ctx,
                   db::trading_repo::player who) -> asio::awaitable<outcome> {
    auto id = rule_id_of(ctx);
    if (!id) co_return std::unexpected(id.error());
    auto row = co_await run(s.pool, [&](db::connection& c) {
      return or_fail(repo::update_rule(c, who.user_id, *id, std::nullopt, std::nullopt, enabled),
                     errc::not_found, no_rule);
    });
    if (!row) co_return std::unexpected(row.error());
    co_return http::json_response(200, rule_json(*row));
  };
}

asio::awaitable<outcome> drop_rule(const trading_services& s, const request_context& ctx,
                                   db::trading_repo::player who) {
  auto id = rule_id_of(ctx);
  if (!id) co_return std::unexpected(id.error());
  auto gone = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(repo::delete_rule(c, who.user_id, *id), errc::not_found, no_rule);
  });
  if (!gone) co_return std::unexpected(gone.error());
  co_return no_content();
}

asio::awaitable<outcome> rule_firings(const trading_services& s, const request_context& ctx,
                                      db::trading_repo::player who) {
  auto id = rule_id_of(ctx);
  if (!id) co_return std::unexpected(id.error());
  int limit = default_firings;
  if (auto l = ctx.query_value("limit")) {
    auto n = parse_int_param(*l, 1, max_firings);
    if (!n) co_return fail(errc::bad_request, fmt::format("limit must be 1 to {}", max_firings));
    limit = static_cast<int>(*n);
  }
  std::optional<std::int64_t> before;
  if (auto b = ctx.query_value("before")) {
    auto n = parse_int_param(*b, 1, std::numeric_limits<std::int64_t>::max());
    if (!n) co_return fail(errc::bad_request, "before must be a firing's id");
    before = *n;
  }
  auto rows = co_await run(s.pool, [&](db::connection& c) -> result<std::vector<repo::firing_row>> {
    if (!repo::find_rule(c, who.user_id, *id)) return fail(errc::not_found, std::string(no_rule));
    return repo::list_firings(c, *id, before, limit);
  });
  if (!rows) co_return std::unexpected(rows.error());
  const bool more = static_cast<int>(rows->size()) == limit;
  co_return http::json_response(
      200, {{"firings", array_of(*rows, firing_json)},
            {"next_before", more ? json(std::to_string(rows->back().id)) : json(nullptr)}});
}

// POST /api/rules/backtest {"rule_id"} or {"rule": {kind, symbol, fields...}}, with "from" and
// "to" (market times; default: the last 30 market days to now), "qty" of the rule's symbol held
// at the start and "cash" (defaults: what the player holds now).
struct backtest_request {
  std::optional<std::int64_t> rule_id;
  std::optional<definition> draft;
  std::optional<std::int64_t> from_ms, to_ms;
  std::optional<std::int64_t> qty;
  std::optional<trading::money_e4> cash;
};
result<backtest_request> backtest_of(const trading_services& s, const request_context& ctx) {
  auto body = object_body(ctx, {"rule_id", "rule", "from", "to", "qty", "cash"});
  if (!body) return std::unexpected(body.error());
  backtest_request out;
  if (body->contains("rule_id") == body->contains("rule"))
    return fail(errc::bad_request, "give rule_id (a saved rule) or rule (a draft): one of them");
  if (auto it = body->find("rule_id"); it != body->end()) {
    auto id = it->is_string() ? parse_int_param(it->get<std::string>(), 1,
                                                std::numeric_limits<std::int64_t>::max())
                              : std::nullopt;
    if (!id) return fail(errc::bad_request, "rule_id must be a rule's id");
    out.rule_id = *id;
  } else {
    const auto& draft = (*body)["rule"];
    if (!draft.is_object()) return fail(errc::bad_request, "rule must be an object");
    for (const auto& [k, v] : draft.items())
      if (k != "kind" && k != "symbol" && k != "name" &&
          std::find(definition_fields.begin(), definition_fields.end(), k) ==
              definition_fields.end())
        return fail(errc::bad_request, fmt::format("rule has an unknown field {}", k));
    auto def = definition_of(s, draft, false);
    if (!def) return std::unexpected(def.error());
    out.draft = std::move(*def);
  }
  for (auto [key, slot] : {std::pair{"from", &out.from_ms}, std::pair{"to", &out.to_ms}})
    if (auto it = body->find(key); it != body->end()) {
      auto at = it->is_string() ? parse_time(it->get<std::string>()) : std::nullopt;
      if (!at) return fail(errc::bad_request, fmt::format("{} must be a time", key));
      *slot = *at;
    }
  if (auto it = body->find("qty"); it != body->end()) {
    if (it->is_string() && it->get<std::string>() == "0") {
      out.qty = 0;
    } else {
      auto q = trading::parse_quantity(*it, "qty");
      if (!q) return std::unexpected(q.error());
      out.qty = *q;
    }
  }
  if (auto it = body->find("cash"); it != body->end()) {
    auto c = it->is_string() ? market::parse_price(it->get<std::string>()) : std::nullopt;
    if (!c || *c < 0) return fail(errc::bad_request, "cash must be an amount of dollars");
    out.cash = *c;
  }
  return out;
}

asio::awaitable<outcome> run_backtest(const trading_services& s, const request_context&,
                                      db::trading_repo::player who, const backtest_request& b) {
  constexpr std::int64_t day_ms = 86'400'000;
  const std::int64_t now_ms = s.feed.market_time_ms();
  const std::int64_t to = b.to_ms.value_or(now_ms);
  const std::int64_t from = b.from_ms.value_or(to - 30 * day_ms);
  if (from >= to) co_return fail(errc::invalid_range, "from must be before to");
  // Taken before the walk and held to its end: a crowd of one player's backtests cannot all run.
  auto slot = s.backtests->enter(who.user_id);
  if (!slot)
    co_return fail(
        errc::too_many_requests,
        fmt::format("at most {} backtests at once: wait for one to finish", s.backtests->limit()));
  struct ran {
    rules::spec spec;
    rules::backtest_result result;
    std::int64_t start_qty = 0;
    bool too_long = false;
    std::vector<market::tick> chart;  // the window's prices, thinned for a chart
  };
  const auto draft = b.draft;
  const auto rule_id = b.rule_id;
  const auto qty = b.qty;
  const auto cash = b.cash;
  auto out = co_await run(s.pool, [&](db::connection& c) -> result<ran> {
    ran r;
    if (rule_id) {
      auto row = repo::find_rule(c, who.user_id, *rule_id);
      if (!row) return fail(errc::not_found, std::string(no_rule));
      auto spec = rules::spec_from_stored(row->what, row->symbol, row->params);
      if (!spec) return std::unexpected(spec.error());
      r.spec = std::move(*spec);
    } else {
      r.spec = draft->spec;
    }
    const auto symbols = rules::symbols_of(r.spec);
    rules::backtest_start start;
    for (const auto& h : repo::read_holdings(c, {who.account_id}))
      if (std::find(symbols.begin(), symbols.end(), h.symbol) != symbols.end())
        start.held[h.symbol] = {h.qty, h.cost};
    for (const auto& [account, free] : repo::read_cash(c, {who.account_id})) start.cash = free;
    if (cash) start.cash = *cash;
    auto ticks = repo::stored_ticks(c, symbols, from, to, max_backtest_ticks + 1);
    if (static_cast<int>(ticks.size()) > max_backtest_ticks) {
      r.too_long = true;
      return r;
    }
    for (auto& [symbol, price] : repo::prices_before(c, symbols, from))
      start.before[symbol] = price;
    auto& own = start.held[r.spec.symbol];
    if (qty) {
      // At the first tick's price when the shares are assumed rather than held.
      own.qty = *qty;
      auto first = std::find_if(ticks.begin(), ticks.end(),
                                [&](const market::tick& t) { return t.symbol == r.spec.symbol; });
      own.cost = first != ticks.end() ? *qty * first->price : 0;
    }
    r.start_qty = own.qty;
    r.result = rules::backtest(r.spec, ticks, start);
    std::erase_if(ticks, [&](const market::tick& t) { return t.symbol != r.spec.symbol; });
    // At most max_chart_points for the chart, every firing's tick among them.
    const std::size_t every = ticks.size() / max_chart_points + 1;
    std::size_t next_firing = 0;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      bool fired = false;
      while (next_firing < r.result.firings.size() &&
             r.result.firings[next_firing].time_ms <= ticks[i].ts_ms) {
        const auto& f = r.result.firings[next_firing];
        fired = fired || (f.time_ms == ticks[i].ts_ms && f.what.symbol == r.spec.symbol);
        ++next_firing;
      }
      if (fired || i % every == 0 || i + 1 == ticks.size()) r.chart.push_back(ticks[i]);
    }
    return r;
  });
  if (!out) co_return std::unexpected(out.error());
  if (out->too_long)
    co_return fail(errc::invalid_range,
                   fmt::format("the window holds more than {} stored ticks: choose a shorter one",
                               max_backtest_ticks));
  const auto& r = out->result;
  json trades = json::array();
  for (const auto& t : r.firings)
    trades.push_back(
        {{"market_at", format_time(t.time_ms)},
         {"price", market::format_price(t.what.price)},
         {"action", rules::action_name(t.what.act)},
         {"symbol", t.what.symbol},
         {"qty", t.what.qty ? json(std::to_string(t.what.qty)) : json(nullptr)},
         {"limit_price", t.what.limit ? json(market::format_price(*t.what.limit)) : json(nullptr)},
         {"reason", t.what.reason.empty() ? json(nullptr) : json(t.what.reason)}});
  json thresholds = json::array();
  for (const auto& th : rules::fixed_thresholds(out->spec))
    thresholds.push_back(
        {{"price", market::format_price(th.at)}, {"direction", th.up ? "up" : "down"}});
  co_return http::json_response(
      200,
      {{"symbol", out->spec.symbol},
       {"kind", rules::kind_name(out->spec.what)},
       {"definition", rules::spec_json(out->spec)},
       {"from", format_time(from)},
       {"to", format_time(to)},
       {"start_qty", std::to_string(out->start_qty)},
       {"end_qty", std::to_string(r.end_qty)},
       {"first_price", r.first_price ? json(market::format_price(r.first_price)) : json(nullptr)},
       {"last_price", r.last_price ? json(market::format_price(r.last_price)) : json(nullptr)},
       {"cash", market::format_price(r.cash)},
       {"pnl", market::format_price(r.pnl)},
       {"thresholds", std::move(thresholds)},
       {"prices",
        array_of(out->chart,
                 [](const market::tick& t) {
                   return json{{"t", format_time(t.ts_ms)}, {"p", market::format_price(t.price)}};
                 })},
       {"firings", std::move(trades)}});
}

}  // namespace

void register_rule_routes(http::router& routes, const trading_services& s) {
  routes.add("GET", "/api/rules", {player_route(s, list_rules), auth::access::user});
  routes.add("POST", "/api/rules",
             {player_route(s, new_rule_of, create_rule_of), auth::access::user});
  routes.add("POST", "/api/rules/backtest",
             {player_route(s, backtest_of, run_backtest), auth::access::user});
  routes.add("GET", "/api/rules/{id}", {player_route(s, show_rule), auth::access::user});
  routes.add("PATCH", "/api/rules/{id}",
             {player_route(s, rule_change_of, change_rule), auth::access::user});
  routes.add("DELETE", "/api/rules/{id}", {player_route(s, drop_rule), auth::access::user});
  routes.add("POST", "/api/rules/{id}/pause",
             {player_route(s, switch_rule_to(false)), auth::access::user});
  routes.add("POST", "/api/rules/{id}/resume",
             {player_route(s, switch_rule_to(true)), auth::access::user});
  routes.add("GET", "/api/rules/{id}/firings", {player_route(s, rule_firings), auth::access::user});
}

}  // namespace marketsim::api
