// SSE framing and the coalescing client queue (see event.hpp). Pure.
#include "marketsim/sse/event.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace marketsim::sse {

std::string format_frame(std::string_view name, std::string_view data, std::int64_t id) {
  std::string out;
  out.reserve(data.size() + name.size() + 40);
  if (id >= 0) out += fmt::format("id: {}\n", id);
  out += "event: ";
  out += name;
  out += '\n';
  for (;;) {
    auto nl = data.find('\n');
    out += "data: ";
    out += data.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

std::optional<std::int64_t> parse_last_event_id(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

void client_queue::push(event e) {
  if (latest_.empty() && fifo_.size() < capacity_) {
    fifo_.push_back(std::move(e));
    return;
  }
  if (latest_.empty()) {
    // Switch to coalescing: fold the FIFO into newest-per-key; what must each be delivered
    // stays in it.
    std::vector<event> kept;
    for (auto& q : fifo_) {
      if (q.each_delivered) {
        kept.push_back(std::move(q));
        continue;
      }
      auto [it, inserted] = latest_.try_emplace(q.coalescing_key(), q);
      if (!inserted) {
        it->second = std::move(q);
        ++coalesced_;
      }
    }
    fifo_ = std::move(kept);
  }
  if (e.each_delivered) {
    fifo_.push_back(std::move(e));
    return;
  }
  auto [it, inserted] = latest_.try_emplace(e.coalescing_key(), e);
  if (!inserted) {
    it->second = std::move(e);
    ++coalesced_;
  }
}

std::vector<event> client_queue::drain() {
  std::vector<event> out;
  out.swap(fifo_);
  if (!latest_.empty()) {
    out.reserve(out.size() + latest_.size());
    for (auto& [symbol, e] : latest_) out.push_back(std::move(e));
    latest_.clear();
    std::stable_sort(out.begin(), out.end(), [](const event& a, const event& b) {
      return a.id != b.id ? a.id < b.id : !a.each_delivered && b.each_delivered;
    });
  }
  return out;
}

}  // namespace marketsim::sse
