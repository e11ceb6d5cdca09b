// The API requests being handled right now, for the admin's runtime view: each one's request
// id, method, route pattern and age. An entry lives in the handling coroutine's frame and links
// itself into the list for exactly as long as the handler runs, so tracking costs no allocation;
// io threads link and unlink under a mutex, and the view copies the list under it.
#pragma once
#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace marketsim::http {

class in_flight_list {
 public:
  struct view {
    std::string request_id, method, route;
    double age_ms = 0;
  };

  class entry {
   public:
    // started: when the request began (its context's clock reading; a zero time reads now).
    entry(in_flight_list& list, const std::string& request_id, const std::string& method,
          const std::string* route, std::chrono::steady_clock::time_point started = {})
        : list_(list),
          request_id_(request_id),
          method_(method),
          route_(route),
          started_(started == std::chrono::steady_clock::time_point{}
                       ? std::chrono::steady_clock::now()
                       : started) {
      std::lock_guard lock(list_.mutex_);
      next_ = list_.head_;
      if (next_) next_->prev_ = this;
      list_.head_ = this;
    }
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
    ~entry() {
      std::lock_guard lock(list_.mutex_);
      if (prev_)
        prev_->next_ = next_;
      else
        list_.head_ = next_;
      if (next_) next_->prev_ = prev_;
    }

   private:
    friend class in_flight_list;
    in_flight_list& list_;
    const std::string& request_id_;  // the request's context outlives its handler
    const std::string& method_;
    const std::string* route_;  // the router's, as registered
    std::chrono::steady_clock::time_point started_;
    entry* prev_ = nullptr;
    entry* next_ = nullptr;
  };

  // Oldest first, at most `n`.
  [[nodiscard]] std::vector<view> snapshot(std::size_t n) const {
    std::vector<view> out;
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      for (auto* e = head_; e; e = e->next_)
        out.push_back({e->request_id_, e->method_, e->route_ ? *e->route_ : std::string(),
                       std::chrono::duration<double, std::milli>(now - e->started_).count()});
    }
    // Newest are linked first: the oldest end the list.
    std::reverse(out.begin(), out.end());
    if (out.size() > n) out.resize(n);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  entry* head_ = nullptr;
};

}  // namespace marketsim::http
