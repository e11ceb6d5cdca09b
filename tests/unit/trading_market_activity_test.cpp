// The stock page's market activity, pure parts: the tape notification read back (and what is
// refused), the tape's JSON marks (which side took it, player, bot or house), and the top
// holders' weights: exact, from cash and every position, with no quantity in the JSON.
#include <gtest/gtest.h>

#include "marketsim/trading/market_activity.hpp"

using namespace marketsim::trading;

TEST(Tape, ReadsANotificationAndShowsItsMarks) {
  auto t = parse_tape_note(
      R"({"id":42,"symbol":"AAPL","price":412700,"qty":5,"taker":"sell","market_ms":1104762600000,)"
      R"("buyer":"bot","seller":"player","previous_id":40})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, 42);
  EXPECT_EQ(t->previous_id, 40);
  auto j = tape_event_json(*t);
  EXPECT_EQ(j["symbol"], "AAPL");
  EXPECT_EQ(j["price"], "41.27");
  EXPECT_EQ(j["qty"], "5");
  EXPECT_EQ(j["time"], "2005-01-03T14:30:00Z");
  EXPECT_EQ(j["taker"], "sell");
  EXPECT_EQ(j["buyer"], "bot");
  EXPECT_EQ(j["seller"], "player");
  EXPECT_EQ(j["house"], false);
  EXPECT_EQ(j["previous_id"], 40);
  EXPECT_FALSE(tape_json(*t).contains("symbol"));
}

TEST(Tape, AHouseFillAndAnOldFillWithoutTakerOrTime) {
  auto t = parse_tape_note(
      R"({"id":7,"symbol":"MSFT","price":250000,"qty":1,"taker":null,"market_ms":null,)"
      R"("buyer":"house","seller":"player","previous_id":null})");
  ASSERT_TRUE(t);
  auto j = tape_event_json(*t);
  EXPECT_EQ(j["house"], true);
  EXPECT_TRUE(j["taker"].is_null());
  EXPECT_TRUE(j["time"].is_null());
  EXPECT_TRUE(j["previous_id"].is_null());
}

TEST(Tape, RefusesMalformedNotifications) {
  for (const char* bad : {
           "",
           "not json",
           "[]",
           R"({"symbol":"A","price":1,"qty":1,"buyer":"bot","seller":"bot"})",
           R"({"id":1,"symbol":"A","price":0,"qty":1,"buyer":"bot","seller":"bot"})",
           R"({"id":1,"symbol":"A","price":1,"qty":-1,"buyer":"bot","seller":"bot"})",
           R"({"id":1,"symbol":"A","price":1,"qty":1,"buyer":"alien","seller":"bot"})",
           R"({"id":1,"symbol":"A","price":"1","qty":1,"buyer":"bot","seller":"bot"})",
       })
    EXPECT_FALSE(parse_tape_note(bad)) << bad;
}

namespace {
std::optional<price_e4> prices(std::string_view symbol) {
  if (symbol == "AAPL") return 400'000;  // $40
  if (symbol == "MSFT") return 250'000;  // $25
  return std::nullopt;                   // no price yet
}
}  // namespace

TEST(Holders, WeightIsTheSymbolsShareOfEquityExactly) {
  holder_account h;
  h.display_name = "Ada";
  h.user_tag = "ada";
  h.cash = 600'000'000;                          // $60,000
  h.positions = {{"AAPL", 500}, {"MSFT", 800}};  // $20,000 + $20,000
  auto ppm = weight_ppm(h, "AAPL", prices);      // 20,000 / 100,000
  ASSERT_TRUE(ppm);
  EXPECT_EQ(*ppm, 200'000);
  EXPECT_EQ(weight_text(*ppm), "0.2000");
  // A position without a price counts as nothing, in the symbol's value and in the equity.
  h.positions.push_back({"ZZZ", 1'000'000});
  EXPECT_EQ(weight_ppm(h, "AAPL", prices), 200'000);
  EXPECT_EQ(weight_ppm(h, "ZZZ", prices), 0);
}

TEST(Holders, RoundsHalfUpAndNeverOverflows) {
  holder_account h;
  h.cash = 0;
  h.positions = {{"AAPL", 1}, {"MSFT", 2}};  // 40 of 90: 0.444444...
  EXPECT_EQ(weight_ppm(h, "AAPL", prices), 444'444);
  EXPECT_EQ(weight_text(444'444), "0.4444");
  EXPECT_EQ(weight_text(444'450), "0.4445");
  EXPECT_EQ(weight_text(1'000'000), "1.0000");
  // A billion shares at $40 does not fit 64 bits times a million: still exact.
  h.positions = {{"AAPL", 1'000'000'000}};
  EXPECT_EQ(weight_ppm(h, "AAPL", prices), 1'000'000);
  holder_account empty;
  EXPECT_FALSE(weight_ppm(empty, "AAPL", prices));
}

TEST(Holders, JsonNamesTheHolderWithoutQuantities) {
  holder_account h;
  h.display_name = "Market maker 3";
  h.user_tag = "bot_03";
  h.bot_strategy = "market_maker";
  h.cash = 100;
  h.qty = 1234;
  h.positions = {{"AAPL", 1234}};
  auto j = holder_json(h, 123'456);
  EXPECT_EQ(j["name"], "Market maker 3");
  EXPECT_EQ(j["user_tag"], "bot_03");
  EXPECT_EQ(j["bot"], true);
  EXPECT_EQ(j["strategy"], "market_maker");
  EXPECT_EQ(j["weight"], "0.1235");
  const auto text = j.dump();
  EXPECT_EQ(text.find("1234"), std::string::npos) << text;
  EXPECT_FALSE(j.contains("qty"));
}
