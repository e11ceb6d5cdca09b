// Server-Sent Events framing and the per-client bounded queue that coalesces for slow readers.
// Pure (no sockets): the hub and the stream writer use it; unit-tested directly. A client_queue
// is guarded by its owner's mutex.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim::sse {

// One published event, formatted once and shared by every client that receives it.
struct event {
  std::int64_t id = 0;
  std::string symbol;  // what a stream's symbol filter selects; the coalescing key by default
  std::shared_ptr<const std::string> frame;
  // Another kind of event of the symbol (a tape trade) coalesces under its own key, so neither
  // kind replaces the other's newest.
  std::string key;
  [[nodiscard]] const std::string& coalescing_key() const { return key.empty() ? symbol : key; }
  bool everyone = false;  // not a symbol's: every stream gets it, whatever its filter
  // Never coalesced, not even in a queue that has fallen behind: each is a player's own news
  // (an order's update, an account change) that no newer one replaces.
  bool each_delivered = false;
};

// "id: N\nevent: NAME\ndata: DATA\n\n"; data lines containing '\n' become several data: lines.
[[nodiscard]] std::string format_frame(std::string_view name, std::string_view data,
                                       std::int64_t id = -1);
[[nodiscard]] inline std::string heartbeat_frame() {
  return ": heartbeat\n\n";
}

// Parses a Last-Event-ID header value; nullopt when absent or not a non-negative integer.
[[nodiscard]] std::optional<std::int64_t> parse_last_event_id(std::string_view text);

class client_queue {
 public:
  explicit client_queue(std::size_t capacity) : capacity_(capacity) {}

  // Queues an event. Beyond capacity the queue switches to coalescing: only the newest event
  // per coalescing key (the symbol, or a kind of the symbol's events) is kept, so memory is
  // bounded by the number of symbols. Events marked each_delivered are all kept, in order (a
  // player's own, bounded by what the player does).
  void push(event e);
  // Replayed history is queued as is (bounded by the hub's ring), never coalesced.
  void push_unbounded(event e) { fifo_.push_back(std::move(e)); }
  // Everything queued, in id order (an each_delivered event, which carries the id of the last
  // event before it, after that one); leaves the queue empty and back in normal mode.
  [[nodiscard]] std::vector<event> drain();
  [[nodiscard]] bool empty() const { return fifo_.empty() && latest_.empty(); }
  [[nodiscard]] std::size_t size() const { return fifo_.size() + latest_.size(); }
  [[nodiscard]] std::uint64_t coalesced() const { return coalesced_; }

 private:
  std::size_t capacity_;
  std::vector<event> fifo_;
  std::map<std::string, event, std::less<>> latest_;  // coalescing mode when non-empty
  std::uint64_t coalesced_ = 0;                       // events replaced by newer ones
};

}  // namespace marketsim::sse
