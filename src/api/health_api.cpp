// /healthz (the process is up) and /readyz (PostgreSQL answers; which instance answered and
// whether it leads the cluster). io threads.
#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/core/instance.hpp"
#include "marketsim/db/market_repo.hpp"

namespace marketsim::api {

void register_health_routes(http::router& routes, const market_services& s) {
  auto& pool = s.pool;
  const auto* feed = &s.feed;
  const auto* instance = &instance_id(s.cfg.instance);
  routes.add("GET", "/healthz",
             [](http::request_context&) -> boost::asio::awaitable<http::response> {
               co_return http::json_response(200, {{"status", "ok"}});
             });
  routes.add(
      "GET", "/readyz",
      answering(
          [&pool, feed, instance](http::request_context& ctx) -> boost::asio::awaitable<outcome> {
            auto ok = co_await run(pool, [](db::connection& c) { db::market_repo::ping(c); });
            if (!ok) co_return std::unexpected(ok.error());
            co_return http::json_response(
                200, {{"status", "ready"}, {"instance", *instance}, {"leader", feed->leading()}});
          }));
}

}  // namespace marketsim::api
