// Database worker threads: each owns a libpqxx connection and runs jobs from a shared queue.
// Touched by any thread that enqueues (io threads, the main thread) and by the workers.
#include "marketsim/db/pool.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <future>
#include <pqxx/pqxx>

namespace marketsim::db {

namespace asio = boost::asio;

pool::pool(std::string connection_string, int size, std::size_t max_queued)
    : connection_string_(std::move(connection_string)), max_queued_(max_queued) {
  for (int i = 0; i < size; ++i) workers_.emplace_back([this] { worker_loop(); });
}

pool::~pool() {
  stop();
}

void pool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

void pool::enqueue(job j, place where) {
  {
    std::unique_lock lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) {
      lock.unlock();
      ++refused_;
      j.done(fail(errc::unavailable,
                  stopping_ ? "database pool is stopping" : "database queue is full"));
      return;
    }
    if (where == place::first)
      queue_.push_front(std::move(j));
    else
      queue_.push_back(std::move(j));
    ++queued_;
  }
  cv_.notify_one();
}

std::string with_application_name(const std::string& connection_string, std::string_view name) {
  const bool uri = connection_string.starts_with("postgresql://") ||
                   connection_string.starts_with("postgres://");
  std::string out = connection_string;
  if (uri) {
    out += connection_string.find('?') == std::string::npos ? '?' : '&';
    out += "application_name=";
    for (unsigned char c : name) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        constexpr char hex[] = "0123456789ABCDEF";
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }
  // Keyword/value: a single-quoted value, with \ and \' escaped.
  out += out.empty() ? "application_name='" : " application_name='";
  for (char c : name) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

pool::stats pool::snapshot() const {
  stats s;
  s.size = workers_.size();
  s.in_use = in_use_.load();
  s.queued = queued_.load();
  s.jobs = jobs_run_.load();
  s.errors = errors_.load();
  s.unavailable = unavailable_.load();
  s.refused = refused_.load();
  s.reconnects = reconnects_.load();
  return s;
}

void pool::submit(job_fn work, std::function<void(result<void>)> done) {
  enqueue(job{std::move(work), std::move(done)});
}

asio::awaitable<result<void>> pool::execute(job_fn work, place where) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(result<void>)>(
      [this, where](auto handler, job_fn work) {
        // The handler is move-only; the job's completion must be copyable for std::function.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        enqueue(job{std::move(work),
                    [shared](result<void> r) {
                      auto ex = asio::get_associated_executor(*shared);
                      asio::post(ex,
                                 [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
                    }},
                where);
      },
      asio::use_awaitable, std::move(work));
}

result<void> pool::execute_blocking(job_fn work) {
  auto promise = std::make_shared<std::promise<result<void>>>();
  auto future = promise->get_future();
  enqueue(job{std::move(work), [promise](result<void> r) { promise->set_value(std::move(r)); }});
  return future.get();
}

void pool::worker_loop() {
  std::unique_ptr<pqxx::connection> conn;
  std::uint64_t generation = 0;
  bool connected_before = false;  // a connection made again counts as a reconnect
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      j = std::move(queue_.front());
      queue_.pop_front();
      --queued_;
    }
    if (auto* waits = waits_.load())
      waits->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - j.queued_at).count());
    result<void> outcome;
    ++jobs_run_;
    ++in_use_;
    try {
      if (conn && generation != broken_generation_.load()) conn.reset();
      if (!conn || !conn->is_open()) {
        conn.reset();
        generation = broken_generation_.load();
        if (connected_before) ++reconnects_;
        connected_before = true;
        conn = std::make_unique<pqxx::connection>(connection_string_);
      }
      j.work(*conn);
    } catch (const pqxx::broken_connection& e) {
      if (conn) ++broken_generation_;
      conn.reset();
      outcome = fail(errc::unavailable, "database unavailable");
      spdlog::warn("db: connection lost: {}", e.what());
    } catch (const pqxx::unique_violation& e) {
      // A value someone else took first: the caller's answer (409), not an outage, and never
      // worth retrying. Repositories that know which value it was map it to their own code.
      outcome = fail(errc::conflict, "that already exists");
      spdlog::info("db: unique violation: {}", e.what());
    } catch (const pqxx::sql_error& e) {
      // A dead server also surfaces as sql_error on some paths: check the connection.
      if (conn && !conn->is_open()) {
        ++broken_generation_;
        conn.reset();
        outcome = fail(errc::unavailable, "database unavailable");
      } else {
        outcome = fail(errc::database_error, "database error");
      }
      spdlog::warn("db: query failed: {} (sqlstate {})", e.what(), e.sqlstate());
    } catch (const std::exception& e) {
      if (conn && !conn->is_open()) conn.reset();
      outcome = fail(conn ? errc::database_error : errc::unavailable, "database error");
      spdlog::warn("db: job failed: {}", e.what());
    }
    --in_use_;
    if (!outcome) {
      if (outcome.error().code == errc::unavailable)
        ++unavailable_;
      else if (outcome.error().code != errc::conflict)
        ++errors_;
    }
    j.done(std::move(outcome));
  }
}

}  // namespace marketsim::db
