// The SSE hub: fans published market events out to subscribed clients. publish() is called by
// the feed loop; subscribe/unsubscribe by stream handlers on io threads; one mutex guards the
// ring of recent events (for Last-Event-ID) and the subscriber list. Each subscriber owns a
// bounded client_queue and a one-slot concurrent channel used as a wake-up signal, so the
// publisher never blocks on a slow client and each client's ticks go out in one write.
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "marketsim/sse/event.hpp"

namespace marketsim::sse {

class subscriber {
 public:
  using signal_channel =
      boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  subscriber(boost::asio::any_io_executor ex, std::size_t capacity,
             std::set<std::string, std::less<>> filter);

  // Waits until something is queued, a heartbeat is due or the hub closed the stream.
  signal_channel& signal() { return signal_; }
  struct batch {
    std::vector<event> events;
    bool heartbeat = false;
    bool reset = false;  // Last-Event-ID was older than the ring: the client must reload
    bool closed = false;
  };
  [[nodiscard]] batch take();
  // Ends this one stream (sign-out, a disabled account); the hub still unsubscribes it.
  void close();

 private:
  friend class hub;
  bool wants(std::string_view symbol) const { return filter_.empty() || filter_.contains(symbol); }
  void notify();

  std::mutex mutex_;
  client_queue queue_;
  std::set<std::string, std::less<>> filter_;
  std::int64_t user_id_ = 0;  // the signed-in player (0: anonymous), for private events
  bool heartbeat_ = false;
  bool reset_ = false;
  bool closed_ = false;
  signal_channel signal_;
};

class hub {
 public:
  hub(std::size_t ring_capacity, std::size_t queue_capacity, std::size_t max_subscribers);

  // nullptr when the subscriber cap is reached. With last_event_id, the events after it are
  // queued first (or a reset when they are no longer in the ring).
  [[nodiscard]] std::shared_ptr<subscriber> subscribe(boost::asio::any_io_executor ex,
                                                      std::set<std::string, std::less<>> filter,
                                                      std::optional<std::int64_t> last_event_id,
                                                      std::int64_t user_id = 0);
  void unsubscribe(const std::shared_ptr<subscriber>& s);

  // Events in increasing id order.
  void publish(std::vector<event> events);
  // A player's private event (a trade update, their account) to that player's streams only.
  // Never coalesced or replayed, and without an id: it does not take a tick sequence number.
  void publish_private(std::int64_t user_id, const std::string& frame);
  [[nodiscard]] bool has_streams_of(std::int64_t user_id) const;
  // The signed-in players with at least one open stream.
  [[nodiscard]] std::vector<std::int64_t> streaming_users() const;
  void heartbeat_all();
  void close_all();  // shutdown: every stream ends

  // Ids continue from what earlier runs stored, so a client resuming across a restart gets a
  // reset rather than a silent gap.
  void start_after(std::int64_t id);
  [[nodiscard]] std::size_t subscriber_count() const;
  [[nodiscard]] std::int64_t last_id() const;

 private:
  mutable std::mutex mutex_;
  std::deque<event> ring_;
  std::size_t ring_capacity_;
  std::size_t queue_capacity_;
  std::size_t max_subscribers_;
  std::int64_t last_id_ = 0;
  bool closed_ = false;
  std::vector<std::shared_ptr<subscriber>> subscribers_;
};

}  // namespace marketsim::sse
