// A connection's deadline, private to the http module: one timer per connection that ends the
// connection's pending I/O when the current deadline passes, instead of Beast's timer per read
// and per write. Beast's tcp_stream starts a timer wait for every operation with an expiry and
// cancels it when the operation completes, so every request paid for two timer waits, two
// cancellations and their handlers. Here moving the deadline is a store. The timer is armed at
// most one `period` ahead (the shortest timeout the connection uses), so a deadline set at
// least a period from now is never earlier than the armed time and needs no re-arming: the
// timer wakes about once a period while the connection lives and checks the deadline then.
// Only a deadline nearer than that re-arms it at once.
//
// Everything runs in the connection's strand: the request loop sets the deadline, and the
// watcher (a coroutine spawned on the same executor) reads it; stop() (or destroying the watch)
// must come before the stream the expiry acts on goes away, and frees the watcher and its timer.
#pragma once
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace marketsim::http::connection {

class deadline_watch {
 public:
  using clock = std::chrono::steady_clock;

  // on_expiry runs in the strand when a deadline passes (it cancels the connection's I/O);
  // period is the shortest time expires_after is usually given.
  deadline_watch(const boost::asio::any_io_executor& ex, clock::duration period,
                 std::function<void()> on_expiry)
      : state_(std::make_shared<state>(ex, period, std::move(on_expiry))) {
    boost::asio::co_spawn(ex, watch(state_), boost::asio::detached);
  }
  deadline_watch(const deadline_watch&) = delete;
  deadline_watch& operator=(const deadline_watch&) = delete;
  ~deadline_watch() { stop(); }

  // The pending and following I/O must be over by t (a clock reading the caller already has).
  void expires_at(clock::time_point t) {
    auto& s = *state_;
    s.deadline = t;
    // A deadline later than the timer's is checked when the timer fires; an earlier one needs
    // the timer re-armed now, or it would pass unnoticed until then.
    if (s.deadline < s.armed_for) s.timer.cancel();
  }

  void stop() {
    if (!state_ || state_->stopped) return;
    state_->stopped = true;
    state_->on_expiry = nullptr;
    state_->timer.cancel();
  }

 private:
  struct state {
    state(const boost::asio::any_io_executor& ex, clock::duration p, std::function<void()> f)
        : timer(ex), period(p), on_expiry(std::move(f)) {}
    boost::asio::steady_timer timer;
    clock::duration period;
    std::function<void()> on_expiry;
    clock::time_point deadline = clock::time_point::max();
    clock::time_point armed_for = clock::time_point::max();
    bool stopped = false;
  };

  static boost::asio::awaitable<void> watch(std::shared_ptr<state> s) {
    constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    while (!s->stopped) {
      const auto now = clock::now();
      s->armed_for = s->deadline - now > s->period ? now + s->period : s->deadline;
      s->timer.expires_at(s->armed_for);
      co_await s->timer.async_wait(use_tuple);
      if (s->stopped) break;
      // Woken early (re-armed) or late for a deadline that moved on: wait for the current one.
      if (clock::now() < s->deadline) continue;
      s->deadline = clock::time_point::max();
      if (s->on_expiry) s->on_expiry();
    }
  }

  std::shared_ptr<state> state_;
};

}  // namespace marketsim::http::connection
