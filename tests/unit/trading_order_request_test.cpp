// Order requests read as Alpaca clients send them: which fields each order type takes, unknown
// and unsupported fields refused, replacements applied and re-checked, and the fingerprint that
// tells a retry from a reused client_order_id. Also the Alpaca JSON of an order and the exact
// ratios the positions report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "marketsim/trading/order_request.hpp"
#include "marketsim/trading/records.hpp"

using namespace marketsim;
using namespace marketsim::trading;
using json = nlohmann::json;

namespace {
json market_buy() {
  return json{{"symbol", "aapl"},
              {"qty", "10"},
              {"side", "buy"},
              {"type", "market"},
              {"time_in_force", "day"}};
}
}  // namespace

TEST(TradingOrderRequest, AMarketOrderAsAlpacaSendsIt) {
  auto o = parse_order_request(market_buy());
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->symbol, "AAPL");
  EXPECT_EQ(o->qty, 10);
  EXPECT_EQ(o->order_side, side::buy);
  EXPECT_EQ(o->type, order_type::market);
  EXPECT_EQ(o->tif, time_in_force::day);
  EXPECT_TRUE(o->client_order_id.empty());
  // SDKs send nulls and the defaults of fields they do not use.
  auto j = market_buy();
  j["limit_price"] = nullptr;
  j["order_class"] = "simple";
  j["extended_hours"] = false;
  EXPECT_TRUE(parse_order_request(j));
}

TEST(TradingOrderRequest, EachTypeTakesItsPrices) {
  auto j = market_buy();
  j["type"] = "limit";
  EXPECT_EQ(parse_order_request(j).error().code, errc::unprocessable);  // limit_price missing
  j["limit_price"] = "41.27";
  auto limit = parse_order_request(j);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->limit, 412'700);
  j["stop_price"] = 40;
  EXPECT_EQ(parse_order_request(j).error().code, errc::unprocessable);  // a stop on a limit
  j["type"] = "stop_limit";
  auto stop_limit = parse_order_request(j);
  ASSERT_TRUE(stop_limit);
  EXPECT_EQ(stop_limit->stop, 400'000);
  j["time_in_force"] = "ioc";
  EXPECT_EQ(parse_order_request(j).error().code, errc::unprocessable);  // stops: day or gtc

  auto t = market_buy();
  t["type"] = "trailing_stop";
  EXPECT_FALSE(parse_order_request(t));
  t["trail_percent"] = "1.5";
  auto trail = parse_order_request(t);
  ASSERT_TRUE(trail);
  EXPECT_EQ(trail->trail_ppm, 15'000);
  t["trail_price"] = "2";
  EXPECT_FALSE(parse_order_request(t));  // both
  t.erase("trail_percent");
  EXPECT_EQ(parse_order_request(t)->trail_price, 20'000);
}

TEST(TradingOrderRequest, WrongFieldsAreRefused) {
  auto with = [](const char* key, json value) {
    auto j = market_buy();
    j[key] = std::move(value);
    return parse_order_request(j);
  };
  EXPECT_EQ(with("limit_price", "100").error().code, errc::unprocessable);  // price on market
  EXPECT_EQ(with("time_in_force", "gtc").error().code, errc::unprocessable);
  EXPECT_EQ(with("rogue", 1).error().code, errc::unprocessable);
  EXPECT_EQ(with("notional", "100").error().code, errc::unprocessable);
  EXPECT_EQ(with("take_profit", json::object()).error().code, errc::unprocessable);
  EXPECT_EQ(with("extended_hours", true).error().code, errc::unprocessable);
  EXPECT_EQ(with("side", "short").error().code, errc::bad_request);
  EXPECT_EQ(with("type", "MARKET").error().code, errc::bad_request);
  EXPECT_EQ(with("time_in_force", "opg").error().code, errc::bad_request);
  EXPECT_EQ(with("symbol", 42).error().code, errc::bad_request);
  EXPECT_EQ(with("symbol", "").error().code, errc::bad_request);
  EXPECT_EQ(with("qty", "0").error().code, errc::bad_request);
  EXPECT_EQ(with("client_order_id", std::string(129, 'x')).error().code, errc::bad_request);
  EXPECT_EQ(with("client_order_id", "tab\there").error().code, errc::bad_request);
  EXPECT_EQ(with("client_order_id", std::string(128, 'x'))->client_order_id.size(), 128u);
  auto no_qty = market_buy();
  no_qty.erase("qty");
  EXPECT_EQ(parse_order_request(no_qty).error().code, errc::bad_request);
  EXPECT_FALSE(parse_order_request(json::array()));
  EXPECT_FALSE(parse_order_request(json("buy")));
}

TEST(TradingOrderRequest, FingerprintTellsRetriesFromReuse) {
  auto a = parse_order_request(market_buy()).value();
  auto j = market_buy();
  j["symbol"] = "AAPL";
  j["qty"] = 10;
  j["client_order_id"] = "x";
  auto b = parse_order_request(j).value();
  EXPECT_EQ(fingerprint(a), fingerprint(b));  // same order, spelled differently
  j["qty"] = 11;
  EXPECT_NE(fingerprint(a), fingerprint(parse_order_request(j).value()));
}

TEST(TradingOrderRequest, ReplacementsAreAppliedAndChecked) {
  auto j = market_buy();
  j["type"] = "limit";
  j["limit_price"] = "10";
  j["client_order_id"] = "old";
  auto base = parse_order_request(j).value();
  auto r = parse_replace_request(json{{"qty", "5"}, {"limit_price", 9.5}});
  ASSERT_TRUE(r);
  auto next = apply_replace(base, *r);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->qty, 5);
  EXPECT_EQ(next->limit, 95'000);
  EXPECT_TRUE(next->client_order_id.empty());  // a new order gets a new id
  EXPECT_EQ(
      apply_replace(base, parse_replace_request(json{{"stop_price", "1"}}).value()).error().code,
      errc::unprocessable);
  EXPECT_EQ(parse_replace_request(json::object()).error().code, errc::unprocessable);
  // A new client_order_id alone is a replacement too: the same terms under a new id.
  auto renamed = parse_replace_request(json{{"client_order_id", "renamed-1"}});
  ASSERT_TRUE(renamed);
  EXPECT_EQ(apply_replace(base, *renamed).value().client_order_id, "renamed-1");
  EXPECT_EQ(parse_replace_request(json{{"side", "sell"}}).error().code, errc::unprocessable);
}

TEST(TradingRecords, RatiosAreExactAndRounded) {
  EXPECT_EQ(format_ratio(1, 3), "0.3333");
  EXPECT_EQ(format_ratio(2, 3), "0.6667");
  EXPECT_EQ(format_ratio(-2, 3), "-0.6667");
  EXPECT_EQ(format_ratio(5, 100'000), "0.0001");  // half up
  EXPECT_EQ(format_ratio(4, 100'000), "0");
  EXPECT_EQ(format_ratio(10, 0), "0");
  EXPECT_EQ(format_ratio(15'000, 10'000), "1.5");
}

TEST(TradingRecords, OrderJsonHasAlpacasFields) {
  order_record o;
  o.id = "00000000-0000-4000-8000-000000000001";
  o.client_order_id = "c1";
  o.symbol = "AAPL";
  o.type = order_type::limit;
  o.qty = 10;
  o.filled_qty = 3;
  o.filled_notional = 3 * 412'700 + 1;  // the average rounds to 4 decimals
  o.limit = 413'000;
  o.status = trading::order_status::partially_filled;
  o.submitted_ms = 1'104'762'600'000;
  o.updated_ms = o.submitted_ms;
  auto j = order_json(o);
  EXPECT_EQ(j["qty"], "10");
  EXPECT_EQ(j["filled_qty"], "3");
  EXPECT_EQ(j["filled_avg_price"], "41.27");
  EXPECT_EQ(j["limit_price"], "41.30");
  EXPECT_EQ(j["stop_price"], nullptr);
  EXPECT_EQ(j["type"], "limit");
  EXPECT_EQ(j["order_type"], "limit");
  EXPECT_EQ(j["submitted_at"], "2005-01-03T14:30:00Z");
  EXPECT_EQ(j["asset_id"], asset_id("AAPL"));
  EXPECT_NE(asset_id("AAPL"), asset_id("MSFT"));
  EXPECT_EQ(asset_id("AAPL").size(), 36u);
  for (const char* k : {"filled_at", "canceled_at", "expired_at", "replaced_by", "replaces", "hwm"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST(TradingRecords, TrailingStopShowsItsCurrentStopPrice) {
  order_record o;
  o.symbol = "MSFT";
  o.order_side = side::sell;
  o.type = order_type::trailing_stop;
  o.qty = 1;
  o.trail_price = 20'000;
  o.hwm = 550'000;
  o.trail_stop = 530'000;
  o.status = trading::order_status::fresh;
  auto j = order_json(o);
  EXPECT_EQ(j["stop_price"], "53.00");
  EXPECT_EQ(j["hwm"], "55.00");
  EXPECT_EQ(j["trail_price"], "2.00");
  // Before the first price there is no level yet.
  o.hwm.reset();
  o.trail_stop.reset();
  EXPECT_EQ(order_json(o)["stop_price"], nullptr);
}
