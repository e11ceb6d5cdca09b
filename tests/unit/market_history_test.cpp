// Unit tests of the vega-datasets history parsers: dates, exact prices, and typed errors that
// name the file and line of a malformed row. Single-threaded; reads only tests/fixtures (and the
// real package when MARKETSIM_DATA_DIR is set).
#include <gtest/gtest.h>

#include <cstdlib>

#include "marketsim/market/history.hpp"
#include "test_support.hpp"

namespace marketsim::market {
namespace {

const std::string fixture_dir =
    std::string(test_support::source_dir) + "/tests/fixtures/market_data";
constexpr std::string_view index_header = "date,open,high,low,close,adjclose,volume\n";

TEST(MarketHistory, Dates) {
  EXPECT_EQ(parse_iso_date("1970-01-01"), 0);
  EXPECT_EQ(parse_iso_date("2000-01-03"), 10'959);
  EXPECT_EQ(format_iso_date(10'959), "2000-01-03");
  EXPECT_FALSE(parse_iso_date("2000-02-30"));
  EXPECT_FALSE(parse_iso_date("2000-1-03"));
  EXPECT_FALSE(parse_iso_date("2000/01/03"));
  EXPECT_EQ(parse_month_day_year("Jan 1 2000"), parse_iso_date("2000-01-01"));
  EXPECT_EQ(parse_month_day_year("Aug 1 2004"), parse_iso_date("2004-08-01"));
  EXPECT_FALSE(parse_month_day_year("Foo 1 2000"));
  EXPECT_FALSE(parse_month_day_year("Jan 32 2000"));
  EXPECT_FALSE(parse_month_day_year("Jan 1"));
  EXPECT_EQ(day_of_ms(-1), -1);
  EXPECT_EQ(day_of_ms(ms_per_day), 1);
}

TEST(MarketHistory, ParsesIndexRowsToCents) {
  const std::string text = std::string(index_header) +
                           "2000-01-03,1469.250000,1478.000000,1438.359985,1455.219971,"
                           "1455.219971,931800000\r\n"
                           "2000-01-04,1455.219971,1455.219971,1397.430054,1399.420044,"
                           "1399.420044,1009000000";  // no final newline, like the real file
  auto bars = parse_index_csv(text, "sp.csv");
  ASSERT_TRUE(bars) << bars.error().message;
  ASSERT_EQ(bars->size(), 2u);
  EXPECT_EQ((*bars)[0].open, 14'692'500);
  EXPECT_EQ((*bars)[0].low, 14'383'600);
  EXPECT_EQ((*bars)[0].close, 14'552'200);
  EXPECT_EQ((*bars)[0].volume, 931'800'000);
  EXPECT_EQ((*bars)[1].high, 14'552'200);
}

struct bad_row {
  std::string row;
  std::string fragment;
};

TEST(MarketHistory, IndexParseErrorsNameFileAndLine) {
  const std::string good = "2000-01-03,10,11,9,10.5,10.5,100\n";
  for (const bad_row& c : std::vector<bad_row>{
           {"2000-13-03,10,11,9,10.5,10.5,100", "bad date"},
           {"2000-01-04,ten,11,9,10.5,10.5,100", "bad price"},
           {"2000-01-04,10,11,9,-1,-1,100", "bad price"},
           {"2000-01-04,10,11,9,10.5,10.5,-5", "bad volume"},
           {"2000-01-04,10,11,9,10.5,10.5,1.5", "bad volume"},
           {"2000-01-04,10,11", "too few columns"},
           {"2000-01-04,12,11,9,10.5,10.5,100", "low..high"},
           {"2000-01-03,10,11,9,10.5,10.5,100", "strictly increasing"},
       }) {
    auto r = parse_index_csv(std::string(index_header) + good + c.row + "\n", "sp.csv");
    ASSERT_FALSE(r) << c.row;
    EXPECT_EQ(r.error().code, errc::parse_error);
    EXPECT_NE(r.error().message.find("sp.csv:3:"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << r.error().message;
  }
  auto no_header = parse_index_csv("when,open\n2000-01-03,1\n", "sp.csv");
  ASSERT_FALSE(no_header);
  EXPECT_NE(no_header.error().message.find("sp.csv:1:"), std::string::npos);
  EXPECT_FALSE(parse_index_csv("", "sp.csv"));
  EXPECT_FALSE(parse_index_csv(index_header, "sp.csv"));
}

TEST(MarketHistory, ParsesStocks) {
  auto stocks = parse_stocks_csv(
      "symbol,date,price\nMSFT,Jan 1 2000,39.81\nMSFT,Feb 1 2000,36.35\nGOOG,Aug 1 2004,102.37\n",
      "stocks.csv");
  ASSERT_TRUE(stocks) << stocks.error().message;
  ASSERT_EQ(stocks->size(), 2u);
  ASSERT_EQ(stocks->at("MSFT").size(), 2u);
  EXPECT_EQ(stocks->at("MSFT")[0].price, 398'100);
  EXPECT_EQ(stocks->at("GOOG")[0].day, *parse_iso_date("2004-08-01"));
}

TEST(MarketHistory, StocksParseErrors) {
  for (const bad_row& c : std::vector<bad_row>{
           {"msft,Feb 1 2000,36.35", "bad symbol"},
           {"MSFT,2000-02-01,36.35", "bad date"},
           {"MSFT,Feb 1 2000,", "bad price"},
           {"MSFT,Feb 1 2000,0", "bad price"},
           {"MSFT,Jan 1 2000,36.35", "not strictly increasing"},
           {"MSFT", "too few columns"},
       }) {
    auto r = parse_stocks_csv("symbol,date,price\nMSFT,Jan 1 2000,39.81\n" + c.row, "stocks.csv");
    ASSERT_FALSE(r) << c.row;
    EXPECT_EQ(r.error().code, errc::parse_error);
    EXPECT_NE(r.error().message.find("stocks.csv:3:"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << r.error().message;
  }
}

TEST(MarketHistory, LoadsFixtureDirectory) {
  auto h = load_history(fixture_dir);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_GT(h->index_days.size(), 60u);
  EXPECT_EQ(h->stocks.size(), 5u);
}

TEST(MarketHistory, MissingDirectoryIsTypedError) {
  auto h = load_history("/nonexistent/vega-datasets/data");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, errc::io_error);
  auto unset = load_history("");
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().code, errc::config_missing);
}

TEST(MarketHistory, LoadsRealPackageWhenAvailable) {
  const char* dir = std::getenv("MARKETSIM_DATA_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "MARKETSIM_DATA_DIR not set";
  auto h = load_history(dir);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->index_days.front().day, *parse_iso_date("2000-01-03"));
  EXPECT_EQ(h->index_days.front().close, 14'552'200);
  ASSERT_EQ(h->stocks.size(), 5u);
  EXPECT_EQ(h->stocks.at("GOOG").front().day, *parse_iso_date("2004-08-01"));
  EXPECT_EQ(h->stocks.at("MSFT").back().day, *parse_iso_date("2010-03-01"));
}

}  // namespace
}  // namespace marketsim::market
