// One feed step as the cluster relays it: ticks numbered from first_seq, each with the SSE
// event data the leader formatted, so every instance publishes byte-identical events under the
// same ids; then the step's other events for every stream (the home feed's `feed`), numbered
// after its ticks. The leader encodes a batch into the relay table (db/tick_relay.hpp);
// followers decode it. Pure value code; any thread.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

// An event of a step that is not a tick: sent to every stream, whatever its symbol filter.
struct step_event {
  std::string name;  // the SSE event name, also its coalescing key (lower case: never a symbol)
  std::string data;  // JSON
};

struct tick_batch {
  std::int64_t first_seq = 0;
  std::vector<tick> ticks;
  std::vector<std::string> data;  // the tick event's data (JSON), one per tick
  std::vector<step_event> events;  // ids after the ticks'

  [[nodiscard]] bool empty() const { return ticks.empty() && events.empty(); }
  [[nodiscard]] std::int64_t last_seq() const {
    return first_seq + static_cast<std::int64_t>(ticks.size() + events.size()) - 1;
  }
  // The newest market time in the batch (0 when empty).
  [[nodiscard]] std::int64_t market_ms() const;
};

// The ticks and events of a batch as one JSON array (first_seq is stored beside it).
[[nodiscard]] std::string encode_ticks(const tick_batch& batch);
// parse_error for text that encode_ticks did not write.
[[nodiscard]] result<tick_batch> decode_ticks(std::int64_t first_seq, std::string_view text);

}  // namespace marketsim::market
