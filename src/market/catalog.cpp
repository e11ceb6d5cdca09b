// The built-in instrument list. Real companies carry their real names and sectors; the invented
// ones have fictional names and tickers ending in Q (a suffix exchanges hardly ever hand out to
// four-letter symbols) so they do not pass for listed companies. Constant data, any thread.
#include "marketsim/market/catalog.hpp"

#include <algorithm>

namespace marketsim::market {
namespace {

instrument_profile make(std::string_view symbol, std::string_view name, std::string_view sector,
                        instrument_kind kind, double price, double drift, double vol, double beta,
                        std::int64_t volume) {
  return instrument_profile{
      instrument{std::string(symbol), std::string(name), std::string(sector), kind},
      price,
      drift,
      vol,
      beta,
      volume};
}

instrument_profile company(std::string_view symbol, std::string_view name, std::string_view sector,
                           double price, double drift, double vol, double beta,
                           std::int64_t volume) {
  return make(symbol, name, sector, instrument_kind::simulated, price, drift, vol, beta, volume);
}

}  // namespace

const std::vector<instrument_profile>& real_stock_profiles() {
  // Start prices are plausible recent levels, used only by the simulated provider; the replay
  // takes prices from the history and only the volatility and volume from here.
  static const std::vector<instrument_profile> list = {
      make("AAPL", "Apple Inc.", "Technology", instrument_kind::stock, 190.0, 0.10, 0.24, 1.2,
           60'000'000),
      make("AMZN", "Amazon.com, Inc.", "Consumer Discretionary", instrument_kind::stock, 180.0,
           0.12, 0.28, 1.3, 45'000'000),
      make("GOOG", "Alphabet Inc.", "Communication Services", instrument_kind::stock, 170.0, 0.10,
           0.24, 1.1, 25'000'000),
      make("IBM", "International Business Machines Corporation", "Technology",
           instrument_kind::stock, 185.0, 0.05, 0.18, 0.8, 5'000'000),
      make("MSFT", "Microsoft Corporation", "Technology", instrument_kind::stock, 420.0, 0.10, 0.20,
           1.0, 22'000'000),
  };
  return list;
}

const instrument_profile& index_profile() {
  static const instrument_profile spx =
      make(index_symbol, "S&P 500 Index", "Index", instrument_kind::index, 5200.0, 0.07, 0.0, 1.0,
           4'000'000'000);
  return spx;
}

const std::vector<instrument_profile>& simulated_company_profiles() {
  // Round-robin over sectors so the default prefix of 20 already covers all of them.
  static const std::vector<instrument_profile> list = {
      company("NMBQ", "Nimbrel Systems", "Technology", 84.20, 0.14, 0.32, 1.35, 9'000'000),
      company("HLCQ", "Halcyra Therapeutics", "Healthcare", 41.75, 0.09, 0.45, 0.85, 6'500'000),
      company("CVBQ", "Corvane Bancorp", "Financials", 57.30, 0.06, 0.22, 1.15, 7'200'000),
      company("AGPQ", "Ashgrove Petroleum", "Energy", 72.10, 0.04, 0.30, 0.95, 8'100'000),
      company("LMRQ", "Lumaric Apparel", "Consumer Discretionary", 33.60, 0.07, 0.28, 1.20,
              4'300'000),
      company("HFDQ", "Harrowfield Foods", "Consumer Staples", 48.90, 0.05, 0.14, 0.55, 3'900'000),
      company("IVAQ", "Ironvale Aerospace", "Industrials", 126.40, 0.08, 0.22, 1.05, 2'800'000),
      company("WMPQ", "Westmarch Power", "Utilities", 62.15, 0.04, 0.12, 0.45, 3'100'000),
      company("FWMQ", "Ferrowind Metals", "Materials", 29.85, 0.05, 0.34, 1.25, 5'600'000),
      company("EFMQ", "Echofield Media", "Communication Services", 21.40, 0.06, 0.30, 1.10,
              6'900'000),
      company("QLFQ", "Quillforge Software", "Technology", 212.50, 0.16, 0.35, 1.40, 2'400'000),
      company("MRDQ", "Meridove Health", "Healthcare", 95.70, 0.07, 0.18, 0.70, 2'200'000),
      company("TLWQ", "Tallowmere Capital", "Financials", 143.25, 0.08, 0.24, 1.30, 1'900'000),
      company("SLVQ", "Solvane Renewables", "Energy", 18.60, 0.12, 0.50, 1.45, 11'000'000),
      company("PWMQ", "Pinewhistle Motors", "Consumer Discretionary", 64.80, 0.10, 0.40, 1.50,
              7'800'000),
      company("KTBQ", "Kettlebrook Beverages", "Consumer Staples", 71.20, 0.05, 0.13, 0.60,
              2'600'000),
      company("CPLQ", "Copperline Freight", "Industrials", 38.45, 0.06, 0.25, 1.10, 3'400'000),
      company("CBWQ", "Clearbrook Water", "Utilities", 44.30, 0.04, 0.11, 0.40, 1'500'000),
      company("GMCQ", "Glassmere Chemicals", "Materials", 87.95, 0.05, 0.22, 1.00, 2'100'000),
      company("PRLQ", "Parlance Telecom", "Communication Services", 26.10, 0.03, 0.17, 0.65,
              8'400'000),
      company("VXTQ", "Vextral Semiconductor", "Technology", 153.80, 0.15, 0.42, 1.60, 5'300'000),
      company("PLCQ", "Pellucent Biosciences", "Healthcare", 12.35, 0.10, 0.60, 0.90, 9'700'000),
      company("BFNQ", "Brightfen Insurance", "Financials", 66.40, 0.06, 0.16, 0.80, 1'700'000),
      company("RCDQ", "Redcliff Drilling", "Energy", 23.90, 0.03, 0.38, 1.20, 4'800'000),
      company("GDMQ", "Gildmoor Resorts", "Consumer Discretionary", 52.70, 0.07, 0.30, 1.25,
              2'900'000),
      company("MPGQ", "Marlow & Pike Grocers", "Consumer Staples", 36.55, 0.04, 0.15, 0.50,
              3'300'000),
      company("SBMQ", "Stonebridge Machinery", "Industrials", 109.20, 0.07, 0.24, 1.15, 1'800'000),
      company("OBTQ", "Orbitane Networks", "Technology", 47.65, 0.11, 0.36, 1.30, 6'100'000),
  };
  return list;
}

std::vector<instrument_profile> simulated_companies(int count) {
  const auto& all = simulated_company_profiles();
  const auto n = static_cast<std::size_t>(std::clamp(count, 0, static_cast<int>(all.size())));
  return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<instrument> catalog(int simulated_count) {
  std::vector<instrument> out;
  for (const auto& p : real_stock_profiles()) out.push_back(p.info);
  out.push_back(index_profile().info);
  for (const auto& p : simulated_companies(simulated_count)) out.push_back(p.info);
  return out;
}

const instrument_profile* find_profile(std::string_view symbol) {
  for (const auto& p : real_stock_profiles()) {
    if (p.info.symbol == symbol) return &p;
  }
  if (index_profile().info.symbol == symbol) return &index_profile();
  for (const auto& p : simulated_company_profiles()) {
    if (p.info.symbol == symbol) return &p;
  }
  return nullptr;
}

}  // namespace marketsim::market
