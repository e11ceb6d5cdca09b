// Long-lived tasks and slow steps (see task_board.hpp). Any thread.
#include "marketsim/core/task_board.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace marketsim {

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void task_board::task::progress(std::string_view state) {
  std::lock_guard lock(board_.mutex_);
  last_progress_ms_ = wall_ms();
  ++steps_;
  if (!state.empty()) state_ = state;
}

void task_board::task::set_state(std::string_view state) {
  std::lock_guard lock(board_.mutex_);
  state_ = state;
}

void task_board::task::step_took(std::chrono::steady_clock::duration took, std::string_view state) {
  progress(state);
  board_.note_step("task", name_, "", took);
}

task_board::task& task_board::add(std::string name, std::chrono::milliseconds every) {
  std::lock_guard lock(mutex_);
  return tasks_.emplace_back(task(*this, std::move(name), every));
}

std::vector<task_board::task_view> task_board::tasks() const {
  std::lock_guard lock(mutex_);
  std::vector<task_view> out;
  out.reserve(tasks_.size());
  for (const auto& t : tasks_)
    out.push_back({t.name_, t.state_, t.last_progress_ms_, t.steps_, t.every_});
  return out;
}

void task_board::note_step(std::string_view kind, std::string_view name,
                           std::string_view request_id, std::chrono::steady_clock::duration took) {
  if (took < slow_threshold_) return;
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  if (request_id.empty())
    spdlog::warn("slow: {} {} took {:.0f} ms", kind, name, ms);
  else
    spdlog::warn("slow: {} {} took {:.0f} ms rid={}", kind, name, ms, request_id);
  std::lock_guard lock(mutex_);
  slow_.push_back({wall_ms(), std::string(kind), std::string(name), std::string(request_id), ms});
  while (slow_.size() > keep_slow_) slow_.pop_front();
}

std::vector<task_board::slow_step> task_board::slowest(std::size_t n) const {
  std::vector<slow_step> out;
  {
    std::lock_guard lock(mutex_);
    out.assign(slow_.begin(), slow_.end());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const slow_step& a, const slow_step& b) { return a.ms > b.ms; });
  if (out.size() > n) out.resize(n);
  return out;
}

}  // namespace marketsim
