// Stooq CSV inputs found by fuzzing (tests/fuzz/market_csv.cpp), each a parse error now.
#include <gtest/gtest.h>

#include <string>

#include "marketsim/core/error.hpp"
#include "marketsim/market/stooq.hpp"

using namespace marketsim;

namespace {
const std::string header = "Symbol,Date,Time,Open,High,Low,Close,Volume\r\n";
}  // namespace

// A code that is only the ".US" suffix became a quote, or an unavailable entry, with an empty
// symbol.
TEST(StooqCsv, SuffixOnlyCodeIsAnEmptySymbolAndAParseError) {
  for (std::string row :
       {".US,2024-05-10,22:00:09,184.9,185.09,182.13,183.55,50812233",
        ".us,N/D,N/D,N/D,N/D,N/D,N/D,N/D", ",2024-05-10,22:00:09,184.9,185.09,182.13,183.55,1"}) {
    auto r = market::parse_stooq_csv(header + row + "\r\n");
    ASSERT_FALSE(r) << row;
    EXPECT_EQ(r.error().code, errc::parse_error);
    EXPECT_EQ(r.error().message, "stooq:2: empty symbol") << row;
  }
  // The codes that do name something still parse.
  auto ok = market::parse_stooq_csv(header +
                                    "X.US,2024-05-10,22:00:09,1,1,1,1,1\r\n"
                                    "^SPX,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->quotes.size(), 1u);
  EXPECT_EQ(ok->quotes[0].symbol, "X");
  EXPECT_EQ(ok->unavailable, (std::vector<std::string>{"SPX"}));
}
