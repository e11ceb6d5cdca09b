// /healthz (the process is up) and /readyz (PostgreSQL answers). io threads.
#include <nlohmann/json.hpp>

#include "marketsim/api/market_api.hpp"
#include "marketsim/db/market_repo.hpp"

namespace marketsim::api {

void register_health_routes(http::router& routes, db::pool& pool) {
  routes.add("GET", "/healthz",
             [](http::request_context&) -> boost::asio::awaitable<http::response> {
               co_return http::json_response(200, {{"status", "ok"}});
             });
  routes.add("GET", "/readyz",
             [&pool](http::request_context& ctx) -> boost::asio::awaitable<http::response> {
               auto ok = co_await pool.execute([](db::connection& c) { db::market_repo::ping(c); });
               if (!ok) co_return http::error_response(ok.error(), ctx.request_id);
               co_return http::json_response(200, {{"status", "ready"}});
             });
}

}  // namespace marketsim::api
