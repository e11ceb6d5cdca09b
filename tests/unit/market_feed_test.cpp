// The feed in a cluster, without a database: a leader's steps are applied only once the relay
// accepted them, and a follower that applies the relayed steps publishes the same ids and the
// same event bytes; a refused step gives no id out, a step read twice is applied once, and a
// gap the follower can no longer fill makes resuming streams reset instead of skipping it; the
// app's one stop signal ends the feed's loop at its wait; a step's other events (the home
// feed's) follow its ticks under the next ids, reach symbol-filtered streams, and are relayed
// and resumed like ticks.
// Single-threaded: the coroutines run on one io_context.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/app/stop_signal.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/tick_batch.hpp"

namespace marketsim::market {
namespace {

namespace asio = boost::asio;

// Two symbols a step, prices going up by a cent each step.
class counting_provider final : public quote_provider {
 public:
  counting_provider() {
    list_.push_back(instrument{"AAA", "A", "Test", instrument_kind::stock});
    list_.push_back(instrument{"BBB", "B", "Test", instrument_kind::stock});
  }
  std::string_view name() const override { return "counting"; }
  const std::vector<instrument>& instruments() const override { return list_; }
  std::optional<price_e4> previous_close(std::string_view) const override { return 100'0000; }
  std::vector<tick> next_batch(std::int64_t wall_ms) override {
    ++steps_;
    return {tick{"AAA", 100'0000 + steps_ * 100, 10, wall_ms},
            tick{"BBB", 50'0000 + steps_ * 100, 20, wall_ms}};
  }

 private:
  std::vector<instrument> list_;
  std::int64_t steps_ = 0;
};

struct instance {
  quote_cache quotes;
  sse::hub hub{1024, 1024, 16};
  history_buffer history{0};
  feed f{std::make_unique<counting_provider>(),
         quotes,
         hub,
         history,
         0,
         std::chrono::milliseconds(1000),
         [] { return std::int64_t{1'104'762'600'000}; }};
  instance() { quotes.reset(f.provider().instruments(), {{"AAA", 100'0000}, {"BBB", 50'0000}}); }
};

// A relay that keeps what it accepted; `accept` decides.
struct fake_relay {
  std::vector<tick_batch> accepted;
  bool accept = true;
  asio::awaitable<bool> commit(const tick_batch& batch) {
    if (accept) accepted.push_back(batch);
    co_return accept;
  }
};

std::size_t run_step(asio::io_context& ioc, feed& f) {
  std::size_t n = 0;
  asio::co_spawn(
      ioc, [&f, &n]() -> asio::awaitable<void> { n = co_await f.lead_step(); }, asio::detached);
  ioc.restart();
  ioc.run();
  return n;
}

bool send(asio::io_context& ioc, feed& f, step_event e) {
  bool sent = false;
  asio::co_spawn(
      ioc,
      [&f, &sent, e = std::move(e)]() mutable -> asio::awaitable<void> {
        sent = co_await f.send_event(std::move(e));
      },
      asio::detached);
  ioc.restart();
  ioc.run();
  return sent;
}

std::vector<sse::event> drain(const std::shared_ptr<sse::subscriber>& s) {
  return s->take().events;
}

TEST(MarketFeed, FollowerPublishesTheLeadersIdsAndBytes) {
  asio::io_context ioc;
  instance leader, follower;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  follower.f.relay_through([](const tick_batch&) -> asio::awaitable<bool> { co_return false; });
  EXPECT_EQ(run_step(ioc, leader.f), 0u) << "produced before leading";
  leader.f.lead(nullptr, 0);
  auto on_leader = *leader.hub.subscribe(ioc.get_executor(), {});
  auto on_follower = *follower.hub.subscribe(ioc.get_executor(), {});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run_step(ioc, leader.f), 2u);
  ASSERT_EQ(relay.accepted.size(), 3u);
  for (const auto& b : relay.accepted) {
    // Through the relay's encoding, as a follower reads it.
    auto decoded = decode_ticks(b.first_seq, encode_ticks(b));
    ASSERT_TRUE(decoded) << decoded.error().message;
    follower.f.apply_relayed(*decoded);
  }
  auto a = drain(on_leader);
  auto b = drain(on_follower);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(b[i].id, a[i].id);
    EXPECT_EQ(*b[i].frame, *a[i].frame);
  }
  EXPECT_EQ(follower.f.last_seq(), 6);
  EXPECT_EQ(follower.quotes.find("AAA")->price, leader.quotes.find("AAA")->price);
  EXPECT_EQ(follower.history.size(), 6u) << "a follower buffers the cluster's ticks too";
  EXPECT_FALSE(follower.f.leading());
}

TEST(MarketFeed, AStepEventFollowsTheTicksEverywhereUnderTheClustersIds) {
  asio::io_context ioc;
  instance leader, follower;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  follower.f.relay_through([](const tick_batch&) -> asio::awaitable<bool> { co_return false; });
  EXPECT_FALSE(send(ioc, leader.f, step_event{"feed", R"({"n":0})"})) << "sent while following";
  leader.f.lead(nullptr, 0);
  std::vector<std::string> received;
  follower.f.on_event([&](const step_event& e) { received.push_back(e.name + e.data); });
  // Filtered to a symbol that is not in the step: the event still comes.
  auto filtered = *follower.hub.subscribe(ioc.get_executor(), {{"ZZZ"}, std::nullopt, 0, ""});
  ASSERT_EQ(run_step(ioc, leader.f), 2u);
  ASSERT_TRUE(send(ioc, leader.f, step_event{"feed", R"({"n":1})"}));
  ASSERT_EQ(run_step(ioc, leader.f), 2u);
  ASSERT_EQ(relay.accepted.size(), 3u);
  ASSERT_TRUE(relay.accepted[1].ticks.empty()) << "a step of its own, not waiting for ticks";
  for (const auto& b : relay.accepted) {
    auto decoded = decode_ticks(b.first_seq, encode_ticks(b));
    ASSERT_TRUE(decoded) << decoded.error().message;
    follower.f.apply_relayed(*decoded);
  }
  EXPECT_EQ(follower.f.last_seq(), 5);
  EXPECT_EQ(follower.history.size(), 4u) << "only ticks go to the history";
  ASSERT_EQ(received, std::vector<std::string>{R"(feed{"n":1})"});
  auto events = drain(filtered);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 3);
  EXPECT_EQ(*events[0].frame, "id: 3\nevent: feed\ndata: {\"n\":1}\n\n");
  // A stream resuming from before it gets it again, filter or not.
  auto resumed = *follower.hub.subscribe(ioc.get_executor(), {{"ZZZ"}, 2, 0, ""});
  events = drain(resumed);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 3);
}

TEST(MarketFeed, ARelayedStepOfAnEventAloneDecodes) {
  tick_batch b;
  b.first_seq = 9;
  b.events.push_back(step_event{"feed", "{}"});
  auto decoded = decode_ticks(9, encode_ticks(b));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->ticks.empty());
  ASSERT_EQ(decoded->events.size(), 1u);
  EXPECT_EQ(decoded->last_seq(), 9);
  EXPECT_FALSE(decode_ticks(9, "[]")) << "a step holds something";
}

TEST(MarketFeed, ARefusedStepGivesNoIdOutAndChangesNothing) {
  asio::io_context ioc;
  instance leader;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  leader.f.lead(nullptr, 0);
  std::vector<tick> produced;
  leader.f.on_produced([&produced](const std::vector<tick>& t) {
    produced.insert(produced.end(), t.begin(), t.end());
  });
  ASSERT_EQ(run_step(ioc, leader.f), 2u);
  auto before = leader.quotes.find("AAA")->price;
  relay.accept = false;
  EXPECT_EQ(run_step(ioc, leader.f), 0u);
  EXPECT_EQ(leader.f.last_seq(), 2);
  EXPECT_EQ(leader.quotes.find("AAA")->price, before);
  EXPECT_EQ(leader.hub.last_id(), 2);
  EXPECT_EQ(leader.history.size(), 2u);
  EXPECT_EQ(produced.size(), 2u);
  relay.accept = true;
  ASSERT_EQ(run_step(ioc, leader.f), 2u);
  EXPECT_EQ(relay.accepted.back().first_seq, 3) << "the refused step's ids were reused";
}

TEST(MarketFeed, AStepReadTwiceIsAppliedOnce) {
  asio::io_context ioc;
  instance leader, follower;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  leader.f.lead(nullptr, 0);
  ASSERT_EQ(run_step(ioc, leader.f), 2u);
  std::size_t applied = 0;
  follower.f.on_ticks([&applied](const std::vector<tick>& t) { applied += t.size(); });
  follower.f.apply_relayed(relay.accepted[0]);
  follower.f.apply_relayed(relay.accepted[0]);
  EXPECT_EQ(applied, 2u);
  EXPECT_EQ(follower.quotes.find("AAA")->day_volume, 10);
}

TEST(MarketFeed, AGapMakesResumingStreamsReset) {
  asio::io_context ioc;
  instance leader, follower;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  leader.f.lead(nullptr, 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run_step(ioc, leader.f), 2u);
  follower.f.apply_relayed(relay.accepted[0]);
  follower.f.apply_relayed(relay.accepted[2]);  // ids 3..4 never arrive
  EXPECT_EQ(follower.f.last_seq(), 6);
  sse::subscription from_one;
  from_one.last_event_id = 1;
  auto resumed = *follower.hub.subscribe(ioc.get_executor(), from_one);
  auto batch = resumed->take();
  EXPECT_TRUE(batch.reset) << "a replay across ids 3..4 would skip them silently";
  sse::subscription from_five;
  from_five.last_event_id = 5;
  auto after_gap = *follower.hub.subscribe(ioc.get_executor(), from_five);
  auto replay = after_gap->take();
  EXPECT_FALSE(replay.reset);
  ASSERT_EQ(replay.events.size(), 1u);
  EXPECT_EQ(replay.events[0].id, 6);
}

TEST(MarketFeed, ANewLeaderContinuesAfterTheClustersLastId) {
  asio::io_context ioc;
  instance leader, next;
  fake_relay relay;
  leader.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  leader.f.lead(nullptr, 0);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(run_step(ioc, leader.f), 2u);
  next.f.relay_through([&relay](const tick_batch& b) { return relay.commit(b); });
  next.f.apply_relayed(relay.accepted[0]);
  // It missed the last step but learns the cluster's last id when it takes over.
  next.f.lead(nullptr, relay.accepted.back().last_seq());
  ASSERT_EQ(run_step(ioc, next.f), 2u);
  EXPECT_EQ(relay.accepted.back().first_seq, 5);
  EXPECT_EQ(next.hub.last_id(), 6);
}

TEST(MarketTickBatch, EncodingRoundTripsAndRefusesWhatItDidNotWrite) {
  tick_batch b;
  b.first_seq = 41;
  b.ticks = {tick{"AAA", 1'234'567, 10, 1'104'762'600'000}, tick{"^X", 1, 0, 1'104'762'601'000}};
  b.data = {R"({"symbol":"AAA","price":"123.4567"})", "{}"};
  auto back = decode_ticks(41, encode_ticks(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->first_seq, 41);
  EXPECT_EQ(back->last_seq(), 42);
  EXPECT_EQ(back->market_ms(), 1'104'762'601'000);
  ASSERT_EQ(back->ticks.size(), 2u);
  EXPECT_EQ(back->ticks[0].symbol, "AAA");
  EXPECT_EQ(back->ticks[0].price, 1'234'567);
  EXPECT_EQ(back->ticks[0].volume, 10);
  EXPECT_EQ(back->data, b.data);
  for (std::string_view bad : {"", "{}", "[]", "[1]", R"([{"s":"A","p":"1","v":1,"t":1,"d":""}])",
                               R"([{"s":"A","p":1,"v":1,"t":1}])"})
    EXPECT_FALSE(decode_ticks(1, bad)) << bad;
}

}  // namespace
}  // namespace marketsim::market

namespace marketsim::market {
namespace {

// Shutdown is one signal (app/stop_signal.hpp): the feed's loop obeys its coroutine's
// cancellation at its wait, without feed::stop(), and the same emit ends any other loop bound
// to the same signal.
TEST(MarketFeed, TheStopSignalEndsTheLoopAtItsWait) {
  asio::io_context ioc;
  instance in;
  app::stop_signal stop;
  bool feed_ended = false, other_ended = false;
  asio::co_spawn(ioc, in.f.run(),
                 asio::bind_cancellation_slot(
                     stop.slot(), [&](std::exception_ptr e) { feed_ended = e == nullptr; }));
  asio::co_spawn(
      ioc,
      []() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
        co_await t.async_wait(asio::use_awaitable);
      },
      asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr) { other_ended = true; }));
  ioc.run_for(std::chrono::milliseconds(100));  // the first step, then the 1 s wait
  EXPECT_FALSE(feed_ended);
  EXPECT_GE(in.f.last_seq(), 1);
  stop.emit();
  ioc.run_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(feed_ended);
  EXPECT_TRUE(other_ended);
}

}  // namespace
}  // namespace marketsim::market
