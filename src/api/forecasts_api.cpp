// The forecast routes and what they keep (forecasts.hpp, docs/forecasts.md, docs/api.md).
// A live forecast sees only what the market has shown by the current market time: the catalog's
// real series cut before the current market day, or the daily closes this server stored before
// it, then the current price as its origin. Handlers on io threads; reads and evaluations on
// the db pool. The few fits of one live answer (at most 9 over at most 250 prices: microseconds)
// are left on the io thread.
#include "marketsim/api/forecasts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_reads.hpp"
#include "marketsim/market/continuation.hpp"
#include "marketsim/market/history.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace fc = forecast;

namespace {

// The catalog never changes while the server runs: computed once.
constexpr std::chrono::milliseconds catalog_age = std::chrono::hours(24 * 365 * 10);
constexpr std::chrono::milliseconds stored_age{60'000};
// Market days of stored closes read per symbol.
constexpr std::size_t stored_days = 400;

std::int32_t market_day(const market_services& m) {
  return market::day_of_ms(m.feed.market_time_ms());
}

double dollars(std::int64_t e4) {
  return static_cast<double>(e4) / 10'000.0;
}

// The date `h` steps after `day`: market days (weekdays; holidays are not known ahead) or
// calendar months (same day of the month, at most the 28th).
std::string target_date(std::int32_t day, const std::string& step, int h) {
  if (step == "month") {
    const std::string iso = market::format_iso_date(day);
    int y = std::stoi(iso.substr(0, 4)), mo = std::stoi(iso.substr(5, 2));
    const int d = std::min(std::stoi(iso.substr(8, 2)), 28);
    mo += h;
    y += (mo - 1) / 12;
    mo = (mo - 1) % 12 + 1;
    return fmt::format("{:04}-{:02}-{:02}", y, mo, d);
  }
  for (int i = 0; i < h; ++i) day = market::next_weekday(day);
  return market::format_iso_date(day);
}

std::string step_words(const std::string& step, int h) {
  return fmt::format("{} {}{}", h, step == "month" ? "month" : "market day", h == 1 ? "" : "s");
}

json score_json(const fc::score& s) {
  return {{"model", fc::model_name(s.m)},
          {"horizon", s.horizon},
          {"origins", s.origins},
          {"mae", s.mae},
          {"rmse", s.rmse},
          {"naive_mae", s.naive_mae},
          {"naive_rmse", s.naive_rmse},
          {"mae_ratio", s.mae_ratio},
          {"rmse_ratio", s.rmse_ratio},
          {"beats_baseline", s.beats_baseline()},
          {"direction_cases", s.direction_cases},
          {"direction_hits", s.direction_hits},
          {"hit_rate", s.hit_rate ? json(*s.hit_rate) : json(nullptr)},
          {"up_rate", s.up_rate},
          {"coverage", s.coverage}};
}

json row_json(const fc::table_row& r) {
  json j = score_json(r.result);
  j["series"] = r.series_name;
  j["symbol"] = r.symbol;
  j["step"] = r.step;
  j["source"] = r.source;
  j["window"] = r.window;
  j["points"] = r.points;
  j["first_date"] = market::format_iso_date(r.first_day);
  j["last_date"] = market::format_iso_date(r.last_day);
  return j;
}

// The plain sentence a player reads beside a model (the web prints it as it is), from its
// scores at the horizons shown.
std::string verdict(const std::vector<fc::score>& scores, const std::string& step) {
  if (scores.empty()) return "not measured yet: too little history on this series";
  std::string lost;
  for (const auto& sc : scores)
    if (!sc.beats_baseline()) lost += (lost.empty() ? "" : ", ") + step_words(step, sc.horizon);
  if (lost.empty())
    return fmt::format("beat the no-change baseline on this series: {:.1f}% lower error at {}",
                       (1 - scores.front().mae_ratio) * 100,
                       step_words(step, scores.front().horizon));
  return fmt::format("did not beat the naive no-change baseline on this series (at {})", lost);
}

std::vector<const fc::table_row*> rows_of(const std::vector<fc::table_row>& rows,
                                          const std::string& series, fc::model m) {
  std::vector<const fc::table_row*> out;
  for (const auto& r : rows)
    if (r.series_name == series && r.result.m == m) out.push_back(&r);
  return out;
}

// What a request asks for: ?model= and ?horizon= narrow the answer (400 for anything else).
struct selection {
  std::vector<fc::model> models{fc::models.begin(), fc::models.end()};
  std::vector<int> horizons{fc::horizons.begin(), fc::horizons.end()};
};

result<selection> read_selection(const request_context& ctx) {
  selection sel;
  if (auto text = ctx.query_value("model")) {
    auto m = fc::parse_model(*text);
    if (!m) return fail(errc::bad_request, "model must be one of drift, ar1, trend");
    sel.models = {*m};
  }
  if (auto text = ctx.query_value("horizon")) {
    auto h = parse_int_param(*text, 1, 20);
    if (!h || std::find(fc::horizons.begin(), fc::horizons.end(), *h) == fc::horizons.end())
      return fail(errc::bad_request, "horizon must be one of 1, 5, 20");
    sel.horizons = {static_cast<int>(*h)};
  }
  return sel;
}

// The series a live forecast fits: `history`'s prices dated before the current market day,
// then the current price (when there is one) as the origin.
fc::series live_series(const fc::series& history, std::int32_t today,
                       const std::optional<market::price_e4>& current) {
  fc::series s = fc::cut_at(history, today - 1);
  if (current) {
    s.days.push_back(today);
    s.prices.push_back(dollars(*current));
  }
  return s;
}

// The fit window: the series' last `window` prices (all of them when fewer).
std::span<const double> last_window(const std::vector<double>& logs, int window) {
  const std::size_t w = std::min(logs.size(), static_cast<std::size_t>(window));
  return std::span<const double>(logs).subspan(logs.size() - w);
}

std::vector<double> logs_of(const std::vector<double>& prices) {
  std::vector<double> x;
  x.reserve(prices.size());
  for (double p : prices) x.push_back(std::log(p));
  return x;
}

json basis_json(const fc::series& s, std::size_t used, bool has_current, std::int32_t today) {
  json j = {{"series", s.name},
            {"symbol", s.symbol},
            {"source", s.source},
            {"step", s.step},
            {"window", s.window},
            {"prices_used", used},
            {"cut_before", market::format_iso_date(today)},
            {"origin_is_current_price", has_current}};
  json history = json::array();
  for (std::size_t i = s.prices.size() - used; i < s.prices.size(); ++i)
    history.push_back({{"date", market::format_iso_date(s.days[i])}, {"price", s.prices[i]}});
  if (!s.days.empty()) {
    j["first_date"] = market::format_iso_date(s.days[s.prices.size() - used]);
    j["origin_date"] = market::format_iso_date(s.days.back());
    j["origin_price"] = s.prices.back();
  }
  // The window the models were fitted on, oldest first (what the stock page draws).
  j["history"] = std::move(history);
  return j;
}

// One model's forecasts at the selected horizons from the live series, and its measured
// accuracy on `accuracy_series` beside them.
json model_json(fc::model m, const fc::series& live, const std::vector<double>& logs,
                const selection& sel, const std::vector<fc::table_row>& rows,
                const std::string& accuracy_series) {
  json forecasts = json::array();
  for (int h : sel.horizons) {
    auto p = fc::predict(m, last_window(logs, live.window), h);
    if (!p) continue;
    forecasts.push_back({{"horizon", h},
                         {"step", live.step},
                         {"target_date", target_date(live.days.back(), live.step, h)},
                         {"point", p->point()},
                         {"lower", p->lower()},
                         {"upper", p->upper()},
                         {"log_point", p->log_point},
                         {"log_sd", p->log_sd}});
  }
  auto measured = rows_of(rows, accuracy_series, m);
  std::vector<fc::score> selected;
  for (const auto* r : measured)
    if (std::find(sel.horizons.begin(), sel.horizons.end(), r->result.horizon) !=
        sel.horizons.end())
      selected.push_back(r->result);
  const bool beats =
      !selected.empty() && std::all_of(selected.begin(), selected.end(),
                                       [](const fc::score& sc) { return sc.beats_baseline(); });
  return {{"model", fc::model_name(m)},
          {"title", fc::model_title(m)},
          {"forecasts", std::move(forecasts)},
          {"accuracy_series", accuracy_series},
          {"accuracy", array_of(selected, score_json)},
          {"beats_baseline", selected.empty() ? json(nullptr) : json(beats)},
          {"verdict", verdict(selected, live.step)}};
}

const fc::series* catalog_series_of(const forecast_service::catalog_table& t,
                                    std::string_view symbol) {
  for (const auto& s : t.series)
    if (s.symbol == symbol) return &s;
  return nullptr;
}

// Whether the market shows the catalog's real history now: a replay not yet past its end.
bool replaying_real_history(const market_services& m) {
  const auto& provider = m.feed.provider();
  if (provider.name() != "replay") return false;
  const auto simulated_from = provider.simulated_from_ms();
  return !simulated_from || m.feed.market_time_ms() < *simulated_from;
}

// The stored daily closes of every listed symbol, before the current market day.
asio::awaitable<result<forecast_service::stored_table>> read_stored(const market_services& m) {
  forecast_service::stored_table t;
  t.market_time_ms = m.feed.market_time_ms();
  const std::int32_t today = market::day_of_ms(t.market_time_ms);
  std::vector<fc::series> all;
  for (const auto& q : m.quotes.all()) {
    db::market_repo::candle_query query;
    query.symbol = q.info.symbol;
    query.interval_ms = market::ms_per_day;
    query.to_ms = static_cast<std::int64_t>(today) * market::ms_per_day;
    query.limit = stored_days;
    auto candles = co_await load_candles(m, query);
    if (!candles) co_return std::unexpected(candles.error());
    fc::series s{"stored:" + q.info.symbol, q.info.symbol, "day", "price_history", {}, {},
                 fc::stored_window};
    for (const auto& c : *candles) {
      s.days.push_back(market::day_of_ms(c.start_ms));
      s.prices.push_back(dollars(c.close));
    }
    all.push_back(std::move(s));
  }
  auto rows = co_await run(m.pool, [&all](db::connection&) { return fc::evaluate_all(all); });
  if (!rows) co_return std::unexpected(rows.error());
  t.rows = std::move(*rows);
  for (auto& s : all) t.by_symbol.emplace(s.symbol, std::move(s));
  co_return t;
}

asio::awaitable<outcome> symbol_forecast(std::shared_ptr<forecast_service> svc,
                                         request_context& ctx) {
  const auto& m = svc->market();
  const auto symbol = upper_ascii(ctx.params.at("symbol"));
  auto quote = m.quotes.find(symbol);
  if (!quote) co_return fail(errc::not_found, "unknown symbol " + symbol);
  auto sel = read_selection(ctx);
  if (!sel) co_return std::unexpected(sel.error());
  const std::int32_t today = market_day(m);

  auto catalog = co_await svc->catalog();
  if (!catalog) co_return std::unexpected(catalog.error());
  const fc::series* history = nullptr;
  const std::vector<fc::table_row>* rows = nullptr;
  std::shared_ptr<const forecast_service::stored_table> stored;
  if (replaying_real_history(m)) {
    history = catalog_series_of(**catalog, symbol);
    rows = &(*catalog)->rows;
  }
  if (!history) {
    auto read = co_await svc->stored();
    if (!read) co_return std::unexpected(read.error());
    stored = *read;
    auto it = stored->by_symbol.find(symbol);
    if (it != stored->by_symbol.end()) history = &it->second;
    rows = &stored->rows;
  }
  json out = {{"symbol", symbol},
              {"market_time", format_time(m.feed.market_time_ms())},
              {"market_date", market::format_iso_date(today)},
              {"z", fc::z95}};
  if (!history) {
    out["basis"] = nullptr;
    out["models"] = json::array();
    out["reason"] = "no price history yet";
    co_return http::json_response(200, out);
  }
  const fc::series live = live_series(*history, today, quote->price);
  const auto logs = logs_of(live.prices);
  const std::size_t used = std::min(logs.size(), static_cast<std::size_t>(live.window));
  out["basis"] = basis_json(live, used, quote->price.has_value(), today);
  json list = json::array();
  for (fc::model mod : sel->models)
    list.push_back(model_json(mod, live, logs, *sel, *rows, history->name));
  out["models"] = std::move(list);
  if (used < fc::min_window_prices)
    out["reason"] = fmt::format("too little history: {} prices before now, {} needed", used,
                                fc::min_window_prices);
  co_return http::json_response(200, out);
}

asio::awaitable<outcome> accuracy(std::shared_ptr<forecast_service> svc, request_context& ctx) {
  const auto which = ctx.query_value("series").value_or("all");
  if (which != "all" && which != "catalog" && which != "stored")
    co_return fail(errc::bad_request, "series must be all, catalog or stored");
  json out = {
      {"z", fc::z95},
      {"horizons", fc::horizons},
      {"windows",
       {{"day", fc::daily_window}, {"month", fc::monthly_window}, {"stored", fc::stored_window}}}};
  json models = json::array();
  for (fc::model m : fc::models)
    models.push_back({{"model", fc::model_name(m)}, {"title", fc::model_title(m)}});
  out["models"] = std::move(models);
  if (which != "stored") {
    auto catalog = co_await svc->catalog();
    if (!catalog) co_return std::unexpected(catalog.error());
    json c = {{"rows", array_of((*catalog)->rows, row_json)}};
    if (!(*catalog)->unavailable.empty()) c["unavailable"] = (*catalog)->unavailable;
    out["catalog"] = std::move(c);
  }
  if (which != "catalog") {
    auto stored = co_await svc->stored();
    if (!stored) co_return std::unexpected(stored.error());
    out["stored"] = {{"market_time", format_time((*stored)->market_time_ms)},
                     {"rows", array_of((*stored)->rows, row_json)}};
  }
  co_return http::json_response(200, out);
}

// The player's equity as if today's holdings had been held: cash plus each holding at its
// stored daily close, on the days every holding has one, then now at the current prices.
// Parameters by value: the coroutine starts after its caller's temporaries are gone.
asio::awaitable<outcome> portfolio(std::shared_ptr<forecast_service> svc, const trading_services& s,
                                   db::trading_repo::player who, selection sel) {
  auto state = co_await run(
      s.pool, [&who](db::connection& c) { return db::trading_repo::read_account(c, who); });
  if (!state) co_return std::unexpected(state.error());
  const auto& m = svc->market();
  const std::int32_t today = market_day(m);
  // The equity as the account route values it (cash and long positions at current prices).
  const trading::money_e4 equity =
      state->account.cash + trading::value_positions(state->positions, s.quotes).long_market_value;
  json holdings = json::array();
  std::vector<std::pair<std::string, std::int64_t>> held;
  for (const auto& p : state->positions) {
    if (p.qty <= 0) continue;
    held.emplace_back(p.symbol, p.qty);
    holdings.push_back({{"symbol", p.symbol}, {"qty", std::to_string(p.qty)}});
  }
  json out = {{"equity", market::format_price(equity)},
              {"cash", market::format_price(state->account.cash)},
              {"holdings", std::move(holdings)},
              {"model", fc::model_name(fc::model::drift)},
              {"title", fc::model_title(fc::model::drift)},
              {"step", "day"},
              {"market_date", market::format_iso_date(today)},
              {"z", fc::z95}};
  auto forecast_json = [&](double point, double lower, double upper, int h) {
    const double now = dollars(equity);
    return json{{"horizon", h},
                {"target_date", target_date(today, "day", h)},
                {"point", point},
                {"lower", lower},
                {"upper", upper},
                {"change", now > 0 ? point / now - 1 : 0.0},
                {"change_lower", now > 0 ? lower / now - 1 : 0.0},
                {"change_upper", now > 0 ? upper / now - 1 : 0.0}};
  };
  json forecasts = json::array();
  if (held.empty()) {
    // Cash does not move: the forecast is the equity itself, with no band.
    for (int h : sel.horizons) {
      const double now = dollars(equity);
      forecasts.push_back(forecast_json(now, now, now, h));
    }
    out["forecasts"] = std::move(forecasts);
    out["accuracy"] = json::array();
    out["verdict"] = "all cash: nothing to forecast";
    co_return http::json_response(200, out);
  }
  auto stored = co_await svc->stored();
  if (!stored) co_return std::unexpected(stored.error());
  // Days on which every holding has a stored close.
  std::map<std::int32_t, std::pair<double, std::size_t>> by_day;
  for (const auto& [symbol, qty] : held) {
    auto it = (*stored)->by_symbol.find(symbol);
    if (it == (*stored)->by_symbol.end()) continue;
    const auto& series = it->second;
    for (std::size_t i = 0; i < series.days.size(); ++i) {
      if (series.days[i] >= today) continue;
      auto& [value, count] = by_day[series.days[i]];
      value += static_cast<double>(qty) * series.prices[i];  // whole shares
      ++count;
    }
  }
  fc::series equity_series{"portfolio", "", "day", "price_history", {}, {}, fc::stored_window};
  const double cash = dollars(state->account.cash);
  for (const auto& [day, v] : by_day)
    if (v.second == held.size() && cash + v.first > 0) {
      equity_series.days.push_back(day);
      equity_series.prices.push_back(cash + v.first);
    }
  auto measured = co_await run(s.pool, [&equity_series, &sel](db::connection&) {
    std::vector<fc::score> scores;
    for (int h : sel.horizons)
      if (auto sc = fc::evaluate(equity_series, fc::model::drift, h)) scores.push_back(*sc);
    return scores;
  });
  if (!measured) co_return std::unexpected(measured.error());
  fc::series with_now = equity_series;
  if (equity > 0) {
    with_now.days.push_back(today);
    with_now.prices.push_back(dollars(equity));
  }
  const auto logs = logs_of(with_now.prices);
  const std::size_t used = std::min(logs.size(), static_cast<std::size_t>(with_now.window));
  for (int h : sel.horizons)
    if (auto p = fc::predict(fc::model::drift, last_window(logs, with_now.window), h))
      forecasts.push_back(forecast_json(p->point(), p->lower(), p->upper(), h));
  out["window"] = with_now.window;
  out["prices_used"] = used;
  if (!with_now.days.empty())
    out["first_date"] = market::format_iso_date(with_now.days[with_now.days.size() - used]);
  out["forecasts"] = std::move(forecasts);
  out["accuracy"] = array_of(*measured, score_json);
  out["verdict"] = verdict(*measured, "day");
  if (used < fc::min_window_prices)
    out["reason"] =
        fmt::format("too little history: {} market days of your holdings' prices stored, {} needed",
                    used, fc::min_window_prices);
  co_return http::json_response(200, out);
}

}  // namespace

forecast_service::forecast_service(market_services market, std::string data_dir)
    : market_(market),
      data_dir_(std::move(data_dir)),
      catalog_(catalog_age, 1),
      stored_(stored_age, 2) {}

asio::awaitable<result<std::shared_ptr<const forecast_service::catalog_table>>>
forecast_service::catalog() {
  auto read = [this]() -> asio::awaitable<result<catalog_table>> {
    // Reading two small files and a few thousand fits: a pool thread's work, once.
    co_return co_await run(market_.pool, [this](db::connection&) {
      catalog_table t;
      if (data_dir_.empty()) {
        t.unavailable = "no data folder (MARKETSIM_DATA_DIR)";
        return t;
      }
      auto all = fc::load_catalog_series(data_dir_);
      if (!all) {
        t.unavailable = all.error().message;
        return t;
      }
      t.series = std::move(*all);
      t.rows = fc::evaluate_all(t.series);
      return t;
    });
  };
  co_return co_await catalog_.get(0, read);
}

asio::awaitable<result<std::shared_ptr<const forecast_service::stored_table>>>
forecast_service::stored() {
  auto read = [this] { return read_stored(market_); };
  co_return co_await stored_.get(market_day(market_), read);
}

void register_forecast_routes(http::router& routes, const market_services& market,
                              const trading_services& trading, const std::string& data_dir) {
  auto svc = std::make_shared<forecast_service>(market, data_dir);
  routes.add("GET", "/api/forecasts/accuracy",
             answering([svc](request_context& ctx) { return accuracy(svc, ctx); }));
  // A signed-in player's, by session (only the Alpaca routes take API keys).
  auto read = [](const trading_services&, const request_context& ctx) {
    return read_selection(ctx);
  };
  auto handle = [svc](const trading_services& s, const request_context&,
                      db::trading_repo::player who,
                      const selection& sel) { return portfolio(svc, s, who, sel); };
  routes.add("GET", "/api/forecasts/portfolio",
             {player_route(trading, read, handle), auth::access::user});
  routes.add("GET", "/api/forecasts/{symbol}",
             answering([svc](request_context& ctx) { return symbol_forecast(svc, ctx); }));
}

}  // namespace marketsim::api
