// SSE framing, the coalescing client queue and the hub's Last-Event-ID resumption.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "marketsim/sse/event.hpp"
#include "marketsim/sse/hub.hpp"

using namespace marketsim::sse;

namespace {
event ev(std::int64_t id, std::string symbol) {
  return event{id, symbol, std::make_shared<const std::string>(format_frame("tick", symbol, id))};
}
std::vector<std::int64_t> ids(const std::vector<event>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}
}  // namespace

TEST(SseFrame, FormatsIdEventAndMultilineData) {
  EXPECT_EQ(format_frame("tick", "{\"a\":1}", 7), "id: 7\nevent: tick\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(format_frame("reset", "a\nb"), "event: reset\ndata: a\ndata: b\n\n");
  EXPECT_EQ(heartbeat_frame(), ": heartbeat\n\n");
  EXPECT_EQ(parse_last_event_id(" 42 ").value(), 42);
  EXPECT_FALSE(parse_last_event_id("x"));
  EXPECT_FALSE(parse_last_event_id("-1"));
  EXPECT_FALSE(parse_last_event_id(""));
}

TEST(ClientQueue, KeepsEveryEventUnderCapacity) {
  client_queue q(4);
  q.push(ev(1, "A"));
  q.push(ev(2, "B"));
  q.push(ev(3, "A"));
  EXPECT_EQ(ids(q.drain()), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.coalesced(), 0u);
}

TEST(ClientQueue, CoalescesToLatestPerSymbolWhenFullAndStaysBounded) {
  client_queue q(3);
  for (int i = 1; i <= 1000; ++i) q.push(ev(i, i % 2 ? "A" : "B"));
  EXPECT_EQ(q.size(), 2u);  // bounded by the number of symbols, not by what was published
  auto out = q.drain();
  EXPECT_EQ(ids(out), (std::vector<std::int64_t>{999, 1000}));
  EXPECT_EQ(q.coalesced(), 998u);
  // After draining the queue is back to normal mode.
  q.push(ev(1001, "A"));
  q.push(ev(1002, "A"));
  EXPECT_EQ(ids(q.drain()), (std::vector<std::int64_t>{1001, 1002}));
}

TEST(Hub, ResumesAfterLastEventIdWithoutGapOrDuplicate) {
  boost::asio::io_context ioc;
  hub h(100, 64, 10);
  std::vector<event> batch;
  for (int i = 1; i <= 10; ++i) batch.push_back(ev(i, i % 2 ? "A" : "B"));
  h.publish(batch);
  auto s = h.subscribe(ioc.get_executor(), {}, 6);
  ASSERT_TRUE(s);
  h.publish({ev(11, "A")});
  auto got = s->take();
  EXPECT_FALSE(got.reset);
  EXPECT_EQ(ids(got.events), (std::vector<std::int64_t>{7, 8, 9, 10, 11}));
}

TEST(Hub, FilterAppliesToReplayAndLive) {
  boost::asio::io_context ioc;
  hub h(100, 64, 10);
  h.publish({ev(1, "A"), ev(2, "B"), ev(3, "A")});
  auto s = h.subscribe(ioc.get_executor(), {"B"}, 0);
  h.publish({ev(4, "A"), ev(5, "B")});
  EXPECT_EQ(ids(s->take().events), (std::vector<std::int64_t>{2, 5}));
}

TEST(Hub, TooFarBehindGetsAReset) {
  boost::asio::io_context ioc;
  hub h(5, 64, 10);
  for (int i = 1; i <= 20; ++i) h.publish({ev(i, "A")});
  auto s = h.subscribe(ioc.get_executor(), {}, 3);
  auto got = s->take();
  EXPECT_TRUE(got.reset);
  EXPECT_TRUE(got.events.empty());
  // Exactly at the ring's edge is still resumable.
  auto edge = h.subscribe(ioc.get_executor(), {}, 15);
  auto e = edge->take();
  EXPECT_FALSE(e.reset);
  EXPECT_EQ(ids(e.events), (std::vector<std::int64_t>{16, 17, 18, 19, 20}));
}

TEST(Hub, ResumeAcrossRestartWithEmptyRingResets) {
  boost::asio::io_context ioc;
  hub h(5, 64, 10);
  h.start_after(500);
  EXPECT_TRUE(h.subscribe(ioc.get_executor(), {}, 400)->take().reset);
  EXPECT_FALSE(h.subscribe(ioc.get_executor(), {}, 500)->take().reset);
  EXPECT_TRUE(h.subscribe(ioc.get_executor(), {}, 900)->take().reset);  // ahead of this server
}

TEST(Hub, CapsSubscribersAndClosesAll) {
  boost::asio::io_context ioc;
  hub h(5, 64, 2);
  auto a = h.subscribe(ioc.get_executor(), {}, std::nullopt);
  auto b = h.subscribe(ioc.get_executor(), {}, std::nullopt);
  EXPECT_TRUE(a && b);
  EXPECT_EQ(h.subscribe(ioc.get_executor(), {}, std::nullopt), nullptr);
  h.unsubscribe(a);
  EXPECT_NE(h.subscribe(ioc.get_executor(), {}, std::nullopt), nullptr);
  h.close_all();
  EXPECT_TRUE(b->take().closed);
  EXPECT_EQ(h.subscribe(ioc.get_executor(), {}, std::nullopt), nullptr);
}
