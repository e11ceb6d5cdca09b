// The SSE hub: fans published market events out to subscribed clients. publish() is called by
// the feed loop; subscribe/unsubscribe by stream handlers on io threads; one mutex guards the
// ring of recent events (for Last-Event-ID), the subscriber list and the per-address and
// per-player stream counts. Each subscriber owns a bounded client_queue and a one-slot
// concurrent channel used as a wake-up signal, so the publisher never blocks on a slow client
// and each client's ticks go out in one write. A Last-Event-ID replay is not copied into the
// queue: the subscriber keeps a cursor into the ring and its writer takes it a chunk at a time,
// so a deep replay costs one chunk of memory per stream, not the whole ring.
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/sse/event.hpp"

namespace marketsim::sse {

class hub;

// What one client may hold (docs/security.md). Beyond a count: 429 stream_limit. A resumption
// that would replay more than replay_bytes gets a reset event instead (the client refetches).
struct stream_budget {
  std::size_t per_address = 64;
  std::size_t per_user = 16;
  std::size_t replay_bytes = std::size_t{1} << 20;
};

struct subscription {
  std::set<std::string, std::less<>> filter;  // empty: every symbol
  std::optional<std::int64_t> last_event_id;
  std::int64_t user_id = 0;  // the signed-in player (0: anonymous), for private events
  std::string address;       // the client's address; empty: not counted per address
  std::string key_id;        // the API key it signed in with (a program's stream); empty: none
};

// The wake-up channel's traits: Asio's own, but with a container that allocates nothing until it
// is used. The channel keeps its first buffered value inline and spills later ones into this
// container, which a one-slot wake-up never does; the default std::deque still allocates its map
// and a 512-byte node as it is constructed: 576 bytes per stream for nothing (an idle stream's
// whole cost is about 8 KiB, against a budget of 8 KiB).
struct signal_traits : boost::asio::experimental::channel_traits<void(boost::system::error_code)> {
  template <typename... Signatures>
  struct rebind {
    using other = signal_traits;
  };
  template <typename Element>
  struct container {
    using type = std::list<Element>;
  };
};

class subscriber {
 public:
  using signal_channel = boost::asio::experimental::basic_concurrent_channel<
      boost::asio::any_io_executor, signal_traits, void(boost::system::error_code)>;

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
  // Replayed events come first, at most about replay_chunk_bytes per batch (the next chunk is
  // signalled at once); live events follow once the replay is over.
  [[nodiscard]] batch take();
  // Ends this one stream (sign-out, a disabled account); the hub still unsubscribes it.
  void close();

 private:
  friend class hub;
  bool wants(const event& e) const {
    return e.everyone || filter_.empty() || filter_.contains(e.symbol);
  }
  void notify();

  std::mutex mutex_;
  client_queue queue_;
  std::set<std::string, std::less<>> filter_;
  std::int64_t user_id_ = 0;  // the signed-in player (0: anonymous), for private events
  std::string address_;       // counted against stream_budget::per_address
  std::string key_id_;        // closed when this API key is revoked
  hub* hub_ = nullptr;        // the ring a replay reads; only take() uses it, while streams run
  // Replay cursor: the ids in (replay_after_, replay_until_] still to send from the ring.
  std::int64_t replay_after_ = 0;
  std::int64_t replay_until_ = 0;
  bool heartbeat_ = false;
  bool reset_ = false;
  bool closed_ = false;
  signal_channel signal_;
};

class hub {
 public:
  // One write's worth of replay: small enough that hundreds of resuming streams stay cheap.
  static constexpr std::size_t replay_chunk_bytes = 16 << 10;

  hub(std::size_t ring_capacity, std::size_t queue_capacity, std::size_t max_subscribers,
      stream_budget budget = {});

  // errc::too_many_streams (503) at the server-wide cap, errc::stream_limit (429) at the
  // per-address or per-player one. With last_event_id, the events after it are replayed first
  // (or a reset when they are no longer in the ring or exceed the replay budget).
  [[nodiscard]] result<std::shared_ptr<subscriber>> subscribe(boost::asio::any_io_executor ex,
                                                              subscription what);
  // Frees the stream's slots; a second call for the same stream does nothing.
  void unsubscribe(const std::shared_ptr<subscriber>& s);

  // Events in increasing id order.
  void publish(std::vector<event> events);
  // A player's private event (a trade update, their account) to that player's streams only.
  // Never coalesced or replayed, and without an id: it does not take a tick sequence number.
  void publish_private(std::int64_t user_id, const std::string& frame);
  // A public event of `symbol` that does not take a tick sequence number (a trade on the tape,
  // which any instance may announce): to the streams that want the symbol, after what they were
  // sent, without an id, never replayed; coalesced under `key` for a slow reader.
  void publish_unnumbered(const std::string& symbol, const std::string& key,
                          const std::string& frame);
  [[nodiscard]] bool has_streams_of(std::int64_t user_id) const;
  // The signed-in players with at least one open stream.
  [[nodiscard]] std::vector<std::int64_t> streaming_users() const;
  void heartbeat_all();
  void close_all();  // shutdown: every stream ends
  // The streams a program opened with this API key end (the key was revoked, on any instance).
  void close_key(std::string_view key_id);

  // Ids continue from what earlier runs stored, so a client resuming across a restart gets a
  // reset rather than a silent gap.
  void start_after(std::int64_t id);
  // Ids up to `id` were never published here (a cluster instance that missed relayed steps):
  // the ring forgets what it holds, since a replay across the gap would skip it silently, and
  // a client resuming from before the gap gets a reset.
  void skip_to(std::int64_t id);
  [[nodiscard]] std::size_t subscriber_count() const;
  [[nodiscard]] std::int64_t last_id() const;
  // For GET /metrics (any thread): public events published (numbered and not), private ones,
  // events a slow stream's queue replaced by newer ones, and resumptions the ring outran.
  struct counts {
    std::uint64_t published = 0, private_published = 0, coalesced = 0, resets = 0;
  };
  // Open streams by kind (the admin's runtime view).
  struct stream_kinds {
    std::size_t total = 0, signed_in = 0, anonymous = 0, filtered = 0, every_symbol = 0;
  };
  [[nodiscard]] stream_kinds kinds() const;
  [[nodiscard]] counts totals() const {
    return {published_.load(), private_published_.load(), coalesced_.load(), resets_.load()};
  }

 private:
  friend class subscriber;
  // Whether the wanted events after `after` fit the replay budget. Holds mutex_.
  bool replay_fits(const subscriber& s, std::int64_t after) const;
  // Moves the next chunk of s's replay into out; true while more remains. Takes mutex_, then
  // s's mutex (the order publish uses).
  bool next_replay_chunk(subscriber& s, std::vector<event>& out);

  mutable std::mutex mutex_;
  std::deque<event> ring_;
  std::size_t ring_capacity_;
  std::size_t queue_capacity_;
  std::size_t max_subscribers_;
  stream_budget budget_;
  std::int64_t last_id_ = 0;
  bool closed_ = false;
  std::vector<std::shared_ptr<subscriber>> subscribers_;
  std::unordered_map<std::string, std::size_t> per_address_;  // open streams; no zero entries
  std::unordered_map<std::int64_t, std::size_t> per_user_;
  std::atomic<std::uint64_t> published_{0}, private_published_{0}, coalesced_{0}, resets_{0};
};

}  // namespace marketsim::sse
