// Order amounts read strictly: whole-share quantities and 4-decimal prices from JSON strings
// or numbers; the issue's bad inputs (0, -1, 1e309, "NaN", 2^63, wrong types) are refused;
// price × quantity never overflows silently.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "marketsim/trading/money.hpp"

using namespace marketsim;
using namespace marketsim::trading;
using json = nlohmann::json;

TEST(TradingMoney, QuantitiesFromStringsAndNumbers) {
  EXPECT_EQ(parse_quantity(json("10"), "qty").value(), 10);
  EXPECT_EQ(parse_quantity(json(10), "qty").value(), 10);
  EXPECT_EQ(parse_quantity(json("1.0"), "qty").value(), 1);  // "1.0" is one whole share
  EXPECT_EQ(parse_quantity(json(max_order_qty), "qty").value(), max_order_qty);
}

TEST(TradingMoney, BadQuantitiesAreRefused) {
  for (const auto& v : {json(0),
                        json(-1),
                        json("0"),
                        json("-1"),
                        json(1.5),
                        json("1.5"),
                        json("1e3"),
                        json("NaN"),
                        json("nan"),
                        json("Infinity"),
                        json(" 1"),
                        json("1 "),
                        json("+1"),
                        json(""),
                        json(true),
                        json(nullptr),
                        json::array({1}),
                        json::object(),
                        json("9223372036854775808"),
                        json(9223372036854775807LL),
                        json(max_order_qty + 1),
                        json("99999999999999999999999999999999999999999")}) {
    auto r = parse_quantity(v, "qty");
    EXPECT_FALSE(r) << v.dump();
    if (!r) {
      EXPECT_EQ(r.error().code, errc::bad_request);
      EXPECT_NE(r.error().message.find("qty"), std::string::npos);
    }
  }
  // 1e309 is not even a double: a request body holding it does not parse (400 invalid_json),
  // and an infinite number that got this far is refused too.
  EXPECT_TRUE(json::parse(R"({"qty":1e309})", nullptr, false).is_discarded());
  EXPECT_FALSE(parse_quantity(json(std::numeric_limits<double>::infinity()), "qty"));
}

TEST(TradingMoney, PricesAreExact) {
  EXPECT_EQ(parse_order_price(json("12.34"), "limit_price").value(), 123'400);
  EXPECT_EQ(parse_order_price(json(12.34), "limit_price").value(), 123'400);
  EXPECT_EQ(parse_order_price(json("0.0001"), "limit_price").value(), 1);
  EXPECT_EQ(parse_order_price(json("100"), "limit_price").value(), 1'000'000);
  EXPECT_EQ(parse_order_price(json("1.23450"), "limit_price").value(), 12'345);  // zero after 4
  EXPECT_EQ(parse_order_price(json(100.1), "limit_price").value(), 1'001'000);
}

TEST(TradingMoney, BadPricesAreRefused) {
  for (const auto& v : {json(0), json("0"), json("0.00001"), json("1.23456"), json(-5), json("-5"),
                        json("NaN"), json("1e2"), json("."), json("1."), json(".5"), json(false),
                        json("1000000000"), json("1e309")}) {
    EXPECT_FALSE(parse_order_price(v, "limit_price")) << v.dump();
  }
  EXPECT_FALSE(parse_order_price(json(std::numeric_limits<double>::quiet_NaN()), "limit_price"));
}

TEST(TradingMoney, NotionalIsExactAndOverflowIsCaught) {
  EXPECT_EQ(notional(123'400, 3).value(), 370'200);
  EXPECT_EQ(notional(max_order_price - 1, max_order_qty), std::nullopt);  // 1e13 × 1e9
  EXPECT_EQ(notional(1'000'000, max_order_qty).value(), 1'000'000'000'000'000LL);
}

TEST(TradingMoney, ReturnsAreExactToSixPlacesRoundedHalfAwayFromZero) {
  EXPECT_EQ(format_return(100'000'0000, 100'000'0000), "0.000000");
  EXPECT_EQ(format_return(101'234'5000, 100'000'0000), "0.012345");
  EXPECT_EQ(format_return(50'000'0000, 100'000'0000), "-0.500000");
  EXPECT_EQ(format_return(300'000'0000, 100'000'0000), "2.000000");
  // 1/3 and -1/3 of a millionth's half: 0.0000005 rounds away from zero, below it does not.
  EXPECT_EQ(format_return(2'000'001, 2'000'000), "0.000001");   // +0.0000005
  EXPECT_EQ(format_return(1'999'999, 2'000'000), "-0.000001");  // -0.0000005
  EXPECT_EQ(format_return(3'000'001, 3'000'000), "0.000000");   // +0.00000033
  // A balance far beyond any game's does not overflow: the product is 128-bit.
  EXPECT_EQ(format_return(9'000'000'000'000'000'000LL, 1), "8999999999999999999.000000");
}
