// Cluster leadership (see leadership.hpp). Market strand; the lock's callback hops onto it.
#include "marketsim/db/leadership.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/core/time.hpp"
#include "marketsim/db/tick_relay.hpp"

namespace marketsim::db {

namespace asio = boost::asio;

namespace {
// A plain function, not a lambda: GCC 12 and coroutine lambdas with captures do not mix.
asio::awaitable<void> run_take_over(leadership* self,
                                    asio::awaitable<void> (leadership::*fn)(std::uint64_t),
                                    std::uint64_t generation) {
  co_await (self->*fn)(generation);
}
}  // namespace

leadership::leadership(strand ex, const market::market_settings& market, std::string instance,
                       db::leader_lock& lock, market::feed& feed, std::int64_t startup_seq)
    : strand_(ex),
      market_(market),
      lock_(lock),
      feed_(feed),
      startup_seq_(startup_seq),
      instance_(std::move(instance)),
      settle_timer_(ex) {
  feed_.relay_through([this](const market::tick_batch& batch) { return relay(batch); });
}

asio::awaitable<void> leadership::start() {
  lock_.start([this](bool leading) { asio::post(strand_, [this, leading] { on_lock(leading); }); });
  settle_timer_.expires_after(std::chrono::seconds(15));
  if (!settled_) (void)co_await settle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!settled_) spdlog::warn("cluster: {} serves before its leadership settled", instance_);
}

void leadership::settle() {
  if (settled_) return;
  settled_ = true;
  settle_timer_.cancel();
}

void leadership::on_lock(bool leading) {
  ++generation_;
  if (leading) {
    spdlog::info("cluster: {} took the leader lock", instance_);
    asio::co_spawn(strand_, run_take_over(this, &leadership::take_over, generation_),
                   asio::detached);
    return;
  }
  if (feed_.leading()) {
    feed_.follow();
    spdlog::warn("cluster: {} lost the leader lock at id {}; following", instance_,
                 feed_.last_seq());
  } else if (!settled_) {
    spdlog::info("cluster: {} follows (another instance leads); applied up to id {}", instance_,
                 feed_.last_seq());
  }
  settle();
}

asio::awaitable<void> leadership::take_over(std::uint64_t generation) {
  // What the cluster published, read on the lock's connection: nobody else writes meanwhile.
  db::tick_relay::cluster_state state;
  db::job_fn read = [&state](db::connection& c) { state = db::tick_relay::load(c); };
  auto loaded = co_await lock_.execute(std::move(read));
  if (generation != generation_) co_return;
  if (!loaded) {
    spdlog::warn("cluster: {} cannot read the cluster's state ({}); giving the lock up", instance_,
                 loaded.error().message);
    lock_.resign();
    co_return;
  }
  std::size_t missed = 0;
  for (const auto& step : state.steps) {
    if (step.last_seq() > feed_.last_seq()) ++missed;
    feed_.apply_relayed(step);
  }

  // The provider this process started with may lead only if nothing was published since it
  // was made; live quotes have no position to resume.
  std::unique_ptr<market::quote_provider> producer;
  bool fresh = !feed_.provider_used() && state.last_seq == startup_seq_;
  if (!fresh && feed_.provider().resumes()) {
    result<std::unique_ptr<market::quote_provider>> made =
        fail(errc::internal, "no provider was made");
    const auto& settings = market_;
    const auto& resume = state.resume;
    // Reads the price files: blocking work, on the lock's thread.
    db::job_fn build = [&made, &settings, &resume](db::connection&) {
      made = market::make_provider(settings, resume);
    };
    auto built = co_await lock_.execute(std::move(build));
    if (generation != generation_) co_return;
    if (!built || !made) {
      spdlog::error("cluster: {} cannot make its provider ({}); giving the lock up", instance_,
                    built ? made.error().message : built.error().message);
      lock_.resign();
      co_return;
    }
    producer = std::move(*made);
  }
  feed_.lead(std::move(producer), state.last_seq);
  spdlog::info("cluster: {} leads from id {} (market time {}; {} relayed steps applied first)",
               instance_, state.last_seq + 1,
               state.resume.after_ts_ms ? format_time(*state.resume.after_ts_ms) : "none", missed);
  // The first step at once: a new leader's streams go on without waiting an interval.
  (void)co_await feed_.lead_step();
  settle();
}

asio::awaitable<bool> leadership::relay(const market::tick_batch& batch) {
  bool inserted = false;
  db::job_fn job = [&inserted, &batch](db::connection& c) {
    inserted = db::tick_relay::publish(c, batch);
  };
  auto done = co_await lock_.execute(std::move(job));
  if (!done) {
    spdlog::warn("cluster: ids {}..{} not relayed: {}", batch.first_seq, batch.last_seq(),
                 done.error().message);
    co_return false;
  }
  if (!inserted) {
    // Another leader gave these ids out: start over from what the cluster published.
    spdlog::error("cluster: ids {}..{} were already given out; {} gives the lock up",
                  batch.first_seq, batch.last_seq(), instance_);
    lock_.resign();
    co_return false;
  }
  co_return true;
}

}  // namespace marketsim::db
