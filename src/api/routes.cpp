// The server's route table (see routes.hpp). Main thread, at start-up.
#include "marketsim/api/routes.hpp"

#include "marketsim/api/forecasts.hpp"

#include <nlohmann/json.hpp>

namespace marketsim::api {

namespace {

// GET /api/test/routes: the route table as registered, so integration tests can check every
// route of a kind (e.g. each one that reads a JSON body) without keeping their own list.
void register_route_list(http::router& routes) {
  auto list = nlohmann::json::array();
  auto add = [&](const std::string& method, const std::string& path, const http::endpoint& ep) {
    list.push_back({{"method", method},
                    {"path", path},
                    {"access", auth::access_name(ep.need)},
                    {"csrf", ep.csrf},
                    {"api_keys", ep.api_keys}});
  };
  routes.for_each(add);
  add("GET", "/api/test/routes", http::endpoint{});
  auto body = std::make_shared<const std::string>(list.dump());
  routes.add("GET", "/api/test/routes",
             [body](http::request_context&) -> boost::asio::awaitable<http::response> {
               http::response r;
               r.shared_body = body;
               co_return r;
             });
}

}  // namespace

void register_all_routes(http::router& routes, const market_services& market,
                         const account_services& accounts, const trading_services& trading,
                         bool test_hooks) {
  register_health_routes(routes, market);
  register_openapi_routes(routes);
  register_market_routes(routes, market);
  register_leaderboard_routes(routes, market);
  register_activity_routes(routes, market);
  register_feed_routes(routes, market);
  register_public_profile_routes(routes, market, accounts.clock);
  register_market_data_routes(routes, market);
  register_account_routes(routes, accounts);
  register_admin_routes(routes, accounts);
  register_error_report_routes(routes, accounts);
  register_trading_routes(routes, trading);
  register_visit_routes(routes, trading);
  register_forecast_routes(routes, market, trading, market.cfg.data_dir);
  register_insights_routes(routes, trading);
  register_api_key_routes(routes, trading.cfg, trading.pool, trading.keys);
  if (test_hooks) {
    register_test_hooks(routes, accounts.clock);
    register_trading_test_hooks(routes, trading);
    register_route_list(routes);  // keep last: it lists the routes registered before it
  }
}

}  // namespace marketsim::api
