// The leader's advisory lock (see leader_lock.hpp). Its own thread owns the connection; jobs
// are queued by coroutines on any thread and their results posted back.
#include "marketsim/db/leader_lock.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

namespace marketsim::db {

namespace asio = boost::asio;

namespace {
constexpr const char* try_lock_sql = "select pg_try_advisory_lock($1)";
constexpr const char* ping_sql = "select 1";

// The connection broke (or its session ended): the lock went with it.
struct connection_lost {
  std::string what;
};
}  // namespace

leader_lock::leader_lock(std::string connection_string, std::chrono::milliseconds retry_every,
                         std::int64_t key)
    : connection_string_(std::move(connection_string)), retry_every_(retry_every), key_(key) {}

leader_lock::~leader_lock() {
  stop();
}

void leader_lock::start(state_fn on_state) {
  on_state_ = std::move(on_state);
  thread_ = std::thread([this] { run(); });
}

void leader_lock::resign() {
  {
    std::lock_guard lock(mutex_);
    resign_ = true;
  }
  cv_.notify_all();
}

void leader_lock::release() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void leader_lock::stop() {
  release();
  if (thread_.joinable()) thread_.join();
}

void leader_lock::enqueue(job j) {
  {
    std::unique_lock lock(mutex_);
    if (!stopping_ && leading_.load()) {
      queue_.push_back(std::move(j));
      lock.unlock();
      cv_.notify_all();
      return;
    }
  }
  j.done(fail(errc::unavailable, "this instance does not lead the cluster"));
}

asio::awaitable<result<void>> leader_lock::execute(job_fn work) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(result<void>)>(
      [this](auto handler, job_fn work) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        enqueue(job{std::move(work), [shared](result<void> r) {
                      auto ex = asio::get_associated_executor(*shared);
                      asio::post(ex,
                                 [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
                    }});
      },
      asio::use_awaitable, std::move(work));
}

void leader_lock::set_leading(bool leading) {
  if (leading_.exchange(leading) == leading) return;
  reported_ = true;
  if (on_state_) on_state_(leading);
}

void leader_lock::run() {
  bool warned = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      resign_ = false;
    }
    std::unique_ptr<pqxx::connection> conn;
    try {
      conn = std::make_unique<pqxx::connection>(connection_string_);
      warned = false;
    } catch (const std::exception& e) {
      if (!warned) spdlog::warn("cluster: leader lock: cannot connect ({}); retrying", e.what());
      warned = true;
    }
    std::string why;
    if (conn) {
      auto next_try = std::chrono::steady_clock::now();
      auto last_used = std::chrono::steady_clock::now();
      try {
        for (;;) {
          auto now = std::chrono::steady_clock::now();
          if (!leading_.load() && now >= next_try) {
            pqxx::nontransaction tx(*conn);
            bool got = tx.exec_params(try_lock_sql, key_)[0][0].as<bool>();
            next_try = now + retry_every_;
            last_used = now;
            if (got) {
              set_leading(true);
            } else if (!reported_) {
              reported_ = true;
              if (on_state_) on_state_(false);
            }
          }
          std::deque<job> jobs;
          {
            std::unique_lock lock(mutex_);
            auto until = leading_.load() ? last_used + retry_every_ : next_try;
            cv_.wait_until(lock, until, [this] { return stopping_ || resign_ || !queue_.empty(); });
            if (stopping_ || resign_) {
              jobs.swap(queue_);
              lock.unlock();
              for (auto& j : jobs) j.done(fail(errc::unavailable, "leadership given up"));
              break;
            }
            jobs.swap(queue_);
          }
          while (!jobs.empty()) {
            auto j = std::move(jobs.front());
            jobs.pop_front();
            if (!leading_.load()) {
              j.done(fail(errc::unavailable, "this instance does not lead the cluster"));
              continue;
            }
            result<void> outcome;
            try {
              j.work(*conn);
            } catch (const pqxx::broken_connection& e) {
              j.done(fail(errc::unavailable, "the leader's connection broke"));
              for (auto& rest : jobs)
                rest.done(fail(errc::unavailable, "the leader's connection broke"));
              throw connection_lost{e.what()};
            } catch (const std::exception& e) {
              if (!conn->is_open()) {
                j.done(fail(errc::unavailable, "the leader's connection broke"));
                for (auto& rest : jobs)
                  rest.done(fail(errc::unavailable, "the leader's connection broke"));
                throw connection_lost{e.what()};
              }
              spdlog::warn("cluster: leader job failed: {}", e.what());
              outcome = fail(errc::database_error, "database error");
            }
            last_used = std::chrono::steady_clock::now();
            j.done(std::move(outcome));
          }
          // An idle leader still proves its session is alive once per interval.
          if (leading_.load() && std::chrono::steady_clock::now() >= last_used + retry_every_) {
            pqxx::nontransaction tx(*conn);
            tx.exec(ping_sql);
            last_used = std::chrono::steady_clock::now();
          }
        }
        {
          std::lock_guard lock(mutex_);
          why = stopping_ ? "shutdown" : "resigned";
        }
      } catch (const connection_lost& e) {
        why = e.what;
      } catch (const std::exception& e) {
        why = e.what();
      }
    }
    // Closing the session releases the lock (a no-op when it is already gone).
    conn.reset();
    if (leading_.load()) {
      if (why == "shutdown")
        spdlog::info("cluster: leader lock released (shutdown)");
      else
        spdlog::warn("cluster: this instance no longer leads ({})", why);
      set_leading(false);
    } else if (!reported_) {
      reported_ = true;
      if (on_state_) on_state_(false);
    }
    std::unique_lock lock(mutex_);
    if (stopping_) break;
    // Wait one interval before contending again (a resignation lets another instance win).
    cv_.wait_for(lock, retry_every_, [this] { return stopping_; });
    for (auto& j : queue_)
      j.done(fail(errc::unavailable, "this instance does not lead the cluster"));
    queue_.clear();
  }
  std::deque<job> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  for (auto& j : left) j.done(fail(errc::unavailable, "shutting down"));
}

}  // namespace marketsim::db
