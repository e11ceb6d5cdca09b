// Alpaca's WebSocket protocols, the pure part (api/ws_alpaca_protocol.hpp): decoding JSON and
// MessagePack, the client messages, subscriptions and their cap, minute bars from ticks, the
// hub's frames read back, and the shapes of what the server sends.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "marketsim/api/ws_alpaca_protocol.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/sse/event.hpp"

using namespace marketsim;
namespace ap = marketsim::api::alpaca;
using json = nlohmann::json;

namespace {

std::string packed(const json& j) {
  auto bytes = json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

ap::tick tick_at(std::string_view time, std::string symbol, market::price_e4 price,
                 std::int64_t volume, std::int64_t id = 1) {
  return ap::tick{id, std::move(symbol), price, volume, *parse_time(time)};
}

}  // namespace

TEST(AlpacaStream, DecodesJsonAndMessagePackAlike) {
  const json auth{{"action", "auth"}, {"key", "MKABC"}, {"secret", "s"}};
  auto from_json = ap::decode_message(auth.dump(), ap::codec::json);
  auto from_pack = ap::decode_message(packed(auth), ap::codec::msgpack);
  ASSERT_TRUE(from_json && from_pack);
  EXPECT_EQ(*from_json, auth);
  EXPECT_EQ(*from_pack, auth);
  // Numbers of every width, negative ones, floats, booleans and nil.
  const json mixed{{"a", 1},
                   {"b", -1},
                   {"c", 300},
                   {"d", -40000},
                   {"e", 5'000'000'000},
                   {"f", 1.5},
                   {"g", true},
                   {"h", nullptr},
                   {"i", json::array({1, "x"})}};
  EXPECT_EQ(*ap::decode_message(packed(mixed), ap::codec::msgpack), mixed);
}

TEST(AlpacaStream, RefusesMalformedMessages) {
  EXPECT_FALSE(ap::decode_message("{not json", ap::codec::json));
  EXPECT_FALSE(ap::decode_message("[1,2]", ap::codec::json));  // not an object
  EXPECT_FALSE(ap::decode_message(std::string(100, '[') + std::string(100, ']'), ap::codec::json));
  const auto whole = packed(json{{"action", "auth"}, {"key", "k"}, {"secret", "s"}});
  EXPECT_FALSE(ap::decode_message(whole.substr(0, whole.size() - 1), ap::codec::msgpack));
  EXPECT_FALSE(ap::decode_message(whole + "x", ap::codec::msgpack));  // bytes after the value
  // A map claiming four billion entries in six bytes: refused before anything is allocated.
  EXPECT_FALSE(ap::decode_message(std::string("\xdf\xff\xff\xff\xff\xa1", 6), ap::codec::msgpack));
  // An extension type, and nesting past the limit.
  EXPECT_FALSE(ap::decode_message(std::string("\x81\xa1x\xd4\x01\x00", 6), ap::codec::msgpack));
  std::string deep = "\x81\xa1x";
  for (int i = 0; i < 20; ++i) deep += "\x91";
  deep += '\x01';
  EXPECT_FALSE(ap::decode_message(deep, ap::codec::msgpack));
}

TEST(AlpacaStream, ReadsEachKindOfClientMessage) {
  auto auth = ap::parse_client_message(json{{"action", "auth"}, {"key", "K"}, {"secret", "S"}});
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->what, ap::client_message::kind::auth);
  EXPECT_EQ(auth->key, "K");
  EXPECT_EQ(auth->secret, "S");
  // The trading stream's older form, as SDK 3.x sends it.
  auto old = ap::parse_client_message(
      json{{"action", "authenticate"}, {"data", {{"key_id", "K2"}, {"secret_key", "S2"}}}});
  ASSERT_TRUE(old);
  EXPECT_EQ(old->key, "K2");
  EXPECT_EQ(old->secret, "S2");
  auto sub = ap::parse_client_message(json{{"action", "subscribe"},
                                           {"trades", {"aapl"}},
                                           {"bars", {"*"}},
                                           {"dailyBars", json::array()}});
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->what, ap::client_message::kind::subscribe);
  EXPECT_EQ(sub->channels.trades, std::vector<std::string>{"AAPL"});
  EXPECT_TRUE(sub->channels.quotes.empty());
  EXPECT_EQ(sub->channels.bars, std::vector<std::string>{"*"});
  auto listen = ap::parse_client_message(
      json{{"action", "listen"}, {"data", {{"streams", {"trade_updates"}}}}});
  ASSERT_TRUE(listen);
  EXPECT_EQ(listen->streams, std::vector<std::string>{"trade_updates"});

  for (const json& bad : {json{{"action", "dance"}}, json{{"key", "K"}},
                          json{{"action", "auth"}, {"key", 5}, {"secret", "S"}},
                          json{{"action", "subscribe"}, {"trades", "AAPL"}},
                          json{{"action", "subscribe"}, {"trades", {"AA PL"}}},
                          json{{"action", "subscribe"}, {"quotes", {std::string(17, 'A')}}},
                          json{{"action", "listen"}, {"data", {{"streams", "x"}}}}}) {
    auto r = ap::parse_client_message(bad);
    ASSERT_FALSE(r) << bad.dump();
    EXPECT_EQ(r.error(), ap::code::invalid_syntax);
  }
}

TEST(AlpacaStream, SubscriptionsKeepTheirCapAllOrNothing) {
  ap::subscriptions s;
  ASSERT_TRUE(s.add({{"AAPL"}, {"AAPL", "MSFT"}, {}}, 3));
  EXPECT_TRUE(s.trades("AAPL"));
  EXPECT_FALSE(s.trades("MSFT"));
  EXPECT_TRUE(s.quotes("MSFT"));
  // "*" does not count against the cap; two new symbols would make four.
  ASSERT_TRUE(s.add({{"*"}, {}, {}}, 3));
  EXPECT_TRUE(s.trades("IBM"));
  auto over = s.add({{}, {}, {"IBM", "GE"}}, 3);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), ap::code::symbol_limit_exceeded);
  EXPECT_FALSE(s.bars("IBM"));  // nothing of the refused message was added
  s.remove({{"*", "AAPL"}, {}, {}});
  EXPECT_FALSE(s.trades("AAPL"));
  auto m = s.message();
  EXPECT_EQ(m["T"], "subscription");
  EXPECT_EQ(m["trades"], json::array());
  EXPECT_EQ(m["quotes"], json({"AAPL", "MSFT"}));
  EXPECT_EQ(m["bars"], json::array());
  EXPECT_EQ(m["dailyBars"], json::array());
}

TEST(AlpacaStream, MinuteBarsSkipTheFirstPartialMinute) {
  ap::bar_builder b;
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:30:10Z", "AAPL", 410'000, 100)));
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:30:50Z", "AAPL", 411'000, 100)));
  // 14:31 starts; 14:30 was only partly seen, so it is not reported.
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:31:00Z", "AAPL", 400'000, 100)));
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:31:20Z", "AAPL", 420'000, 300)));
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:31:40Z", "AAPL", 390'000, 100)));
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:31:00Z", "MSFT", 250'000, 100)));  // its own
  auto bar = b.add(tick_at("2005-01-03T14:34:00Z", "AAPL", 405'000, 100));
  ASSERT_TRUE(bar);
  EXPECT_EQ(bar->symbol, "AAPL");
  EXPECT_EQ(format_time(bar->start_ms), "2005-01-03T14:31:00Z");
  EXPECT_EQ(bar->open, 400'000);
  EXPECT_EQ(bar->high, 420'000);
  EXPECT_EQ(bar->low, 390'000);
  EXPECT_EQ(bar->close, 390'000);
  EXPECT_EQ(bar->volume, 500);
  EXPECT_EQ(bar->trades, 3);
  auto m = ap::bar_message(*bar);
  EXPECT_EQ(m["T"], "b");
  EXPECT_EQ(m["S"], "AAPL");
  EXPECT_DOUBLE_EQ(m["o"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(m["h"].get<double>(), 42.0);
  EXPECT_DOUBLE_EQ(m["vw"].get<double>(), (40.0 * 100 + 42.0 * 300 + 39.0 * 100) / 500);
  EXPECT_EQ(m["v"], 500);
  EXPECT_EQ(m["n"], 3);
  EXPECT_EQ(m["t"], "2005-01-03T14:31:00Z");
  // An older tick (a restart's replay) starts the symbol over, unreported.
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:00:00Z", "AAPL", 1, 1)));
  EXPECT_FALSE(b.add(tick_at("2005-01-03T14:01:00Z", "AAPL", 1, 1)));
  EXPECT_TRUE(b.add(tick_at("2005-01-03T14:02:00Z", "AAPL", 1, 1)));
}

TEST(AlpacaStream, ReadsTheHubsTickFrames) {
  const std::string data =
      R"({"symbol":"AAPL","price":"41.27","volume":1200,"time":"2005-01-03T14:31:18Z","change":"0.11","day_volume":35100})";
  auto f = ap::read_frame(sse::format_frame("tick", data, 1042));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->name, "tick");
  EXPECT_EQ(f->data, data);
  auto t = ap::parse_tick(f->data, 1042);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->symbol, "AAPL");
  EXPECT_EQ(t->price, 412'700);
  EXPECT_EQ(t->volume, 1200);
  EXPECT_EQ(t->id, 1042);
  EXPECT_FALSE(ap::read_frame(": heartbeat\n\n"));
  EXPECT_FALSE(ap::parse_tick(R"({"symbol":"AAPL","price":41.27})", 1));

  auto trade = ap::trade_message(*t);
  EXPECT_EQ(trade["T"], "t");
  EXPECT_EQ(trade["S"], "AAPL");
  EXPECT_EQ(trade["i"], 1042);
  EXPECT_DOUBLE_EQ(trade["p"].get<double>(), 41.27);
  EXPECT_EQ(trade["s"], 1200);
  EXPECT_EQ(trade["t"], "2005-01-03T14:31:18Z");
  // The house's quote around the price, as GET /v2/stocks/{symbol}/quotes/latest.
  auto quote = ap::quote_message(*t, 100);
  EXPECT_EQ(quote["T"], "q");
  EXPECT_DOUBLE_EQ(quote["bp"].get<double>(), 41.26);
  EXPECT_DOUBLE_EQ(quote["ap"].get<double>(), 41.28);
}

TEST(AlpacaStream, MessagesHaveAlpacasShapes) {
  EXPECT_EQ(ap::error_message(ap::code::auth_failed),
            json({{"T", "error"}, {"code", 402}, {"msg", "auth failed"}}));
  EXPECT_EQ(ap::error_message(ap::code::symbol_limit_exceeded)["msg"], "symbol limit exceeded");
  EXPECT_EQ(ap::success_message("connected"), json({{"T", "success"}, {"msg", "connected"}}));
  EXPECT_EQ(ap::authorization_message(true, "authenticate"),
            json({{"stream", "authorization"},
                  {"data", {{"status", "authorized"}, {"action", "authenticate"}}}}));
  EXPECT_EQ(ap::listening_message({"trade_updates"}),
            json({{"stream", "listening"}, {"data", {{"streams", {"trade_updates"}}}}}));
  auto update = ap::trade_update_message(
      R"({"event":"fill","timestamp":"2005-01-03T14:31:18Z","order":{"id":"x"},"price":"41.27","qty":"4","position_qty":"14"})");
  ASSERT_TRUE(update);
  EXPECT_EQ((*update)["stream"], "trade_updates");
  EXPECT_EQ((*update)["data"]["event"], "fill");
  EXPECT_EQ((*update)["data"]["order"]["id"], "x");
  EXPECT_FALSE(ap::trade_update_message("[]"));
  // MessagePack replies read back as sent.
  auto sub = ap::subscriptions{}.message();
  EXPECT_EQ(*ap::decode_message(ap::encode(sub, ap::codec::msgpack), ap::codec::msgpack), sub);
}
