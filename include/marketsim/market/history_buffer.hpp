// Ticks produced but not yet stored. The feed loop appends; the flusher takes a batch, writes it
// with COPY and only then marks it flushed, so a failed write is retried and nothing is lost;
// candle queries read the unflushed part together with the flushed watermark. Guarded by a
// mutex: touched by the feed coroutine, the flusher and request handlers on io threads.
#pragma once
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "marketsim/market/types.hpp"

namespace marketsim::market {

struct sequenced_tick {
  std::int64_t seq = 0;
  tick data;
};

class history_buffer {
 public:
  explicit history_buffer(std::int64_t flushed_seq = 0) : flushed_seq_(flushed_seq) {}

  void append(std::vector<sequenced_tick> ticks);
  // A copy of everything unflushed (the flusher writes it, then calls mark_flushed).
  [[nodiscard]] std::vector<sequenced_tick> pending() const;
  // Drops ticks up to and including seq: they are committed to the database.
  void mark_flushed(std::int64_t seq);

  struct snapshot {
    std::int64_t flushed_seq = 0;  // ticks with seq <= this are in the database
    std::vector<tick> unflushed;   // this symbol's ticks after the watermark, in seq order
  };
  [[nodiscard]] snapshot for_symbol(std::string_view symbol) const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::int64_t flushed_seq_;
  std::vector<sequenced_tick> ticks_;
};

}  // namespace marketsim::market
