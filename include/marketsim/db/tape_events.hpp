// The tape's live side (issue 11): every fill of the cluster arrives from PostgreSQL (the
// statement that records fills announces each on LISTEN marketsim_tape, db/change_listener.hpp,
// delivered at commit to every instance) and goes to the streams that want its symbol as a
// `trade` event, and each symbol's tape gets a new version, which tells the tape route's cache
// that what it read is old. on_note() and resync() run on the change listener's thread,
// version() on io threads; one mutex guards the versions.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "marketsim/sse/hub.hpp"

namespace marketsim::db {

class tape_events {
 public:
  explicit tape_events(sse::hub& hub) : hub_(hub) {}

  void on_note(std::string_view payload);
  // The listener reconnected: fills may have come and gone unheard, so every tape is new.
  void resync();
  // Changes whenever a fill of `symbol` is heard (or after a resync); never goes back.
  [[nodiscard]] std::uint64_t version(std::string_view symbol) const;

 private:
  sse::hub& hub_;
  mutable std::mutex mutex_;
  std::uint64_t counter_ = 0;
  std::uint64_t resynced_at_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> changed_at_;
};

}  // namespace marketsim::db
