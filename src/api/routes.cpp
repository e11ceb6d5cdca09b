// The server's route table (see routes.hpp). Main thread, at start-up.
#include "marketsim/api/routes.hpp"

namespace marketsim::api {

void register_all_routes(http::router& routes, const market_services& market,
                         const account_services& accounts, const trading_services& trading,
                         bool test_hooks) {
  register_health_routes(routes, market.pool);
  register_market_routes(routes, market);
  register_market_data_routes(routes, market);
  register_account_routes(routes, accounts);
  register_admin_routes(routes, accounts);
  register_error_report_routes(routes, accounts);
  register_trading_routes(routes, trading);
  if (test_hooks) {
    register_test_hooks(routes, accounts.clock);
    register_trading_test_hooks(routes, trading);
  }
}

}  // namespace marketsim::api
