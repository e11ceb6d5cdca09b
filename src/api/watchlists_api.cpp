// Watchlists in Alpaca's shapes: list, create, read, replace, add or remove a symbol, delete
// (docs/api.md), within the configured caps (MARKETSIM_MAX_WATCHLISTS, MARKETSIM_WATCHLIST_SIZE).
// Handlers run on io threads; the database steps go through the pool.
#include <nlohmann/json.hpp>

#include "marketsim/api/json_body.hpp"
#include "marketsim/api/player_route.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/watchlists.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace trading_repo = db::trading_repo;

namespace {

constexpr std::string_view no_watchlist = "watchlist not found";

json watchlist_json(const trading_services& s, const trading_repo::watchlist& w, bool with_assets) {
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
}

trading_repo::watchlist_caps caps_of(const trading_services& s) {
  return {s.cfg.max_watchlists, s.cfg.watchlist_size};
}

// A watchlist step's outcome: the watchlist with its assets.
outcome saved_answer(const trading_services& s, const result<trading_repo::watchlist>& saved) {
  if (!saved) return std::unexpected(saved.error());
  return http::json_response(200, watchlist_json(s, *saved, true));
}

// {"name"?, "symbols"?} as a watchlist body expects them.
struct watchlist_body {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> symbols;
};

result<watchlist_body> read_watchlist_body(const request_context& ctx, bool name_required) {
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
}

result<watchlist_body> new_watchlist_of(const trading_services&, const request_context& ctx) {
  return read_watchlist_body(ctx, true);
}

result<watchlist_body> watchlist_change_of(const trading_services&, const request_context& ctx) {
  return read_watchlist_body(ctx, false);
}

asio::awaitable<outcome> list_all(const trading_services& s, const request_context&,
                                  trading_repo::player player) {
  auto lists = co_await run(
      s.pool, [&](db::connection& c) { return trading_repo::list_watchlists(c, player); });
  if (!lists) co_return std::unexpected(lists.error());
  co_return http::json_response(
      200, array_of(*lists, [&](const auto& w) { return watchlist_json(s, w, false); }));
}

// POST /v2/watchlists makes one; PUT /v2/watchlists/{id} replaces its name and symbols.
asio::awaitable<outcome> save(const trading_services& s, const request_context& ctx,
                              trading_repo::player player, const watchlist_body& b) {
  std::optional<std::string> id;
  if (auto it = ctx.params.find("id"); it != ctx.params.end()) id = it->second;
  const auto caps = caps_of(s);
  auto saved = co_await run(s.pool, [&](db::connection& c) {
    return trading_repo::save_watchlist(c, player, id, b.name, b.symbols, caps);
  });
  co_return saved_answer(s, saved);
}

asio::awaitable<outcome> show(const trading_services& s, const request_context& ctx,
                              trading_repo::player player) {
  const std::string id = ctx.params.at("id");
  auto w = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(trading_repo::find_watchlist(c, player, id), errc::not_found, no_watchlist);
  });
  co_return saved_answer(s, w);
}

result<std::string> added_symbol_of(const trading_services&, const request_context& ctx) {
  auto body = object_body(ctx, {"symbol"});
  if (!body) return std::unexpected(body.error());
  auto symbol = required_string(*body, "symbol");
  if (!symbol) return symbol;
  return upper_ascii(*symbol);
}

asio::awaitable<outcome> add_symbol(const trading_services& s, const request_context& ctx,
                                    trading_repo::player player, const std::string& sym) {
  const std::string id = ctx.params.at("id");
  const auto caps = caps_of(s);
  auto saved = co_await run(s.pool, [&](db::connection& c) {
    return trading_repo::add_to_watchlist(c, player, id, sym, caps);
  });
  co_return saved_answer(s, saved);
}

asio::awaitable<outcome> remove_symbol(const trading_services& s, const request_context& ctx,
                                       trading_repo::player player) {
  const std::string id = ctx.params.at("id");
  const auto sym = upper_ascii(ctx.params.at("symbol"));
  auto saved = co_await run(s.pool, [&](db::connection& c) {
    return trading_repo::remove_from_watchlist(c, player, id, sym);
  });
  co_return saved_answer(s, saved);
}

asio::awaitable<outcome> drop(const trading_services& s, const request_context& ctx,
                              trading_repo::player player) {
  const std::string id = ctx.params.at("id");
  auto gone = co_await run(s.pool, [&](db::connection& c) {
    return or_fail(trading_repo::delete_watchlist(c, player, id), errc::not_found, no_watchlist);
  });
  if (!gone) co_return std::unexpected(gone.error());
  co_return no_content();
}

}  // namespace

void register_watchlist_routes(http::router& routes, const trading_services& s) {
  add_v2_route(routes, "GET", "/v2/watchlists", player_route(s, list_all));
  add_v2_route(routes, "POST", "/v2/watchlists", player_route(s, new_watchlist_of, save));
  add_v2_route(routes, "GET", "/v2/watchlists/{id}", player_route(s, show));
  add_v2_route(routes, "PUT", "/v2/watchlists/{id}", player_route(s, watchlist_change_of, save));
  add_v2_route(routes, "POST", "/v2/watchlists/{id}", player_route(s, added_symbol_of, add_symbol));
  add_v2_route(routes, "DELETE", "/v2/watchlists/{id}/{symbol}", player_route(s, remove_symbol));
  add_v2_route(routes, "DELETE", "/v2/watchlists/{id}", player_route(s, drop));
}

}  // namespace marketsim::api
