// The whole route table of the server in one place, so the application and the test of the
// privilege table register exactly the same routes. Called once at start-up.
#pragma once
#include "marketsim/api/account_api.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/trading_api.hpp"

namespace marketsim::api {

// Health, market, account, admin, error-report, trading and API-key routes; with `test_hooks`,
// the test-only ones.
void register_all_routes(http::router& routes, const market_services& market,
                         const account_services& accounts, const trading_services& trading,
                         bool test_hooks);

}  // namespace marketsim::api
