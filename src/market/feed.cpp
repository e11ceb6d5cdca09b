// The feed loop (see feed.hpp). Runs on the market strand only.
#include "marketsim/market/feed.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <cmath>

namespace marketsim::market {

namespace asio = boost::asio;

feed::feed(std::unique_ptr<quote_provider> provider, quote_cache& cache, sse::hub& hub,
           history_buffer& history, std::int64_t last_seq, std::chrono::milliseconds interval,
           wall_clock clock)
    : provider_(std::move(provider)),
      cache_(cache),
      hub_(hub),
      history_(history),
      last_seq_(last_seq),
      interval_(interval),
      clock_(std::move(clock)) {}

std::size_t feed::step() {
  auto ticks = provider_->next_batch(clock_());
  if (ticks.empty()) return 0;
  std::vector<sse::event> events;
  std::vector<sequenced_tick> stored;
  events.reserve(ticks.size());
  stored.reserve(ticks.size());
  std::int64_t seq = last_seq_.load();
  std::int64_t newest = market_time_ms_.load();
  for (auto& t : ticks) {
    cache_.apply(t);
    ++seq;
    nlohmann::json data{{"symbol", t.symbol},
                        {"price", format_price(t.price)},
                        {"volume", t.volume},
                        {"time", format_time(t.ts_ms)}};
    if (auto q = cache_.find(t.symbol)) {
      if (auto ch = change_of(*q)) {
        data["change"] = format_price(ch->amount);
        data["change_percent"] = std::round(ch->percent * 100.0) / 100.0;
      }
      data["day_volume"] = q->day_volume;
    }
    events.push_back(sse::event{
        seq, t.symbol,
        std::make_shared<const std::string>(sse::format_frame("tick", data.dump(), seq))});
    newest = std::max(newest, t.ts_ms);
    stored.push_back(sequenced_tick{seq, t});
  }
  // Buffer before publishing: a tick a client has seen is always on its way to the database.
  history_.append(std::move(stored));
  last_seq_ = seq;
  market_time_ms_ = newest;
  hub_.publish(std::move(events));
  if (on_ticks_) on_ticks_(ticks);
  return ticks.size();
}

asio::awaitable<void> feed::run() {
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  auto next = std::chrono::steady_clock::now();
  while (!stopped_) {
    try {
      step();
    } catch (const std::exception& e) {
      // A provider bug must not stop the market.
      spdlog::error("feed: step failed: {}", e.what());
    }
    next += interval_;
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind (e.g. a paused process): don't burst
    timer_->expires_at(next);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  spdlog::info("feed: stopped at seq {}", last_seq_.load());
}

void feed::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::market
