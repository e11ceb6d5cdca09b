// Forecasts that publish their own accuracy (issue 12, docs/forecasts.md): the routes
// GET /api/forecasts/accuracy, /api/forecasts/portfolio and /api/forecasts/{symbol}, and what
// they keep. The catalog's evaluation (the real S&P 500 and monthly stock series) is computed
// once, on the first request, on a pool thread; the stored history's (daily closes the server
// has recorded) at most once a minute and again when the market day changes. Handlers run on io
// threads; every read and every evaluation runs on the db pool.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "marketsim/api/kept_reads.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/trading_api.hpp"
#include "marketsim/forecast/evaluation.hpp"

namespace marketsim::api {

class forecast_service {
 public:
  struct catalog_table {
    std::vector<forecast::series> series;  // full length; cut at the market time when used live
    std::vector<forecast::table_row> rows;
    std::string unavailable;  // why there is no catalog (no data folder), else empty
  };
  struct stored_table {
    std::int64_t market_time_ms = 0;  // when it was read: every close is of a day before it
    std::map<std::string, forecast::series, std::less<>> by_symbol;  // "stored:<symbol>"
    std::vector<forecast::table_row> rows;
  };

  forecast_service(market_services market, std::string data_dir);

  [[nodiscard]] boost::asio::awaitable<result<std::shared_ptr<const catalog_table>>> catalog();
  [[nodiscard]] boost::asio::awaitable<result<std::shared_ptr<const stored_table>>> stored();
  [[nodiscard]] const market_services& market() const { return market_; }

 private:
  market_services market_;
  std::string data_dir_;
  kept_reads<int, catalog_table> catalog_;
  kept_reads<std::int32_t, stored_table> stored_;  // keyed by the market day
};

// The three routes; `data_dir` is the vega-datasets folder (empty: no catalog evaluation).
void register_forecast_routes(http::router& routes, const market_services& market,
                              const trading_services& trading, const std::string& data_dir);

}  // namespace marketsim::api
