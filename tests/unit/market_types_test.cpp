// Unit tests of exact price formatting, parsing and rounding, and of the instrument catalog.
// Single-threaded.
#include <gtest/gtest.h>

#include <set>

#include "marketsim/market/catalog.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {
namespace {

TEST(MarketTypes, KindNames) {
  EXPECT_EQ(kind_name(instrument_kind::stock), "stock");
  EXPECT_EQ(kind_name(instrument_kind::index), "index");
  EXPECT_EQ(kind_name(instrument_kind::simulated), "simulated");
}

TEST(MarketTypes, FormatPriceKeepsTwoToFourDecimals) {
  EXPECT_EQ(format_price(1'234'500), "123.45");
  EXPECT_EQ(format_price(1'230'000), "123.00");
  EXPECT_EQ(format_price(1'234'560), "123.456");
  EXPECT_EQ(format_price(1'234'567), "123.4567");
  EXPECT_EQ(format_price(1), "0.0001");
  EXPECT_EQ(format_price(0), "0.00");
  EXPECT_EQ(format_price(-1'200), "-0.12");
  EXPECT_EQ(format_price(-123'456'789), "-12345.6789");
}

TEST(MarketTypes, ParsePriceAcceptsPlainDecimals) {
  EXPECT_EQ(parse_price("12"), 120'000);
  EXPECT_EQ(parse_price("12.5"), 125'000);
  EXPECT_EQ(parse_price("0.0001"), 1);
  EXPECT_EQ(parse_price("0"), 0);
  EXPECT_EQ(parse_price("007.10"), 71'000);
}

TEST(MarketTypes, ParsePriceRoundsHalfAwayFromZero) {
  EXPECT_EQ(parse_price("1.00005"), 10'001);
  EXPECT_EQ(parse_price("1.00004999"), 10'000);
  EXPECT_EQ(parse_price("0.99995"), 10'000);
  EXPECT_EQ(parse_price("1455.219971"), 14'552'200);
}

TEST(MarketTypes, ParsePriceRejectsBadInput) {
  for (std::string_view bad : {"", "-1", "+1", " 1", "1 ", ".5", "5.", "1e5", "1,5", "abc", "1.2.3",
                               "12.3x", "1.00005x", "999999999999999"}) {
    EXPECT_FALSE(parse_price(bad).has_value()) << bad;
  }
}

TEST(MarketTypes, FormatAndParseRoundTrip) {
  for (price_e4 p :
       {price_e4{0}, price_e4{1}, price_e4{100}, price_e4{1'234'567}, price_e4{99'999'999'999}}) {
    EXPECT_EQ(parse_price(format_price(p)), p);
  }
}

TEST(MarketTypes, RoundToCents) {
  EXPECT_EQ(round_to_cents(1455.219971), 14'552'200);
  EXPECT_EQ(round_to_cents(0.0051), 100);
  EXPECT_EQ(round_to_cents(0.004), 0);
  EXPECT_EQ(round_to_cents(-1.2351), -12'400);
  EXPECT_EQ(round_to_cents(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(round_to_cents(std::numeric_limits<double>::infinity()), 0);
}

TEST(MarketCatalog, RealStocksIndexAndInventedCompanies) {
  const auto all = catalog(24);
  ASSERT_EQ(all.size(), 5u + 1u + 24u);
  EXPECT_EQ(all[0].symbol, "AAPL");
  EXPECT_EQ(all[0].name, "Apple Inc.");
  EXPECT_EQ(all[5].symbol, "SPX");
  EXPECT_EQ(all[5].name, "S&P 500 Index");
  EXPECT_EQ(all[5].sector, "Index");
  EXPECT_EQ(all[5].kind, instrument_kind::index);
  std::set<std::string> symbols, sectors;
  for (const auto& i : all) symbols.insert(i.symbol);
  EXPECT_EQ(symbols.size(), all.size()) << "duplicate symbol";
  for (const auto& p : simulated_company_profiles()) {
    EXPECT_EQ(p.info.kind, instrument_kind::simulated);
    EXPECT_GT(p.start_price, 0);
    EXPECT_GT(p.volatility, 0);
    sectors.insert(p.info.sector);
  }
  EXPECT_GE(simulated_company_profiles().size(), 24u);
  EXPECT_GE(sectors.size(), 8u);
  EXPECT_EQ(catalog(0).size(), 6u);
  EXPECT_EQ(catalog(1000).size(), 6u + simulated_company_profiles().size());
  EXPECT_EQ(catalog(-3).size(), 6u);
}

TEST(MarketCatalog, DefaultPrefixCoversEverySector) {
  std::set<std::string> all, prefix;
  for (const auto& p : simulated_company_profiles()) all.insert(p.info.sector);
  for (const auto& p : simulated_companies(20)) prefix.insert(p.info.sector);
  EXPECT_EQ(prefix, all);
}

}  // namespace
}  // namespace marketsim::market
