// /healthz (the process is up) and /readyz (PostgreSQL answers). io threads.
#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/db/market_repo.hpp"

namespace marketsim::api {

void register_health_routes(http::router& routes, db::pool& pool) {
  routes.add("GET", "/healthz",
             [](http::request_context&) -> boost::asio::awaitable<http::response> {
               co_return http::json_response(200, {{"status", "ok"}});
             });
  routes.add("GET", "/readyz",
             answering([&pool](http::request_context& ctx) -> boost::asio::awaitable<outcome> {
               auto ok = co_await run(pool, [](db::connection& c) { db::market_repo::ping(c); });
               if (!ok) co_return std::unexpected(ok.error());
               co_return http::json_response(200, {{"status", "ready"}});
             }));
}

}  // namespace marketsim::api
