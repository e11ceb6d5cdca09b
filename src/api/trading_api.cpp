// Trading endpoints (see trading_api.hpp and docs/api.md). Handlers run on io threads: prices
// come from the quote cache, everything else from the database through the pool; an order is
// answered only after its transaction committed.
#include "marketsim/api/trading_api.hpp"

#include <fmt/format.h>

#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/core/crypto.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/equity.hpp"
#include "marketsim/db/order_reads.hpp"
#include "marketsim/db/trading_repo.hpp"
#include "marketsim/db/watchlists.hpp"
#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using http::response;
using json = nlohmann::json;
namespace repo = db::trading_repo;

std::optional<std::int64_t> player_directory::find(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(user_id);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

void player_directory::put(std::int64_t user_id, std::int64_t account_id) {
  std::lock_guard lock(mutex_);
  if (accounts_.size() >= 1'000'000) accounts_.clear();
  accounts_[user_id] = account_id;
}

namespace {

response fail_response(const error& e, const request_context& ctx) {
  return http::error_response(e, ctx.request_id);
}

// The signed-in player's trading account (opened with the starting grant on first use).
asio::awaitable<result<repo::player>> player_of(const trading_services& s,
                                                const request_context& ctx) {
  const auto user_id = ctx.principal->user->id;
  if (auto id = s.players.find(user_id)) co_return repo::player{*id, user_id};
  const auto cash = s.cfg.starting_cash_e4;
  auto who = co_await s.pool.query(
      [&](db::connection& c) { return repo::ensure_account(c, user_id, cash); });
  if (!who) co_return std::unexpected(who.error());
  s.players.put(user_id, who->account_id);
  co_return *who;
}

std::string market_day_of(std::int64_t ms) {
  return format_time(ms).substr(0, 10);
}

repo::market_view view_of(const trading_services& s, const std::string& symbol) {
  repo::market_view mv;
  mv.half_spread = s.cfg.half_spread_e4;
  mv.open_order_cap = s.cfg.max_open_orders;
  auto q = s.quotes.find(symbol);
  if (q) mv.reference = q->price;
  auto t = q && q->updated_ms ? q->updated_ms : s.feed.market_time_ms();
  mv.market_day = t ? market_day_of(t) : std::string("1970-01-01");
  return mv;
}

json orders_json(const std::vector<trading::order_record>& orders) {
  json out = json::array();
  for (const auto& o : orders) out.push_back(trading::order_json(o));
  return out;
}

std::optional<std::int64_t> time_param(const request_context& ctx, std::string_view name,
                                       bool& bad) {
  auto v = ctx.query_value(name);
  if (!v || v->empty()) return std::nullopt;
  auto t = parse_time(*v);
  if (!t) bad = true;
  return t;
}

json asset_json(const market::quote& q, bool halted) {
  return json{{"id", trading::asset_id(q.info.symbol)},
              {"class", "us_equity"},
              {"exchange", "MARKETSIM"},
              {"symbol", q.info.symbol},
              {"name", q.info.name},
              {"status", "active"},
              {"tradable", q.info.kind != market::instrument_kind::index && !halted},
              {"marginable", false},
              {"maintenance_margin_requirement", 100},
              {"shortable", false},
              {"easy_to_borrow", false},
              {"fractionable", false},
              {"attributes", json::array()}};
}

// "1D", "2W", "1M", "3M", "1A", "all" → milliseconds (-1: all).
std::optional<std::int64_t> period_ms(std::string_view p) {
  if (p == "all") return -1;
  if (p.size() < 2) return std::nullopt;
  auto n = parse_int_param(p.substr(0, p.size() - 1), 1, 1000);
  if (!n) return std::nullopt;
  constexpr std::int64_t day = 86'400'000;
  switch (p.back()) {
    case 'D':
      return *n * day;
    case 'W':
      return *n * 7 * day;
    case 'M':
      return *n * 30 * day;
    case 'A':
      return *n * 365 * day;
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> history_timeframe_ms(std::string_view tf) {
  if (tf == "1Min") return 60'000;
  if (tf == "5Min") return 300'000;
  if (tf == "15Min") return 900'000;
  if (tf == "1H") return 3'600'000;
  if (tf == "1D") return 86'400'000;
  return std::nullopt;
}

// The simulated market's session: 9:30 to 16:00 New York time (14:30-21:00 UTC), weekdays.
json clock_json(std::int64_t now_ms) {
  constexpr std::int64_t day = 86'400'000, open = (14 * 60 + 30) * 60'000, close = 21 * 3'600'000;
  auto weekday = [](std::int64_t d) {
    return ((d % 7) + 11) % 7 < 5;
  };  // 1970-01-01 was a Thursday
  const std::int64_t today = now_ms / day;
  const std::int64_t in_day = now_ms % day;
  const bool is_open = weekday(today) && in_day >= open && in_day < close;
  std::int64_t next_open_day = today + (in_day < open ? 0 : 1);
  while (!weekday(next_open_day)) ++next_open_day;
  std::int64_t next_close_day = today + (in_day < close ? 0 : 1);
  while (!weekday(next_close_day)) ++next_close_day;
  return json{{"timestamp", format_time(now_ms)},
              {"is_open", is_open},
              {"next_open", format_time(next_open_day * day + open)},
              {"next_close", format_time(next_close_day * day + close)}};
}

template <class F>
void v2(http::router& routes, const char* method, const char* path, F&& f) {
  add_v2_route(routes, method, path, http::handler(std::forward<F>(f)));
}

}  // namespace

void add_v2_route(http::router& routes, const char* method, const char* path, http::handler fn) {
  http::endpoint ep(std::move(fn), auth::access::user);
  ep.api_keys = true;
  routes.add(method, path, std::move(ep));
}

void register_trading_routes(http::router& routes, trading_services s) {
  v2(routes, "GET", "/v2/account", [s](request_context& ctx) -> asio::awaitable<response> {
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    auto state =
        co_await s.pool.query([&](db::connection& c) { return repo::read_account(c, player); });
    if (!state) co_return fail_response(state.error(), ctx);
    if (!ctx.by_api_key && ctx.principal && !ctx.principal->session_hash.empty()) {
      // The equity when this session first looked: the header's "since you signed in".
      auto v = trading::value_positions(state->positions, s.quotes);
      const auto equity = state->account.cash + v.long_market_value;
      const auto hash = hex(ctx.principal->session_hash);
      auto login = co_await s.pool.query(
          [&](db::connection& c) { return repo::session_login_equity(c, hash, equity); });
      if (login) state->account.login_equity = *login;
    }
    co_return http::json_response(
        200, trading::account_json(state->account, state->positions, s.quotes));
  });

  v2(routes, "POST", "/v2/orders", [s](request_context& ctx) -> asio::awaitable<response> {
    auto body = http::parse_json_body(ctx);
    if (!body) co_return fail_response(body.error(), ctx);
    auto req = trading::parse_order_request(*body);
    if (!req) co_return fail_response(req.error(), ctx);
    auto q = s.quotes.find(req->symbol);
    if (!q) co_return fail_response({errc::not_found, "unknown symbol " + req->symbol}, ctx);
    if (q->info.kind == market::instrument_kind::index)
      co_return fail_response({errc::unprocessable, req->symbol + " is an index, not tradable"},
                              ctx);
    if (s.halts.halted(req->symbol))
      co_return fail_response({errc::symbol_halted, req->symbol + " is halted"}, ctx);
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    const auto mv = view_of(s, req->symbol);
    const auto& order = *req;
    auto placed = co_await s.pool.query(
        [&](db::connection& c) { return repo::place_order(c, player, order, mv); });
    if (!placed) co_return fail_response(placed.error(), ctx);
    if (!*placed) co_return fail_response(placed->error(), ctx);
    co_return http::json_response(200, trading::order_json((*placed)->order));
  });

  v2(routes, "GET", "/v2/orders", [s](request_context& ctx) -> asio::awaitable<response> {
    repo::order_filter f;
    if (auto st = ctx.query_value("status")) {
      if (*st == "open")
        f.status = repo::order_filter::state::open;
      else if (*st == "closed")
        f.status = repo::order_filter::state::closed;
      else if (*st == "all")
        f.status = repo::order_filter::state::all;
      else
        co_return fail_response({errc::bad_request, "status must be open, closed or all"}, ctx);
    }
    if (auto l = ctx.query_value("limit")) {
      auto n = parse_int_param(*l, 1, 500);
      if (!n) co_return fail_response({errc::bad_request, "limit must be 1 to 500"}, ctx);
      f.limit = static_cast<int>(*n);
    }
    if (auto d = ctx.query_value("direction")) {
      if (*d != "asc" && *d != "desc")
        co_return fail_response({errc::bad_request, "direction must be asc or desc"}, ctx);
      f.ascending = *d == "asc";
    }
    bool bad = false;
    f.after_ms = time_param(ctx, "after", bad);
    f.until_ms = time_param(ctx, "until", bad);
    if (bad) co_return fail_response({errc::bad_request, "after and until must be times"}, ctx);
    f.symbols = split_symbols(ctx.query_value("symbols").value_or(""));
    if (f.symbols.size() > 100)
      co_return fail_response({errc::bad_request, "symbols: at most 100"}, ctx);
    for (const auto& sym : f.symbols)
      if (!s.quotes.contains(sym))
        co_return fail_response({errc::bad_request, "unknown symbol " + sym}, ctx);
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    auto orders =
        co_await s.pool.query([&](db::connection& c) { return repo::list_orders(c, player, f); });
    if (!orders) co_return fail_response(orders.error(), ctx);
    co_return http::json_response(200, orders_json(*orders));
  });

  v2(routes, "GET", "/v2/orders:by_client_order_id",
     [s](request_context& ctx) -> asio::awaitable<response> {
       auto id = ctx.query_value("client_order_id");
       if (!id || id->empty() || id->size() > trading::max_client_order_id)
         co_return fail_response({errc::bad_request, "client_order_id is required"}, ctx);
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::string client_id(*id);
       auto o = co_await s.pool.query(
           [&](db::connection& c) { return repo::find_order_by_client_id(c, player, client_id); });
       if (!o) co_return fail_response(o.error(), ctx);
       if (!*o) co_return fail_response({errc::not_found, "order not found"}, ctx);
       co_return http::json_response(200, trading::order_json(**o));
     });

  v2(routes, "GET", "/v2/orders/{id}", [s](request_context& ctx) -> asio::awaitable<response> {
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    const std::string id = ctx.params.at("id");
    auto o =
        co_await s.pool.query([&](db::connection& c) { return repo::find_order(c, player, id); });
    if (!o) co_return fail_response(o.error(), ctx);
    if (!*o) co_return fail_response({errc::not_found, "order not found"}, ctx);
    co_return http::json_response(200, trading::order_json(**o));
  });

  v2(routes, "PATCH", "/v2/orders/{id}", [s](request_context& ctx) -> asio::awaitable<response> {
    auto body = http::parse_json_body(ctx);
    if (!body) co_return fail_response(body.error(), ctx);
    auto change = trading::parse_replace_request(*body);
    if (!change) co_return fail_response(change.error(), ctx);
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    const std::string id = ctx.params.at("id");
    // The symbol is only known from the order: read it for the market view first.
    auto existing =
        co_await s.pool.query([&](db::connection& c) { return repo::find_order(c, player, id); });
    if (!existing) co_return fail_response(existing.error(), ctx);
    if (!*existing) co_return fail_response({errc::not_found, "order not found"}, ctx);
    const auto mv = view_of(s, (*existing)->symbol);
    const auto& r = *change;
    auto replaced = co_await s.pool.query(
        [&](db::connection& c) { return repo::replace_order(c, player, id, r, mv); });
    if (!replaced) co_return fail_response(replaced.error(), ctx);
    if (!*replaced) co_return fail_response(replaced->error(), ctx);
    co_return http::json_response(200, trading::order_json(**replaced));
  });

  v2(routes, "DELETE", "/v2/orders/{id}", [s](request_context& ctx) -> asio::awaitable<response> {
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    const std::string id = ctx.params.at("id");
    auto done =
        co_await s.pool.query([&](db::connection& c) { return repo::cancel_order(c, player, id); });
    if (!done) co_return fail_response(done.error(), ctx);
    if (!*done) co_return fail_response(done->error(), ctx);
    response r;
    r.status = 204;
    r.content_type.clear();
    co_return r;
  });

  v2(routes, "DELETE", "/v2/orders", [s](request_context& ctx) -> asio::awaitable<response> {
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    auto ids =
        co_await s.pool.query([&](db::connection& c) { return repo::open_order_ids(c, player); });
    if (!ids) co_return fail_response(ids.error(), ctx);
    json out = json::array();
    for (const auto& id : *ids) {
      auto done = co_await s.pool.query(
          [&](db::connection& c) { return repo::cancel_order(c, player, id); });
      if (!done) {
        out.push_back({{"id", id}, {"status", 503}, {"body", {{"code", "unavailable"}}}});
      } else if (!*done) {
        out.push_back(
            {{"id", id},
             {"status", http_status(done->error().code)},
             {"body",
              {{"code", code_name(done->error().code)}, {"message", done->error().message}}}});
      } else {
        out.push_back({{"id", id}, {"status", 200}, {"body", trading::order_json(**done)}});
      }
    }
    co_return http::json_response(207, out);
  });

  auto positions = [s](request_context& ctx,
                       std::optional<std::string> symbol) -> asio::awaitable<response> {
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    auto state =
        co_await s.pool.query([&](db::connection& c) { return repo::read_account(c, player); });
    if (!state) co_return fail_response(state.error(), ctx);
    if (symbol) {
      for (const auto& p : state->positions)
        if (p.symbol == *symbol)
          co_return http::json_response(200, trading::position_json(p, s.quotes));
      co_return fail_response({errc::not_found, "position does not exist"}, ctx);
    }
    json out = json::array();
    for (const auto& p : state->positions) out.push_back(trading::position_json(p, s.quotes));
    co_return http::json_response(200, out);
  };
  v2(routes, "GET", "/v2/positions",
     [positions](request_context& ctx) { return positions(ctx, std::nullopt); });
  v2(routes, "GET", "/v2/positions/{symbol}", [positions](request_context& ctx) {
    return positions(ctx, upper_ascii(ctx.params.at("symbol")));
  });

  // Closing sells what is not already held back by open sells, at market.
  auto close_position =
      [s](const repo::player& player,
          const trading::position_record& p) -> asio::awaitable<result<result<repo::placed>>> {
    trading::order_request req;
    req.symbol = p.symbol;
    req.qty = p.qty - p.reserved_qty;
    req.order_side = trading::side::sell;
    req.type = trading::order_type::market;
    req.tif = trading::time_in_force::day;
    if (req.qty <= 0)
      co_return result<result<repo::placed>>(
          std::in_place,
          std::unexpected(error{errc::insufficient_qty, "every share is held by an open order"}));
    if (s.halts.halted(p.symbol))
      co_return result<result<repo::placed>>(
          std::in_place, std::unexpected(error{errc::symbol_halted, p.symbol + " is halted"}));
    const auto mv = view_of(s, p.symbol);
    co_return co_await s.pool.query(
        [&](db::connection& c) { return repo::place_order(c, player, req, mv); });
  };
  v2(routes, "DELETE", "/v2/positions/{symbol}",
     [s, close_position](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const auto symbol = upper_ascii(ctx.params.at("symbol"));
       auto state =
           co_await s.pool.query([&](db::connection& c) { return repo::read_account(c, player); });
       if (!state) co_return fail_response(state.error(), ctx);
       for (const auto& p : state->positions) {
         if (p.symbol != symbol) continue;
         auto placed = co_await close_position(player, p);
         if (!placed) co_return fail_response(placed.error(), ctx);
         if (!*placed) co_return fail_response(placed->error(), ctx);
         co_return http::json_response(200, trading::order_json((*placed)->order));
       }
       co_return fail_response({errc::not_found, "position does not exist"}, ctx);
     });
  v2(routes, "DELETE", "/v2/positions",
     [s, close_position](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       auto state =
           co_await s.pool.query([&](db::connection& c) { return repo::read_account(c, player); });
       if (!state) co_return fail_response(state.error(), ctx);
       json out = json::array();
       for (const auto& p : state->positions) {
         auto placed = co_await close_position(player, p);
         if (placed && *placed) {
           out.push_back({{"symbol", p.symbol},
                          {"status", 200},
                          {"body", trading::order_json((*placed)->order)}});
         } else {
           const error e = placed ? placed->error() : placed.error();
           out.push_back({{"symbol", p.symbol},
                          {"status", http_status(e.code)},
                          {"body", {{"code", code_name(e.code)}, {"message", e.message}}}});
         }
       }
       co_return http::json_response(207, out);
     });

  auto activities = [s](request_context& ctx) -> asio::awaitable<response> {
    // Only fills happen here: asking for other types (by path or `activity_types`) finds none.
    std::vector<std::string> types;
    if (auto type = ctx.params.find("type"); type != ctx.params.end())
      types.push_back(upper_ascii(type->second));
    else if (auto list = ctx.query_value("activity_types"))
      types = split_symbols(*list);
    if (!types.empty() && std::find(types.begin(), types.end(), "FILL") == types.end())
      co_return http::json_response(200, json::array());
    repo::activity_page p;
    if (auto d = ctx.query_value("direction")) {
      if (*d != "asc" && *d != "desc")
        co_return fail_response({errc::bad_request, "direction must be asc or desc"}, ctx);
      p.ascending = *d == "asc";
    }
    if (auto l = ctx.query_value("page_size")) {
      auto n = parse_int_param(*l, 1, 100);
      if (!n) co_return fail_response({errc::bad_request, "page_size must be 1 to 100"}, ctx);
      p.limit = static_cast<int>(*n);
    }
    if (auto t = ctx.query_value("page_token"); t && !t->empty()) {
      // "<fill id>::<order id>": the fill id orders the pages.
      auto n =
          parse_int_param(t->substr(0, t->find(':')), 1, std::numeric_limits<std::int64_t>::max());
      if (!n) co_return fail_response({errc::bad_request, "page_token is not an activity id"}, ctx);
      (p.ascending ? p.after_fill : p.before_fill) = *n;
    }
    bool bad = false;
    p.after_ms = time_param(ctx, "after", bad);
    p.until_ms = time_param(ctx, "until", bad);
    if (bad) co_return fail_response({errc::bad_request, "after and until must be times"}, ctx);
    auto who = co_await player_of(s, ctx);
    if (!who) co_return fail_response(who.error(), ctx);
    const auto player = *who;
    auto list =
        co_await s.pool.query([&](db::connection& c) { return repo::activities(c, player, p); });
    if (!list) co_return fail_response(list.error(), ctx);
    json out = json::array();
    for (const auto& a : *list) out.push_back(trading::activity_json(a));
    co_return http::json_response(200, out);
  };
  v2(routes, "GET", "/v2/account/activities", activities);
  v2(routes, "GET", "/v2/account/activities/{type}", activities);

  v2(routes, "GET", "/v2/assets", [s](request_context& ctx) -> asio::awaitable<response> {
    if (auto st = ctx.query_value("status"); st && *st != "active" && *st != "inactive")
      co_return fail_response({errc::bad_request, "status must be active or inactive"}, ctx);
    json out = json::array();
    if (ctx.query_value("status") != std::optional<std::string_view>("inactive"))
      for (const auto& q : s.quotes.all())
        out.push_back(asset_json(q, s.halts.halted(q.info.symbol)));
    co_return http::json_response(200, out);
  });
  v2(routes, "GET", "/v2/assets/{symbol}", [s](request_context& ctx) -> asio::awaitable<response> {
    auto q = s.quotes.find(upper_ascii(ctx.params.at("symbol")));
    if (!q) co_return fail_response({errc::not_found, "asset not found"}, ctx);
    co_return http::json_response(200, asset_json(*q, s.halts.halted(q->info.symbol)));
  });
  v2(routes, "GET", "/v2/clock", [s](request_context&) -> asio::awaitable<response> {
    auto t = s.feed.market_time_ms();
    co_return http::json_response(200, clock_json(t ? t : system_now_ms()));
  });

  routes.add(
      "GET", "/api/stocks/{symbol}/book", [s](request_context& ctx) -> asio::awaitable<response> {
        const auto symbol = upper_ascii(ctx.params.at("symbol"));
        auto q = s.quotes.find(symbol);
        if (!q) co_return fail_response({errc::not_found, "unknown symbol " + symbol}, ctx);
        int depth = 10;
        if (auto d = ctx.query_value("depth")) {
          auto n = parse_int_param(*d, 1, 100);
          if (!n) co_return fail_response({errc::bad_request, "depth must be 1 to 100"}, ctx);
          depth = static_cast<int>(*n);
        }
        auto book = co_await s.pool.query(
            [&](db::connection& c) { return repo::read_book(c, symbol, depth); });
        if (!book) co_return fail_response(book.error(), ctx);
        auto levels = [](const std::vector<repo::book_level>& ls) {
          json out = json::array();
          for (const auto& l : ls)
            out.push_back({{"price", market::format_price(l.price)},
                           {"qty", std::to_string(l.qty)},
                           {"orders", l.orders}});
          return out;
        };
        json j{{"symbol", symbol},     {"reference", nullptr},       {"house_bid", nullptr},
               {"house_ask", nullptr}, {"bids", levels(book->bids)}, {"asks", levels(book->asks)}};
        if (q->price) {
          j["reference"] = market::format_price(*q->price);
          j["house_bid"] =
              market::format_price(trading::house_bid(*q->price, s.cfg.half_spread_e4));
          j["house_ask"] =
              market::format_price(trading::house_ask(*q->price, s.cfg.half_spread_e4));
        }
        co_return http::json_response(200, j);
      });

  v2(routes, "GET", "/v2/account/portfolio/history",
     [s](request_context& ctx) -> asio::awaitable<response> {
       auto span = period_ms(ctx.query_value("period").value_or("1M"));
       if (!span)
         co_return fail_response(
             {errc::bad_request,
              "period is a number and D, W, M or A (1D, 1W, 1M, 3M, 1A), or all"},
             ctx);
       std::string tf(ctx.query_value("timeframe").value_or(""));
       if (tf.empty())  // "all" (a negative span) by the day
         tf = *span < 0                   ? "1D"
              : *span <= 86'400'000LL     ? "5Min"
              : *span <= 7 * 86'400'000LL ? "15Min"
                                          : "1D";
       auto bucket = history_timeframe_ms(tf);
       if (!bucket)
         co_return fail_response(
             {errc::bad_request, "timeframe must be 1Min, 5Min, 15Min, 1H or 1D"}, ctx);
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const auto now = system_now_ms();
       const auto from = *span < 0 ? 0 : now - *span;
       const auto width = *bucket;
       std::vector<repo::equity_point> points;
       std::optional<repo::account_state> state;
       db::job_fn job = [&](db::connection& c) {
         points = repo::equity_history(c, player, from, now, width);
         state = repo::read_account(c, player);
       };
       auto done = co_await s.pool.execute(std::move(job));
       if (!done) co_return fail_response(done.error(), ctx);
       // The last point is now, at the current prices.
       auto v = trading::value_positions(state->positions, s.quotes);
       points.push_back({now, state->account.cash + v.long_market_value});
       const auto base = points.front().equity;
       auto dollars = [](trading::money_e4 m) { return static_cast<double>(m) / 10'000.0; };
       json ts = json::array(), equity = json::array(), pl = json::array(), pct = json::array();
       for (const auto& p : points) {
         ts.push_back(p.at_ms / 1000);
         equity.push_back(dollars(p.equity));
         pl.push_back(dollars(p.equity - base));
         pct.push_back(base ? static_cast<double>(p.equity - base) / static_cast<double>(base)
                            : 0.0);
       }
       co_return http::json_response(200, {{"timestamp", ts},
                                           {"equity", equity},
                                           {"profit_loss", pl},
                                           {"profit_loss_pct", pct},
                                           {"base_value", dollars(base)},
                                           {"timeframe", tf}});
     });

  // Watchlists.
  auto watchlist_json = [s](const repo::watchlist& w, bool with_assets) {
    json j{{"id", w.id},
           {"name", w.name},
           {"created_at", format_time(w.created_ms)},
           {"updated_at", format_time(w.updated_ms)}};
    if (with_assets) {
      json assets = json::array();
      for (const auto& sym : w.symbols)
        if (auto q = s.quotes.find(sym)) assets.push_back(asset_json(*q, s.halts.halted(sym)));
      j["assets"] = std::move(assets);
    }
    return j;
  };
  const repo::watchlist_caps caps{s.cfg.max_watchlists, s.cfg.watchlist_size};
  // {"name"?, "symbols"?} as a watchlist body expects them.
  struct watchlist_body {
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> symbols;
  };
  auto read_watchlist_body = [](const request_context& ctx,
                                bool name_required) -> result<watchlist_body> {
    auto body = object_body(ctx, {"name", "symbols"});
    if (!body) return std::unexpected(body.error());
    watchlist_body out;
    if (body->contains("name") && !(*body)["name"].is_null()) {
      auto name = required_string(*body, "name");
      if (!name || name->empty() || name->size() > 64)
        return fail(errc::bad_request, "name must be 1 to 64 characters");
      out.name = *name;
    } else if (name_required) {
      return fail(errc::bad_request, "name is required");
    }
    if (body->contains("symbols") && !(*body)["symbols"].is_null()) {
      const auto& list = (*body)["symbols"];
      if (!list.is_array()) return fail(errc::bad_request, "symbols must be an array of symbols");
      std::vector<std::string> symbols;
      for (const auto& v : list) {
        if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 12)
          return fail(errc::bad_request, "symbols must be an array of symbols");
        symbols.push_back(upper_ascii(v.get<std::string>()));
      }
      out.symbols = std::move(symbols);
    }
    return out;
  };
  v2(routes, "GET", "/v2/watchlists",
     [s, watchlist_json](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       auto lists = co_await s.pool.query(
           [&](db::connection& c) { return repo::list_watchlists(c, player); });
       if (!lists) co_return fail_response(lists.error(), ctx);
       json out = json::array();
       for (const auto& w : *lists) out.push_back(watchlist_json(w, false));
       co_return http::json_response(200, out);
     });
  v2(routes, "POST", "/v2/watchlists",
     [s, watchlist_json, read_watchlist_body,
      caps](request_context& ctx) -> asio::awaitable<response> {
       auto body = read_watchlist_body(ctx, true);
       if (!body) co_return fail_response(body.error(), ctx);
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const auto& b = *body;
       auto saved = co_await s.pool.query([&](db::connection& c) {
         return repo::save_watchlist(c, player, std::nullopt, b.name, b.symbols, caps);
       });
       if (!saved) co_return fail_response(saved.error(), ctx);
       if (!*saved) co_return fail_response(saved->error(), ctx);
       co_return http::json_response(200, watchlist_json(**saved, true));
     });
  v2(routes, "GET", "/v2/watchlists/{id}",
     [s, watchlist_json](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::string id = ctx.params.at("id");
       auto w = co_await s.pool.query(
           [&](db::connection& c) { return repo::find_watchlist(c, player, id); });
       if (!w) co_return fail_response(w.error(), ctx);
       if (!*w) co_return fail_response({errc::not_found, "watchlist not found"}, ctx);
       co_return http::json_response(200, watchlist_json(**w, true));
     });
  v2(routes, "PUT", "/v2/watchlists/{id}",
     [s, watchlist_json, read_watchlist_body,
      caps](request_context& ctx) -> asio::awaitable<response> {
       auto body = read_watchlist_body(ctx, false);
       if (!body) co_return fail_response(body.error(), ctx);
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::optional<std::string> id = ctx.params.at("id");
       const auto& b = *body;
       auto saved = co_await s.pool.query([&](db::connection& c) {
         return repo::save_watchlist(c, player, id, b.name, b.symbols, caps);
       });
       if (!saved) co_return fail_response(saved.error(), ctx);
       if (!*saved) co_return fail_response(saved->error(), ctx);
       co_return http::json_response(200, watchlist_json(**saved, true));
     });
  v2(routes, "POST", "/v2/watchlists/{id}",
     [s, watchlist_json, caps](request_context& ctx) -> asio::awaitable<response> {
       auto body = object_body(ctx, {"symbol"});
       if (!body) co_return fail_response(body.error(), ctx);
       auto symbol = required_string(*body, "symbol");
       if (!symbol) co_return fail_response(symbol.error(), ctx);
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::string id = ctx.params.at("id");
       const auto sym = upper_ascii(*symbol);
       auto saved = co_await s.pool.query(
           [&](db::connection& c) { return repo::add_to_watchlist(c, player, id, sym, caps); });
       if (!saved) co_return fail_response(saved.error(), ctx);
       if (!*saved) co_return fail_response(saved->error(), ctx);
       co_return http::json_response(200, watchlist_json(**saved, true));
     });
  v2(routes, "DELETE", "/v2/watchlists/{id}/{symbol}",
     [s, watchlist_json](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::string id = ctx.params.at("id");
       const auto sym = upper_ascii(ctx.params.at("symbol"));
       auto saved = co_await s.pool.query(
           [&](db::connection& c) { return repo::remove_from_watchlist(c, player, id, sym); });
       if (!saved) co_return fail_response(saved.error(), ctx);
       if (!*saved) co_return fail_response(saved->error(), ctx);
       co_return http::json_response(200, watchlist_json(**saved, true));
     });
  v2(routes, "DELETE", "/v2/watchlists/{id}",
     [s](request_context& ctx) -> asio::awaitable<response> {
       auto who = co_await player_of(s, ctx);
       if (!who) co_return fail_response(who.error(), ctx);
       const auto player = *who;
       const std::string id = ctx.params.at("id");
       auto gone = co_await s.pool.query(
           [&](db::connection& c) { return repo::delete_watchlist(c, player, id); });
       if (!gone) co_return fail_response(gone.error(), ctx);
       if (!*gone) co_return fail_response({errc::not_found, "watchlist not found"}, ctx);
       response r;
       r.status = 204;
       r.content_type.clear();
       co_return r;
     });
}

void register_trading_test_hooks(http::router& routes, trading_services s) {
  http::endpoint set_price{[s](request_context& ctx) -> asio::awaitable<response> {
    auto body = object_body(ctx, {"symbol", "price", "time"});
    if (!body) co_return fail_response(body.error(), ctx);
    auto symbol = required_string(*body, "symbol");
    if (!symbol) co_return fail_response(symbol.error(), ctx);
    auto price = trading::parse_order_price(body->value("price", json()), "price");
    if (!price) co_return fail_response(price.error(), ctx);
    auto q = s.quotes.find(*symbol);
    if (!q) co_return fail_response({errc::not_found, "unknown symbol " + *symbol}, ctx);
    market::tick t{*symbol, *price, 100, q->updated_ms ? q->updated_ms : s.feed.market_time_ms()};
    if (body->contains("time")) {
      auto at = (*body)["time"].is_string() ? parse_time((*body)["time"].get<std::string>())
                                            : std::nullopt;
      if (!at) co_return fail_response({errc::bad_request, "time must be a time"}, ctx);
      t.ts_ms = *at;
    }
    if (s.inject_tick) s.inject_tick(t);
    co_return http::json_response(200, {{"symbol", t.symbol},
                                        {"price", market::format_price(t.price)},
                                        {"time", format_time(t.ts_ms)}});
  }};
  set_price.csrf = false;
  routes.add("POST", "/api/test/price", std::move(set_price));
}

}  // namespace marketsim::api
