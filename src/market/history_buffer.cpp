// Unflushed tick history (see history_buffer.hpp). Any thread, under the mutex.
#include "marketsim/market/history_buffer.hpp"

#include <algorithm>

namespace marketsim::market {

void history_buffer::append(std::vector<sequenced_tick> ticks) {
  std::lock_guard lock(mutex_);
  for (auto& t : ticks) ticks_.push_back(std::move(t));
}

std::vector<sequenced_tick> history_buffer::pending() const {
  std::lock_guard lock(mutex_);
  return ticks_;
}

void history_buffer::mark_flushed(std::int64_t seq) {
  std::lock_guard lock(mutex_);
  auto keep = std::find_if(ticks_.begin(), ticks_.end(),
                           [seq](const sequenced_tick& t) { return t.seq > seq; });
  ticks_.erase(ticks_.begin(), keep);
  flushed_seq_ = std::max(flushed_seq_, seq);
}

history_buffer::snapshot history_buffer::for_symbol(std::string_view symbol) const {
  std::lock_guard lock(mutex_);
  snapshot s{flushed_seq_, {}};
  for (const auto& t : ticks_)
    if (t.data.symbol == symbol) s.unflushed.push_back(t.data);
  return s;
}

std::size_t history_buffer::size() const {
  std::lock_guard lock(mutex_);
  return ticks_.size();
}

}  // namespace marketsim::market
