// SSE fan-out (see hub.hpp). publish runs on the feed's thread; the rest on io threads.
#include "marketsim/sse/hub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace marketsim::sse {

subscriber::subscriber(boost::asio::any_io_executor ex, std::size_t capacity,
                       std::set<std::string, std::less<>> filter)
    : queue_(capacity), filter_(std::move(filter)), signal_(ex, 1) {}

void subscriber::notify() {
  // One pending signal is enough: the writer drains everything queued when it wakes.
  (void)signal_.try_send(boost::system::error_code{});
}

void subscriber::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  notify();
}

subscriber::batch subscriber::take() {
  batch b;
  // Replay before anything queued: the queue holds only newer events (and private ones).
  // next_replay_chunk takes the hub's lock even with no replay left, so a writer on another io
  // thread waits for publish's walk to end before it writes. Skipping it when caught up was
  // tried: with two io threads the early writers slowed the walk (locks, the scheduler) and the
  // 10,000-stream spread grew from 35-38 to 44-48 ms p50; on one thread it saved 10 ns a wake.
  bool replaying = hub_ != nullptr && hub_->next_replay_chunk(*this, b.events);
  std::lock_guard lock(mutex_);
  if (!replaying) {
    auto queued = queue_.drain();
    if (b.events.empty())
      b.events = std::move(queued);
    else
      b.events.insert(b.events.end(), std::make_move_iterator(queued.begin()),
                      std::make_move_iterator(queued.end()));
  } else {
    notify();  // the next chunk is due as soon as this one is written
  }
  b.heartbeat = std::exchange(heartbeat_, false);
  b.reset = std::exchange(reset_, false);
  b.closed = closed_;
  return b;
}

hub::hub(std::size_t ring_capacity, std::size_t queue_capacity, std::size_t max_subscribers,
         stream_budget budget)
    : ring_capacity_(ring_capacity),
      queue_capacity_(queue_capacity),
      max_subscribers_(max_subscribers),
      budget_(budget) {}

result<std::shared_ptr<subscriber>> hub::subscribe(boost::asio::any_io_executor ex,
                                                   subscription what) {
  auto s = std::make_shared<subscriber>(std::move(ex), queue_capacity_, std::move(what.filter));
  s->user_id_ = what.user_id;
  s->address_ = std::move(what.address);
  s->key_id_ = std::move(what.key_id);
  s->hub_ = this;
  std::lock_guard lock(mutex_);
  if (closed_ || subscribers_.size() >= max_subscribers_)
    return fail(errc::too_many_streams, "too many open streams on this server; retry later");
  // Counted under the same lock as the check, so many clients arriving at once cannot all slip
  // under a cap.
  if (!s->address_.empty()) {
    auto it = per_address_.find(s->address_);
    if (it != per_address_.end() && it->second >= budget_.per_address)
      return fail(errc::stream_limit,
                  fmt::format("at most {} open streams per client address; close one first",
                              budget_.per_address));
  }
  if (s->user_id_ != 0) {
    auto it = per_user_.find(s->user_id_);
    if (it != per_user_.end() && it->second >= budget_.per_user)
      return fail(
          errc::stream_limit,
          fmt::format("at most {} open streams per player; close one first", budget_.per_user));
  }
  const auto& last_event_id = what.last_event_id;
  if (last_event_id && *last_event_id > last_id_) {
    // An id this server never produced (ticks lost with a crashed earlier run): the client's
    // state cannot be trusted.
    std::lock_guard slock(s->mutex_);
    s->reset_ = true;
    resets_.fetch_add(1, std::memory_order_relaxed);
    s->notify();
  } else if (last_event_id && *last_event_id < last_id_) {
    // Resumable only if the ring still holds the event right after last_event_id (ids are
    // contiguous) and what follows fits the replay budget. Ids from an older server run that
    // restarted numbering are handled as too old.
    bool covered = !ring_.empty() && ring_.front().id <= *last_event_id + 1;
    std::lock_guard slock(s->mutex_);
    if (!covered || !replay_fits(*s, *last_event_id)) {
      s->reset_ = true;
      resets_.fetch_add(1, std::memory_order_relaxed);
    } else {
      s->replay_after_ = *last_event_id;
      s->replay_until_ = last_id_;
    }
    s->notify();
  }
  if (!s->address_.empty()) ++per_address_[s->address_];
  if (s->user_id_ != 0) ++per_user_[s->user_id_];
  subscribers_.push_back(s);
  return s;
}

bool hub::replay_fits(const subscriber& s, std::int64_t after) const {
  // From the newest event back, so the walk stops after at most the budget's worth of frames.
  std::size_t bytes = 0;
  for (auto it = ring_.rbegin(); it != ring_.rend() && it->id > after; ++it) {
    if (!s.wants(*it)) continue;
    bytes += it->frame->size();
    if (bytes > budget_.replay_bytes) return false;
  }
  return true;
}

bool hub::next_replay_chunk(subscriber& s, std::vector<event>& out) {
  std::lock_guard lock(mutex_);
  std::lock_guard slock(s.mutex_);
  if (s.replay_after_ >= s.replay_until_ || s.closed_) return false;
  if (ring_.empty() || ring_.front().id > s.replay_after_ + 1) {
    // The ring moved past the cursor while this client was reading slowly.
    s.reset_ = true;
    resets_.fetch_add(1, std::memory_order_relaxed);
    s.replay_after_ = s.replay_until_;
    return false;
  }
  auto it = std::upper_bound(ring_.begin(), ring_.end(), s.replay_after_,
                             [](std::int64_t id, const event& e) { return id < e.id; });
  std::size_t bytes = 0;
  // A narrow filter may skip most of the ring: bound the walk too, not only what is sent.
  for (std::size_t scanned = 0; it != ring_.end() && it->id <= s.replay_until_ &&
                                bytes < replay_chunk_bytes && scanned < 4096;
       ++it, ++scanned) {
    s.replay_after_ = it->id;
    if (!s.wants(*it)) continue;
    bytes += it->frame->size();
    out.push_back(*it);
  }
  if (it == ring_.end() || it->id > s.replay_until_) s.replay_after_ = s.replay_until_;
  return s.replay_after_ < s.replay_until_;
}

void hub::unsubscribe(const std::shared_ptr<subscriber>& s) {
  std::lock_guard lock(mutex_);
  if (std::erase(subscribers_, s) == 0) return;
  if (!s->address_.empty()) {
    auto it = per_address_.find(s->address_);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
  if (s->user_id_ != 0) {
    auto it = per_user_.find(s->user_id_);
    if (it != per_user_.end() && --it->second == 0) per_user_.erase(it);
  }
}

void hub::publish(std::vector<event> events) {
  if (events.empty()) return;
  // A feed step carries one tick per symbol, and most streams want one symbol or a few: each
  // filtered stream looks its symbols up in this index of the step (built once per publish)
  // instead of testing every event against its filter, which was most of the walk's cost per
  // stream. Indices, in id order per symbol; `everyone` holds the events no filter selects.
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_symbol;
  std::vector<std::size_t> everyone;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].everyone)
      everyone.push_back(i);
    else
      by_symbol[events[i].symbol].push_back(i);
  }
  std::vector<std::size_t> picked;  // one stream's events, reused
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_) {
    picked.clear();
    if (s->filter_.empty() || s->filter_.size() > by_symbol.size()) {
      for (std::size_t i = 0; i < events.size(); ++i)
        if (s->wants(events[i])) picked.push_back(i);
    } else {
      std::size_t sources = everyone.empty() ? 0 : 1;
      for (const auto& symbol : s->filter_)
        if (auto it = by_symbol.find(symbol); it != by_symbol.end()) {
          picked.insert(picked.end(), it->second.begin(), it->second.end());
          ++sources;
        }
      picked.insert(picked.end(), everyone.begin(), everyone.end());
      // The queue must see them in id order, which one source alone already is.
      if (sources > 1) std::sort(picked.begin(), picked.end());
    }
    if (picked.empty()) continue;
    {
      std::lock_guard slock(s->mutex_);
      const auto before = s->queue_.coalesced();
      for (auto i : picked) s->queue_.push(events[i]);
      coalesced_.fetch_add(s->queue_.coalesced() - before, std::memory_order_relaxed);
    }
    s->notify();
  }
  published_.fetch_add(events.size(), std::memory_order_relaxed);
  for (auto& e : events) {
    last_id_ = e.id;
    ring_.push_back(std::move(e));
  }
  while (ring_.size() > ring_capacity_) ring_.pop_front();
}

void hub::publish_private(std::int64_t user_id, const std::string& frame) {
  if (user_id == 0) return;
  auto shared = std::make_shared<const std::string>(frame);
  private_published_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_) {
    if (s->user_id_ != user_id) continue;
    {
      std::lock_guard slock(s->mutex_);
      // Ordered after the ticks already queued, and never coalesced, even with another.
      s->queue_.push(event{last_id_, "", shared, "", false, true});
    }
    s->notify();
  }
}

void hub::publish_unnumbered(const std::string& symbol, const std::string& key,
                             const std::string& frame) {
  auto shared = std::make_shared<const std::string>(frame);
  std::lock_guard lock(mutex_);
  // The hub's last id orders it after the ticks already queued when the queue coalesces.
  const event e{last_id_, symbol, shared, key, false};
  published_.fetch_add(1, std::memory_order_relaxed);
  for (auto& s : subscribers_) {
    if (!s->wants(e)) continue;
    {
      std::lock_guard slock(s->mutex_);
      const auto before = s->queue_.coalesced();
      s->queue_.push(e);
      coalesced_.fetch_add(s->queue_.coalesced() - before, std::memory_order_relaxed);
    }
    s->notify();
  }
}

bool hub::has_streams_of(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  return std::any_of(subscribers_.begin(), subscribers_.end(),
                     [&](const auto& s) { return s->user_id_ == user_id; });
}

std::vector<std::int64_t> hub::streaming_users() const {
  std::lock_guard lock(mutex_);
  std::vector<std::int64_t> out;
  for (const auto& s : subscribers_)
    if (s->user_id_ != 0) out.push_back(s->user_id_);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void hub::heartbeat_all() {
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_) {
    {
      std::lock_guard slock(s->mutex_);
      s->heartbeat_ = true;
    }
    s->notify();
  }
}

void hub::close_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& s : subscribers_) s->close();
}

void hub::close_key(std::string_view key_id) {
  if (key_id.empty()) return;
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_)
    if (s->key_id_ == key_id) s->close();
}

void hub::start_after(std::int64_t id) {
  std::lock_guard lock(mutex_);
  last_id_ = std::max(last_id_, id);
}

void hub::skip_to(std::int64_t id) {
  std::lock_guard lock(mutex_);
  if (id <= last_id_) return;
  ring_.clear();
  last_id_ = id;
}

hub::stream_kinds hub::kinds() const {
  std::lock_guard lock(mutex_);
  stream_kinds k;
  k.total = subscribers_.size();
  for (const auto& s : subscribers_) {
    ++(s->user_id_ != 0 ? k.signed_in : k.anonymous);
    ++(s->filter_.empty() ? k.every_symbol : k.filtered);
  }
  return k;
}

std::size_t hub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::int64_t hub::last_id() const {
  std::lock_guard lock(mutex_);
  return last_id_;
}

}  // namespace marketsim::sse
