// The feed loop (see feed.hpp). Runs on the market strand only.
#include "marketsim/market/feed.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <optional>

namespace marketsim::market {

namespace asio = boost::asio;

feed::feed(std::unique_ptr<quote_provider> provider, quote_cache& cache, sse::hub& hub,
           history_buffer& history, std::int64_t last_seq, std::chrono::milliseconds interval,
           wall_clock clock)
    : provider_(std::move(provider)),
      producer_(provider_.get()),
      cache_(cache),
      hub_(hub),
      history_(history),
      last_seq_(last_seq),
      interval_(interval),
      clock_(std::move(clock)) {}

tick_batch feed::produce() {
  tick_batch batch;
  if (!producer_) return batch;
  if (producer_ == provider_.get()) provider_used_ = true;
  batch.ticks = producer_->next_batch(clock_());
  batch.first_seq = last_seq_.load() + 1;
  batch.data.reserve(batch.ticks.size());
  // The event shows the quote as the tick makes it; the cache itself changes only once the
  // step is accepted, so the quotes are advanced on copies here.
  std::map<std::string, quote, std::less<>> after;
  for (const auto& t : batch.ticks) {
    auto it = after.find(t.symbol);
    if (it == after.end()) {
      if (auto q = cache_.find(t.symbol)) it = after.emplace(t.symbol, std::move(*q)).first;
    }
    nlohmann::json data{{"symbol", t.symbol},
                        {"price", format_price(t.price)},
                        {"volume", t.volume},
                        {"time", format_time(t.ts_ms)}};
    if (it != after.end()) {
      quote_cache::advance(it->second, t);
      if (auto ch = change_of(it->second)) {
        data["change"] = format_price(ch->amount);
        data["change_percent"] = std::round(ch->percent * 100.0) / 100.0;
      }
      data["day_volume"] = it->second.day_volume;
    }
    batch.data.push_back(data.dump());
  }
  return batch;
}

void feed::apply(const tick_batch& batch, bool produced) {
  std::vector<sse::event> events;
  std::vector<sequenced_tick> stored;
  std::vector<tick> applied;
  events.reserve(batch.ticks.size());
  stored.reserve(batch.ticks.size());
  std::int64_t seq = last_seq_.load();
  std::int64_t newest = market_time_ms_.load();
  for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
    const std::int64_t id = batch.first_seq + static_cast<std::int64_t>(i);
    if (id <= seq) continue;  // already applied (a step read twice)
    const auto& t = batch.ticks[i];
    cache_.apply(t);
    seq = id;
    events.push_back(sse::event{
        seq, t.symbol,
        std::make_shared<const std::string>(sse::format_frame("tick", batch.data[i], seq)), "",
        false});
    newest = std::max(newest, t.ts_ms);
    stored.push_back(sequenced_tick{seq, t});
    applied.push_back(t);
  }
  std::vector<const step_event*> applied_events;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const std::int64_t id = batch.first_seq + static_cast<std::int64_t>(batch.ticks.size() + i);
    if (id <= seq) continue;
    const auto& e = batch.events[i];
    seq = id;
    events.push_back(sse::event{
        seq, e.name, std::make_shared<const std::string>(sse::format_frame(e.name, e.data, seq)),
        "", true});
    applied_events.push_back(&e);
  }
  if (events.empty()) return;
  // Buffer before publishing: a tick a client has seen is always on its way to the database.
  if (!stored.empty()) history_.append(std::move(stored));
  last_seq_ = seq;
  market_time_ms_ = newest;
  last_step_at_ = std::chrono::steady_clock::now().time_since_epoch().count();
  // Step events are handed over before they are published: a client that saw one and asks
  // this instance for what it carries (GET /api/feed) is answered from it, never from before.
  if (on_event_)
    for (const auto* e : applied_events) on_event_(*e);
  hub_.publish(std::move(events));
  if (applied.empty()) return;
  if (on_ticks_) on_ticks_(applied);
  if (produced && on_produced_) on_produced_(applied);
}

std::size_t feed::step() {
  auto batch = produce();
  if (batch.empty()) return 0;
  apply(batch, true);
  return batch.ticks.size() + batch.events.size();
}

void feed::relay_through(relay_fn relay) {
  relay_ = std::move(relay);
  producer_ = nullptr;
  leading_ = false;
}

void feed::lead(std::unique_ptr<quote_provider> producer, std::int64_t cluster_seq) {
  if (cluster_seq > last_seq_.load()) {
    // Steps this instance never received and can no longer read: streams cannot be resumed
    // across them, so the hub forgets what it could replay.
    spdlog::warn("feed: ids {}..{} never reached here; streams resuming before them get a reset",
                 last_seq_.load() + 1, cluster_seq);
    hub_.skip_to(cluster_seq);
    last_seq_ = cluster_seq;
  }
  own_producer_ = std::move(producer);
  producer_ = own_producer_ ? own_producer_.get() : provider_.get();
  leading_ = true;
}

void feed::follow() {
  leading_ = false;
  producer_ = nullptr;
  // Kept until the next lead(): a relay may still be stepping through it.
}

asio::awaitable<std::size_t> feed::lead_step() {
  if (!producer_ || stepping_ || stopped_) co_return 0;
  stepping_ = true;
  tick_batch batch;
  try {
    batch = produce();
  } catch (const std::exception& e) {
    // A provider bug must not stop the market.
    stepping_ = false;
    spdlog::error("feed: step failed: {}", e.what());
    co_return 0;
  }
  if (batch.empty()) {
    stepping_ = false;
    co_return 0;
  }
  const std::size_t n = co_await commit(std::move(batch));
  co_return n;
}

asio::awaitable<bool> feed::send_event(step_event e) {
  // Ids are given out one step at a time: wait out a step in flight (both run on the strand).
  std::optional<asio::steady_timer> wait;
  while (stepping_ && !stopped_) {
    if (!wait) {
      auto ex = co_await asio::this_coro::executor;
      wait.emplace(ex);
    }
    wait->expires_after(std::chrono::milliseconds(10));
    (void)co_await wait->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!producer_ || stopped_) co_return false;
  stepping_ = true;
  tick_batch batch;
  batch.first_seq = last_seq_.load() + 1;
  batch.events.push_back(std::move(e));
  const std::size_t n = co_await commit(std::move(batch));
  co_return n > 0;
}

asio::awaitable<std::size_t> feed::commit(tick_batch batch) {
  bool accepted = true;
  if (relay_) {
    in_flight_first_ = batch.first_seq;
    in_flight_last_ = batch.last_seq();
    try {
      accepted = co_await relay_(batch);
    } catch (const std::exception& e) {
      accepted = false;
      spdlog::error("feed: relaying ids {}..{} failed: {}", batch.first_seq, batch.last_seq(),
                    e.what());
    }
    in_flight_last_ = -1;
  }
  stepping_ = false;
  if (!accepted) co_return 0;
  apply(batch, true);
  co_return batch.ticks.size() + batch.events.size();
}

void feed::apply_relayed(const tick_batch& batch) {
  if (batch.empty() || batch.last_seq() <= last_seq_.load()) return;
  if (batch.first_seq <= in_flight_last_ && batch.last_seq() >= in_flight_first_) return;
  if (batch.first_seq > last_seq_.load() + 1) {
    spdlog::warn("feed: relayed ids {}..{} are gone; streams resuming before them get a reset",
                 last_seq_.load() + 1, batch.first_seq - 1);
    hub_.skip_to(batch.first_seq - 1);
    last_seq_ = batch.first_seq - 1;
  }
  apply(batch, false);
}

asio::awaitable<void> feed::run() {
  // Cancellation (the app's stop signal) ends the loop at its wait; a step in progress
  // finishes first.
  co_await asio::this_coro::throw_if_cancelled(false);
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  auto next = std::chrono::steady_clock::now();
  while (!stopped_) {
    const auto started = std::chrono::steady_clock::now();
    (void)co_await lead_step();
    if (task_)
      task_->step_took(std::chrono::steady_clock::now() - started,
                       leading_ ? "leading: stepping" : "following: applying relayed steps");
    next += interval_;
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind (e.g. a paused process): don't burst
    timer_->expires_at(next);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      break;
  }
  spdlog::info("feed: stopped at seq {}", last_seq_.load());
}

void feed::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::market
