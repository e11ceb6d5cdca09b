// The instruments marketsim knows: the five real stocks of the bundled history, the S&P 500
// index, and a built-in list of invented companies for the simulated part of the market, each
// with the parameters its price generator uses. Pure constant data; read from every thread.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::market {

inline constexpr std::string_view index_symbol = "SPX";
// Annual volatility of the common market factor (the index) in the simulated market.
inline constexpr double market_volatility = 0.18;

struct instrument_profile {
  instrument info;
  double start_price = 0;         // dollars, where a simulation starts without a resume point
  double drift = 0;               // annual, of the log price
  double volatility = 0;          // annual; for companies the idiosyncratic part only
  double beta = 0;                // exposure to the market factor
  std::int64_t daily_volume = 0;  // typical shares per day, scales the synthetic volumes
};

// AAPL, AMZN, GOOG, IBM, MSFT: the symbols of the bundled history, in catalog order.
[[nodiscard]] const std::vector<instrument_profile>& real_stock_profiles();
[[nodiscard]] const instrument_profile& index_profile();
// The whole built-in list; ordered so that any prefix spreads over the sectors.
[[nodiscard]] const std::vector<instrument_profile>& simulated_company_profiles();
// The first `count` of the built-in list (clamped to [0, list size]).
[[nodiscard]] std::vector<instrument_profile> simulated_companies(int count);
// Real stocks, then the index, then the first `simulated_count` invented companies.
[[nodiscard]] std::vector<instrument> catalog(int simulated_count);
// nullptr when the symbol is none of the built-in ones.
[[nodiscard]] const instrument_profile* find_profile(std::string_view symbol);

}  // namespace marketsim::market
