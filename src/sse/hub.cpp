// SSE fan-out (see hub.hpp). publish runs on the feed's thread; the rest on io threads.
#include "marketsim/sse/hub.hpp"

#include <algorithm>

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
  std::lock_guard lock(mutex_);
  batch b;
  b.events = queue_.drain();
  b.heartbeat = std::exchange(heartbeat_, false);
  b.reset = std::exchange(reset_, false);
  b.closed = closed_;
  return b;
}

hub::hub(std::size_t ring_capacity, std::size_t queue_capacity, std::size_t max_subscribers)
    : ring_capacity_(ring_capacity),
      queue_capacity_(queue_capacity),
      max_subscribers_(max_subscribers) {}

std::shared_ptr<subscriber> hub::subscribe(boost::asio::any_io_executor ex,
                                           std::set<std::string, std::less<>> filter,
                                           std::optional<std::int64_t> last_event_id,
                                           std::int64_t user_id) {
  auto s = std::make_shared<subscriber>(std::move(ex), queue_capacity_, std::move(filter));
  s->user_id_ = user_id;
  std::lock_guard lock(mutex_);
  if (closed_ || subscribers_.size() >= max_subscribers_) return nullptr;
  if (last_event_id && *last_event_id > last_id_) {
    // An id this server never produced (ticks lost with a crashed earlier run): the client's
    // state cannot be trusted.
    std::lock_guard slock(s->mutex_);
    s->reset_ = true;
    s->notify();
  } else if (last_event_id && *last_event_id < last_id_) {
    // Resumable only if the ring still holds the event right after last_event_id (ids are
    // contiguous). Ids from an older server run that restarted numbering are handled as too old.
    bool covered = !ring_.empty() && ring_.front().id <= *last_event_id + 1;
    std::lock_guard slock(s->mutex_);
    if (!covered) {
      s->reset_ = true;
    } else {
      auto first = std::upper_bound(ring_.begin(), ring_.end(), *last_event_id,
                                    [](std::int64_t id, const event& e) { return id < e.id; });
      for (auto it = first; it != ring_.end(); ++it)
        if (s->wants(it->symbol)) s->queue_.push_unbounded(*it);
    }
    s->notify();
  }
  subscribers_.push_back(s);
  return s;
}

void hub::unsubscribe(const std::shared_ptr<subscriber>& s) {
  std::lock_guard lock(mutex_);
  std::erase(subscribers_, s);
}

void hub::publish(std::vector<event> events) {
  if (events.empty()) return;
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_) {
    bool any = false;
    {
      std::lock_guard slock(s->mutex_);
      for (const auto& e : events)
        if (s->wants(e.symbol)) {
          s->queue_.push(e);
          any = true;
        }
    }
    if (any) s->notify();
  }
  for (auto& e : events) {
    last_id_ = e.id;
    ring_.push_back(std::move(e));
  }
  while (ring_.size() > ring_capacity_) ring_.pop_front();
}

void hub::publish_private(std::int64_t user_id, const std::string& frame) {
  if (user_id == 0) return;
  auto shared = std::make_shared<const std::string>(frame);
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_) {
    if (s->user_id_ != user_id) continue;
    {
      std::lock_guard slock(s->mutex_);
      // Ordered after the ticks already sent; the key never coalesces with a symbol.
      s->queue_.push_unbounded(event{last_id_, "", shared});
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

void hub::start_after(std::int64_t id) {
  std::lock_guard lock(mutex_);
  last_id_ = std::max(last_id_, id);
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
