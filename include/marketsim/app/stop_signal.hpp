// Shutdown as one cancellation signal. Every long-lived coroutine (the feed, the mail sender,
// the equity snapshots, the stream heartbeat and the session-expiry sweep) is spawned bound to
// a slot of this object, and emit() cancels them all at once: each one's idle wait ends with
// operation_aborted and its loop returns (Asio's cancellation slots; a signal has one slot, so
// there is one signal per coroutine behind the one emit). Work a loop is in the middle of
// finishes unless it is itself cancellable (a socket read of the SMTP client ends aborted and
// its message stays in the outbox for the next start). slot() and emit() run on the strand the
// coroutines run on (the market strand).
#pragma once
#include <boost/asio/cancellation_signal.hpp>
#include <list>

namespace marketsim::app {

class stop_signal {
 public:
  [[nodiscard]] boost::asio::cancellation_slot slot() { return signals_.emplace_back().slot(); }
  void emit() {
    for (auto& s : signals_) s.emit(boost::asio::cancellation_type::terminal);
  }

 private:
  std::list<boost::asio::cancellation_signal> signals_;  // stable addresses for the slots
};

}  // namespace marketsim::app
