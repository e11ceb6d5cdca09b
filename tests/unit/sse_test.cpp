// SSE framing, the coalescing client queue, the hub's Last-Event-ID resumption (bounded in
// bytes, taken a chunk at a time) and its stream caps per address and per player.
#include <gtest/gtest.h>
#include <algorithm>

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
std::shared_ptr<subscriber> subscribe(hub& h, boost::asio::io_context& ioc,
                                      subscription what = {}) {
  auto s = h.subscribe(ioc.get_executor(), std::move(what));
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? *s : nullptr;
}
subscription resume_after(std::int64_t id) {
  subscription what;
  what.last_event_id = id;
  return what;
}
std::size_t frame_bytes(const std::vector<event>& events) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.frame->size();
  return n;
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
  auto s = subscribe(h, ioc, resume_after(6));
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
  subscription what = resume_after(0);
  what.filter = {"B"};
  auto s = subscribe(h, ioc, what);
  h.publish({ev(4, "A"), ev(5, "B")});
  EXPECT_EQ(ids(s->take().events), (std::vector<std::int64_t>{2, 5}));
}

// publish looks a filtered stream's symbols up in an index of the step: what each stream gets,
// in id order, must be what testing each event against its filter gives.
TEST(Hub, FilteredStreamsGetTheirSymbolsAndEveryonesEventsInIdOrder) {
  boost::asio::io_context ioc;
  hub h(100, 64, 10);
  auto with = [&](std::set<std::string, std::less<>> filter) {
    subscription what;
    what.filter = std::move(filter);
    return subscribe(h, ioc, what);
  };
  auto one = with({"B"});
  auto two = with({"C", "A"});
  auto wide = with({"A", "B", "C", "D", "E", "F"});  // more symbols than the step has
  auto none = with({"Z"});
  auto all = subscribe(h, ioc);
  event news = ev(4, "feed");
  news.everyone = true;
  h.publish({ev(1, "A"), ev(2, "B"), ev(3, "C"), news, ev(5, "A"), ev(6, "B")});
  EXPECT_EQ(ids(one->take().events), (std::vector<std::int64_t>{2, 4, 6}));
  EXPECT_EQ(ids(two->take().events), (std::vector<std::int64_t>{1, 3, 4, 5}));
  EXPECT_EQ(ids(wide->take().events), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ids(none->take().events), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(ids(all->take().events), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  // A step without anything for a stream wakes it not at all.
  auto woken = [&] { return one->signal().try_receive([](boost::system::error_code) {}); };
  EXPECT_TRUE(woken());  // by the step above
  h.publish({ev(7, "C")});
  EXPECT_TRUE(one->take().events.empty());
  EXPECT_FALSE(woken());
}

TEST(Hub, TooFarBehindGetsAReset) {
  boost::asio::io_context ioc;
  hub h(5, 64, 10);
  for (int i = 1; i <= 20; ++i) h.publish({ev(i, "A")});
  auto s = subscribe(h, ioc, resume_after(3));
  auto got = s->take();
  EXPECT_TRUE(got.reset);
  EXPECT_TRUE(got.events.empty());
  // Exactly at the ring's edge is still resumable.
  auto edge = subscribe(h, ioc, resume_after(15));
  auto e = edge->take();
  EXPECT_FALSE(e.reset);
  EXPECT_EQ(ids(e.events), (std::vector<std::int64_t>{16, 17, 18, 19, 20}));
}

TEST(Hub, ResumeAcrossRestartWithEmptyRingResets) {
  boost::asio::io_context ioc;
  hub h(5, 64, 10);
  h.start_after(500);
  EXPECT_TRUE(subscribe(h, ioc, resume_after(400))->take().reset);
  EXPECT_FALSE(subscribe(h, ioc, resume_after(500))->take().reset);
  EXPECT_TRUE(subscribe(h, ioc, resume_after(900))->take().reset);  // ahead of this server
}

TEST(Hub, CapsSubscribersAndClosesAll) {
  boost::asio::io_context ioc;
  hub h(5, 64, 2);
  auto a = subscribe(h, ioc);
  auto b = subscribe(h, ioc);
  EXPECT_TRUE(a && b);
  auto full = h.subscribe(ioc.get_executor(), {});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, marketsim::errc::too_many_streams);
  h.unsubscribe(a);
  EXPECT_TRUE(h.subscribe(ioc.get_executor(), {}));
  h.close_all();
  EXPECT_TRUE(b->take().closed);
  EXPECT_FALSE(h.subscribe(ioc.get_executor(), {}));
}

TEST(Hub, CapsStreamsPerAddressAndPerPlayerAndFreesThemOnce) {
  boost::asio::io_context ioc;
  hub h(16, 64, 100, stream_budget{.per_address = 2, .per_user = 1});
  auto from = [](std::string address, std::int64_t user = 0) {
    subscription what;
    what.address = std::move(address);
    what.user_id = user;
    return what;
  };
  auto a1 = subscribe(h, ioc, from("10.0.0.1"));
  auto a2 = subscribe(h, ioc, from("10.0.0.1"));
  auto a3 = h.subscribe(ioc.get_executor(), from("10.0.0.1"));
  ASSERT_FALSE(a3);
  EXPECT_EQ(a3.error().code, marketsim::errc::stream_limit);
  EXPECT_TRUE(subscribe(h, ioc, from("10.0.0.2")));  // another address has its own budget
  // A player is capped wherever they connect from.
  auto p1 = subscribe(h, ioc, from("10.0.0.3", 7));
  auto p2 = h.subscribe(ioc.get_executor(), from("10.0.0.4", 7));
  ASSERT_FALSE(p2);
  EXPECT_EQ(p2.error().code, marketsim::errc::stream_limit);
  EXPECT_TRUE(subscribe(h, ioc, from("10.0.0.4", 8)));
  // Closing frees the slot, and only once: a second unsubscribe must not free another.
  h.unsubscribe(a1);
  h.unsubscribe(a1);
  EXPECT_TRUE(subscribe(h, ioc, from("10.0.0.1")));
  EXPECT_FALSE(h.subscribe(ioc.get_executor(), from("10.0.0.1")));
  h.unsubscribe(p1);
  EXPECT_TRUE(subscribe(h, ioc, from("10.0.0.5", 7)));
  EXPECT_EQ(h.subscriber_count(), 5u);
}

TEST(Hub, ReplayBeyondTheByteBudgetGetsAResetInstead) {
  boost::asio::io_context ioc;
  hub h(1000, 64, 10, stream_budget{.replay_bytes = 4096});
  // Ids of one width, so every frame has the same size.
  const auto one = ev(1001, "A").frame->size();
  const std::int64_t fits = static_cast<std::int64_t>(4096 / one);
  h.start_after(1000);
  for (int i = 1001; i <= 1200; ++i) h.publish({ev(i, i % 10 ? "A" : "B")});
  auto deep = subscribe(h, ioc, resume_after(1000));
  auto got = deep->take();
  EXPECT_TRUE(got.reset);
  EXPECT_TRUE(got.events.empty());
  auto shallow = subscribe(h, ioc, resume_after(1200 - fits));
  auto replayed = shallow->take();
  EXPECT_FALSE(replayed.reset);
  EXPECT_EQ(replayed.events.size(), static_cast<std::size_t>(fits));
  // The budget counts what this stream would get: a filter to the rare symbol fits.
  subscription rare = resume_after(1000);
  rare.filter = {"B"};
  auto filtered = subscribe(h, ioc, rare);
  auto only_b = filtered->take();
  EXPECT_FALSE(only_b.reset);
  EXPECT_EQ(only_b.events.size(), 20u);
}

TEST(Hub, DeepReplayIsTakenInChunksInOrder) {
  boost::asio::io_context ioc;
  constexpr int count = 65'536;
  hub h(count + 16, 64, 10, stream_budget{.replay_bytes = std::size_t{64} << 20});
  std::size_t largest = 0;
  for (int i = 1; i <= count; ++i) {
    auto e = ev(i, "S" + std::to_string(i % 26));
    largest = std::max(largest, e.frame->size());
    h.publish({std::move(e)});
  }
  auto s = subscribe(h, ioc, resume_after(0));
  h.publish({ev(count + 1, "LIVE")});
  std::int64_t expected = 1;
  int batches = 0;
  for (;;) {
    auto b = s->take();
    ASSERT_FALSE(b.reset);
    if (b.events.empty()) break;
    ++batches;
    // Never the whole replay at once: about one chunk per batch.
    EXPECT_LE(frame_bytes(b.events), hub::replay_chunk_bytes + largest);
    for (const auto& e : b.events) ASSERT_EQ(e.id, expected++);
  }
  EXPECT_EQ(expected, count + 2) << "every replayed event, then the live one, exactly once";
  EXPECT_GT(batches, 1);
}

TEST(Hub, SlowReplayOvertakenByTheRingGetsAResetThenLiveEvents) {
  boost::asio::io_context ioc;
  hub h(32, 64, 10, stream_budget{.replay_bytes = std::size_t{1} << 20});
  auto big = [](std::int64_t id) {
    return event{
        id, "A",
        std::make_shared<const std::string>(format_frame("tick", std::string(4000, 'x'), id))};
  };
  for (int i = 1; i <= 32; ++i) h.publish({big(i)});
  auto s = subscribe(h, ioc, resume_after(0));
  auto first = s->take();
  ASSERT_FALSE(first.events.empty());
  EXPECT_LT(first.events.size(), 32u);
  // Meanwhile the ring moves on past what this client has read.
  for (int i = 33; i <= 64; ++i) h.publish({big(i)});
  auto next = s->take();
  EXPECT_TRUE(next.reset);
  ASSERT_FALSE(next.events.empty());
  EXPECT_EQ(next.events.front().id, 33);
  EXPECT_EQ(next.events.back().id, 64);
}

// A symbol's trades (the tape) coalesce under their own key: a slow reader keeps the newest tick
// and the newest trade of each symbol, neither replacing the other.
TEST(ClientQueue, TradesAndTicksOfASymbolCoalesceApart) {
  client_queue q(2);
  auto trade = [](std::int64_t id, std::string symbol) {
    return event{id, symbol, std::make_shared<const std::string>(format_frame("trade", symbol)),
                 "trade:" + symbol};
  };
  q.push(ev(1, "A"));
  q.push(trade(1, "A"));
  q.push(ev(2, "A"));  // beyond capacity: coalescing from here
  q.push(trade(2, "A"));
  q.push(ev(3, "A"));
  auto out = q.drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 2);
  EXPECT_EQ(out[0].key, "trade:A");
  EXPECT_EQ(out[1].id, 3);
  EXPECT_EQ(out[1].key, "");
  EXPECT_EQ(q.coalesced(), 3u);
}

TEST(ClientQueue, APlayersOwnEventsAreEachDeliveredWhenTheQueueCoalesces) {
  client_queue q(2);
  auto own = [](std::int64_t after, std::string text) {
    return event{
        after, "",    std::make_shared<const std::string>(format_frame("trade_update", text)),
        "",    false, true};
  };
  q.push(own(0, "filled 1"));
  q.push(ev(1, "A"));
  q.push(own(1, "filled 2"));  // beyond capacity: coalescing from here
  q.push(ev(2, "A"));
  q.push(own(2, "filled 3"));
  q.push(ev(3, "A"));
  auto out = q.drain();
  std::vector<std::string> frames;
  for (const auto& e : out) frames.push_back(*e.frame);
  EXPECT_EQ(frames,
            (std::vector<std::string>{
                format_frame("trade_update", "filled 1"), format_frame("trade_update", "filled 2"),
                format_frame("trade_update", "filled 3"), *ev(3, "A").frame}));
  EXPECT_EQ(q.coalesced(), 2u);  // ticks 1 and 2 of A, and nothing of the player's
}

TEST(Hub, UnnumberedEventsFollowTheFilterAndTakeNoId) {
  boost::asio::io_context ioc;
  hub h(100, 64, 10);
  h.publish({ev(1, "A")});
  subscription only_b;
  only_b.filter = {"B"};
  auto all = subscribe(h, ioc);
  auto b = subscribe(h, ioc, only_b);
  h.publish_unnumbered("A", "trade:A", format_frame("trade", "{}"));
  h.publish_unnumbered("B", "trade:B", format_frame("trade", "{}"));
  EXPECT_EQ(h.last_id(), 1);  // no tick sequence number taken
  auto got_all = all->take().events;
  ASSERT_EQ(got_all.size(), 2u);
  EXPECT_EQ(got_all[0].symbol, "A");
  EXPECT_EQ(got_all[1].symbol, "B");
  EXPECT_EQ(got_all[0].frame->find("id:"), std::string::npos);
  auto got_b = b->take().events;
  ASSERT_EQ(got_b.size(), 1u);
  EXPECT_EQ(got_b[0].symbol, "B");
  // Never replayed: a stream resuming from before them gets only the ticks.
  auto resumed = subscribe(h, ioc, resume_after(0));
  EXPECT_EQ(ids(resumed->take().events), (std::vector<std::int64_t>{1}));
}
