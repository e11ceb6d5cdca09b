// The tape's live events (see tape_events.hpp). The change listener's thread and io threads.
#include "marketsim/db/tape_events.hpp"

#include <spdlog/spdlog.h>

#include "marketsim/sse/event.hpp"
#include "marketsim/trading/market_activity.hpp"

namespace marketsim::db {

void tape_events::on_note(std::string_view payload) {
  auto trade = trading::parse_tape_note(payload);
  if (!trade) {
    spdlog::warn("orders: ignoring a malformed tape notification");
    return;
  }
  {
    std::lock_guard lock(mutex_);
    changed_at_[trade->symbol] = ++counter_;
  }
  // Its own coalescing key: a slow reader keeps the newest tick and the newest trade.
  hub_.publish_unnumbered(trade->symbol, "trade:" + trade->symbol,
                          sse::format_frame("trade", trading::tape_event_json(*trade).dump()));
}

void tape_events::resync() {
  std::lock_guard lock(mutex_);
  resynced_at_ = ++counter_;
}

std::uint64_t tape_events::version(std::string_view symbol) const {
  std::lock_guard lock(mutex_);
  auto it = changed_at_.find(symbol);
  return std::max(resynced_at_, it == changed_at_.end() ? 0 : it->second);
}

}  // namespace marketsim::db
