// The server's long-lived tasks (the feed, the flusher, the order ticker, mail, snapshots, the
// listeners, bots, rules, ...), each with what it is doing and when it last made progress: the
// admin's runtime view (GET /api/admin/runtime) shows a task that stopped moving. Tasks are
// added at start-up (main thread); each then reports from its own strand or thread, and the
// view is read from an io thread: a mutex guards the entries, held only to copy a few fields.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim {

class task_board {
 public:
  class task {
   public:
    // A step done (now), with what the task does next or waits for.
    void progress(std::string_view state = {});
    // What it does now, without counting a step (e.g. "waiting for the lock").
    void set_state(std::string_view state);
    // A step that took `took`: a progress, and a slow step when over the board's threshold.
    void step_took(std::chrono::steady_clock::duration took, std::string_view state = {});

   private:
    friend class task_board;
    task(task_board& board, std::string name, std::chrono::milliseconds every)
        : board_(board), name_(std::move(name)), every_(every) {}
    task_board& board_;
    std::string name_;
    std::chrono::milliseconds every_;
    std::string state_ = "starting";
    std::int64_t last_progress_ms_ = 0;  // wall clock
    std::uint64_t steps_ = 0;
  };

  struct task_view {
    std::string name, state;
    std::int64_t last_progress_ms = 0;  // 0: never
    std::uint64_t steps = 0;
    std::chrono::milliseconds every{0};  // how often it reports when well; 0: only on demand
  };

  // A step slower than the threshold: the request's or the task's, for the slowest-steps list.
  struct slow_step {
    std::int64_t at_ms = 0;  // wall clock, when it ended
    std::string kind;        // request, task, db
    std::string name;        // the route pattern, the task's name, or the job's caller
    std::string request_id;  // requests only
    double ms = 0;
  };

  explicit task_board(std::chrono::milliseconds slow_threshold, std::size_t keep_slow = 200)
      : slow_threshold_(slow_threshold), keep_slow_(keep_slow) {}

  // A task that reports about every `every` when well (0: only when there is work, e.g. on
  // ticks); its reference stays valid as long as the board.
  task& add(std::string name, std::chrono::milliseconds every = {});
  [[nodiscard]] std::vector<task_view> tasks() const;

  // Records a step when it took longer than the threshold (and logs it); any thread.
  void note_step(std::string_view kind, std::string_view name, std::string_view request_id,
                 std::chrono::steady_clock::duration took);
  // The slowest of the recent slow steps (the last `keep_slow` kept), slowest first.
  [[nodiscard]] std::vector<slow_step> slowest(std::size_t n) const;
  [[nodiscard]] std::chrono::milliseconds slow_threshold() const { return slow_threshold_; }

 private:
  const std::chrono::milliseconds slow_threshold_;
  const std::size_t keep_slow_;
  mutable std::mutex mutex_;
  std::deque<task> tasks_;  // a deque: references stay valid as tasks are added
  std::deque<slow_step> slow_;
};

}  // namespace marketsim
