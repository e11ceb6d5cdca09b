// The whole route table of the server in one place, so the application and the test of the
// privilege table register exactly the same routes. Called once at start-up.
#pragma once
#include <string_view>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/trading_api.hpp"

namespace marketsim::api {

// Health, market, account, admin, error-report, trading and API-key routes; with `test_hooks`,
// the test-only ones.
void register_all_routes(http::router& routes, const market_services& market,
                         const account_services& accounts, const trading_services& trading,
                         bool test_hooks);

// GET /api/openapi.json: docs/openapi.json, the description of every route (openapi_api.cpp).
void register_openapi_routes(http::router& routes);
// That document's text, built into the server from docs/openapi.json (cmake/embed_openapi.cmake).
[[nodiscard]] std::string_view openapi_document() noexcept;

}  // namespace marketsim::api
