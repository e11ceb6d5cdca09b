// The server's metrics (see server_metrics.hpp). Any thread records; GET /metrics reads on the
// metrics listener's io thread; the loop watchers run on the io threads.
#include "marketsim/app/server_metrics.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "marketsim/api/account_api.hpp"
#include "marketsim/auth/hash_pool.hpp"
#include "marketsim/db/history_flusher.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/rules/rule_engine.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::app {

namespace asio = boost::asio;

namespace {

thread_local int io_thread_index = -1;

// utime and stime (fields 14 and 15 of /proc/self/stat), in clock ticks.
double cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces: the fields count from after its closing parenthesis.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS from /proc/self/status, in bytes.
double resident_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) * 1024;
  return 0;
}

double open_files() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

std::atomic<std::uint64_t> generations{0};

// The children one (method, route, status) was last counted in on this thread: a request's
// metrics then cost two comparisons instead of two locked lookups by three labels. Direct
// mapped and small; a miss looks the children up as before and takes the slot.
struct request_children {
  std::uint64_t generation = 0;
  std::string method;
  std::string route;
  int status = 0;
  metrics::counter* requests = nullptr;
  metrics::histogram* seconds = nullptr;
};
thread_local std::array<request_children, 64> request_cache;

}  // namespace

server_metrics::server_metrics()
    : generation_(++generations),
      requests_(registry_.counters("marketsim_http_requests_total",
                                   "HTTP answers written, by method, route pattern and status "
                                   "(a stream counts when it opens).",
                                   {"method", "route", "status"})),
      request_seconds_(registry_.histograms(
          "marketsim_http_request_duration_seconds",
          "Time from a request's arrival to its answer written, by method and route pattern.",
          {"method", "route"})),
      loop_lag_(registry_.histograms(
          "marketsim_event_loop_lag_seconds",
          "How late a timer due on an io thread ran: time that thread spent on other work "
          "without yielding.",
          {"thread"})) {}

void server_metrics::name_io_thread(int index) {
  io_thread_index = index;
}

void server_metrics::observe_request(const http::request_context& ctx, int status, double seconds) {
  // Routes are the registered patterns, never raw paths: a bounded set of label values.
  const std::string_view route = ctx.route       ? std::string_view(*ctx.route)
                                 : status == 404 ? std::string_view("(unmatched)")
                                                 : std::string_view("(static)");
  std::string_view method = ctx.method;
  if (method != "GET" && method != "HEAD" && method != "POST" && method != "PUT" &&
      method != "PATCH" && method != "DELETE" && method != "OPTIONS")
    method = "(other)";
  auto& slot = request_cache[(std::hash<std::string_view>{}(route) ^
                              static_cast<std::size_t>(status) * 31 ^ method.size()) %
                             request_cache.size()];
  if (slot.generation != generation_ || slot.status != status || slot.route != route ||
      slot.method != method) {
    char code[4];
    const auto text = fmt::format_to_n(code, sizeof code, "{}", status);
    slot.generation = generation_;
    slot.method = method;
    slot.route = route;
    slot.status = status;
    slot.requests = &requests_.with({method, route, std::string_view(code, text.size)});
    slot.seconds = &request_seconds_.with({method, route});
  }
  slot.requests->inc();
  if (seconds >= 0) slot.seconds->observe(seconds);
}

asio::awaitable<void> server_metrics::watch_loop(std::chrono::milliseconds every,
                                                 std::chrono::milliseconds slow) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const auto due = std::chrono::steady_clock::now() + every;
    timer.expires_at(due);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const auto late = std::chrono::steady_clock::now() - due;
    const double seconds = std::chrono::duration<double>(late).count();
    const int thread = io_thread_index;
    loop_lag_.with({thread >= 0 ? std::to_string(thread) : std::string("other")}).observe(seconds);
    {
      std::lock_guard lock(lags_mutex_);
      auto& recent = lags_[thread];
      recent.push_back(seconds);
      if (recent.size() > 100) recent.pop_front();
    }
    if (late > slow)
      spdlog::warn(
          "runtime: io thread {} ran a timer {:.0f} ms late: something held it without "
          "yielding",
          thread, seconds * 1000);
  }
}

void server_metrics::collect_process() {
  registry_.collect("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                    "counter", [] { return cpu_seconds(); });
  registry_.collect("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
                    [] { return resident_bytes(); });
  registry_.collect("process_open_fds", "Open file descriptors.", "gauge",
                    [] { return open_files(); });
  registry_.collect("process_max_fds", "The most file descriptors this process may open.", "gauge",
                    [] { return static_cast<double>(sysconf(_SC_OPEN_MAX)); });
}

void register_collectors(metrics::registry& reg, const collected& from) {
  using metrics::sample;
  // The references it holds outlive the registry; the struct itself is a temporary.
  const collected f = from;
  reg.collect("marketsim_http_open_connections", "HTTP connections open now (streams included).",
              "gauge", [f] { return static_cast<double>(f.server.open_connections()); });
  reg.collect("marketsim_http_requests_in_flight", "Requests being handled now.", "gauge",
              [f] { return static_cast<double>(f.server.active_requests()); });
  reg.collect("marketsim_sse_streams", "Server-Sent Events streams open now.", "gauge",
              [f] { return static_cast<double>(f.hub.subscriber_count()); });
  reg.collect("marketsim_sse_events_published_total",
              "Events handed to the streams: public (ticks, steps, trades) or private (a "
              "player's own).",
              "counter", {"kind"}, [f] {
                const auto t = f.hub.totals();
                return std::vector<sample>{{{"public"}, static_cast<double>(t.published)},
                                           {{"private"}, static_cast<double>(t.private_published)}};
              });
  reg.collect("marketsim_sse_coalesced_total",
              "Events a slow stream's queue replaced by a newer one of the same key.", "counter",
              [f] { return static_cast<double>(f.hub.totals().coalesced); });
  reg.collect("marketsim_sse_resets_total",
              "Resumptions (Last-Event-ID) answered with a reset: the ring no longer held what "
              "they missed, or it exceeded the replay budget.",
              "counter", [f] { return static_cast<double>(f.hub.totals().resets); });

  const auto pools = [f](auto field) {
    return [f, field] {
      return std::vector<sample>{
          {{"requests"}, static_cast<double>(field(f.requests.snapshot()))},
          {{"background"}, static_cast<double>(field(f.background.snapshot()))}};
    };
  };
  reg.collect("marketsim_db_pool_connections", "Connections (worker threads) of the pool.", "gauge",
              {"pool"}, pools([](const db::pool::stats& s) { return s.size; }));
  reg.collect("marketsim_db_pool_in_use", "Connections running a job now.", "gauge", {"pool"},
              pools([](const db::pool::stats& s) { return s.in_use; }));
  reg.collect("marketsim_db_pool_queued", "Jobs waiting for a connection now.", "gauge", {"pool"},
              pools([](const db::pool::stats& s) { return s.queued; }));
  reg.collect("marketsim_db_pool_jobs_total", "Jobs run.", "counter", {"pool"},
              pools([](const db::pool::stats& s) { return s.jobs; }));
  reg.collect("marketsim_db_pool_errors_total",
              "Jobs that failed: the database unavailable, a database error, or refused by a "
              "full queue.",
              "counter", {"pool", "cause"}, [f] {
                std::vector<sample> out;
                for (const auto& [name, p] :
                     {std::pair{"requests", &f.requests}, std::pair{"background", &f.background}}) {
                  const auto s = p->snapshot();
                  out.push_back({{name, "unavailable"}, static_cast<double>(s.unavailable)});
                  out.push_back({{name, "error"}, static_cast<double>(s.errors)});
                  out.push_back({{name, "queue_full"}, static_cast<double>(s.refused)});
                }
                return out;
              });
  reg.collect("marketsim_db_pool_reconnects_total",
              "Connections made again after one broke (an outage, a restart of PostgreSQL).",
              "counter", {"pool"}, pools([](const db::pool::stats& s) { return s.reconnects; }));

  reg.collect("marketsim_history_buffered_ticks", "Ticks buffered, not yet in price_history.",
              "gauge", [f] { return static_cast<double>(f.history.size()); });
  reg.collect("marketsim_history_flushed_rows_total", "Ticks written to price_history.", "counter",
              [f] { return static_cast<double>(f.flusher.rows_written()); });
  reg.collect("marketsim_history_flush_failures_total",
              "Flushes that failed (their ticks stay buffered for the next).", "counter",
              [f] { return static_cast<double>(f.flusher.failures()); });

  reg.collect("marketsim_leader", "1 while this instance leads the cluster's market.", "gauge",
              [f] { return f.feed.leading() ? 1.0 : 0.0; });
  reg.collect("marketsim_feed_seconds_since_step",
              "Seconds since this instance last applied a market step (its own or relayed).",
              "gauge", [f] { return f.feed.seconds_since_step(); });
  reg.collect("marketsim_feed_last_seq", "The last step's sequence number.", "gauge",
              [f] { return static_cast<double>(f.feed.last_seq()); });
  reg.collect("marketsim_market_time_seconds", "The market's clock, in Unix seconds.", "gauge",
              [f] { return static_cast<double>(f.feed.market_time_ms()) / 1000; });

  reg.collect("marketsim_hash_pool_queued", "Password hashes waiting for a hashing thread.",
              "gauge", [f] { return static_cast<double>(f.hashes.snapshot().queued); });
  reg.collect("marketsim_hash_pool_in_flight", "Password hashes running or queued.", "gauge",
              [f] { return static_cast<double>(f.hashes.snapshot().in_flight); });
  reg.collect("marketsim_hash_pool_rejected_total",
              "Password hashes refused: the queue full (503 busy) or the client over its share "
              "(429).",
              "counter", {"reason"}, [f] {
                const auto s = f.hashes.snapshot();
                return std::vector<sample>{{{"busy"}, static_cast<double>(s.rejected)},
                                           {{"over_share"}, static_cast<double>(s.over_share)}};
              });
  reg.collect("marketsim_password_verifications_total", "Passwords checked against a hash.",
              "counter",
              [f] { return static_cast<double>(f.accounts.password_verifications.load()); });
  reg.collect("marketsim_throttled_total",
              "Attempts refused by a throttle, by kind (every other 429 is in "
              "marketsim_http_requests_total by route).",
              "counter", {"kind"}, [f] {
                return std::vector<sample>{
                    {{"password"}, static_cast<double>(f.accounts.throttled.load())}};
              });
  reg.collect("marketsim_rule_firings_total",
              "Trading rules' firings on this leader, by what became of them.", "counter",
              {"outcome"}, [f] {
                return std::vector<sample>{
                    {{"fired"}, static_cast<double>(f.rules.firings.load())},
                    {{"placed"}, static_cast<double>(f.rules.placed.load())},
                    {{"refused"}, static_cast<double>(f.rules.refused.load())},
                    {{"alerted"}, static_cast<double>(f.rules.alerts.load())}};
              });
}

std::vector<server_metrics::lag_view> server_metrics::loop_lags() const {
  std::lock_guard lock(lags_mutex_);
  std::vector<lag_view> out;
  for (const auto& [thread, recent] : lags_) {
    if (recent.empty()) continue;
    out.push_back(
        {thread, recent.back() * 1000, *std::max_element(recent.begin(), recent.end()) * 1000});
  }
  return out;
}

nlohmann::json runtime_view(const runtime_sources& from) {
  using nlohmann::json;
  const auto& c = from.counts;
  json requests = json::array();
  for (const auto& r : c.server.in_flight(100))
    requests.push_back({{"request_id", r.request_id},
                        {"method", r.method},
                        {"route", r.route},
                        {"age_ms", r.age_ms}});
  const auto k = c.hub.kinds();
  json tasks = json::array();
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - from.started)
                             .count();
  for (const auto& t : from.tasks.tasks()) {
    // Stalled: silent for three of its periods and five seconds more (since start, when it
    // never reported). A task that reports only when there is work never counts as stalled.
    const auto silent = t.last_progress_ms ? now_ms - t.last_progress_ms : uptime_ms;
    const bool stalled = t.every.count() > 0 && silent > 3 * t.every.count() + 5'000;
    tasks.push_back({{"name", t.name},
                     {"state", t.state},
                     {"steps", t.steps},
                     {"every_ms", t.every.count()},
                     {"stalled", stalled},
                     {"last_progress_ms_ago",
                      t.last_progress_ms ? json(now_ms - t.last_progress_ms) : json(nullptr)}});
  }
  json lags = json::array();
  for (const auto& l : from.metrics.loop_lags())
    lags.push_back({{"thread", l.thread}, {"last_ms", l.last_ms}, {"max_ms", l.max_ms}});
  json pools = json::array();
  for (const auto& [name, p] :
       {std::pair{"requests", &c.requests}, std::pair{"background", &c.background}}) {
    const auto s = p->snapshot();
    pools.push_back({{"name", name},
                     {"connections", s.size},
                     {"in_use", s.in_use},
                     {"queued", s.queued},
                     {"jobs", s.jobs},
                     {"errors", s.errors},
                     {"unavailable", s.unavailable},
                     {"queue_full", s.refused},
                     {"reconnects", s.reconnects}});
  }
  json slow = json::array();
  for (const auto& s : from.tasks.slowest(50))
    slow.push_back({{"at_ms_ago", now_ms - s.at_ms},
                    {"kind", s.kind},
                    {"name", s.name},
                    {"request_id", s.request_id.empty() ? json(nullptr) : json(s.request_id)},
                    {"ms", s.ms}});
  const auto h = c.hashes.snapshot();
  return {{"uptime_s",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - from.started).count()},
          {"leader", c.feed.leading()},
          {"feed",
           {{"seconds_since_step", c.feed.seconds_since_step()},
            {"last_seq", c.feed.last_seq()},
            {"market_time_ms", c.feed.market_time_ms()}}},
          {"connections", c.server.open_connections()},
          {"requests_in_flight", std::move(requests)},
          {"streams",
           {{"total", k.total},
            {"signed_in", k.signed_in},
            {"anonymous", k.anonymous},
            {"filtered", k.filtered},
            {"every_symbol", k.every_symbol}}},
          {"tasks", std::move(tasks)},
          {"loop_lag", std::move(lags)},
          {"pools", std::move(pools)},
          {"hash_pool", {{"queued", h.queued}, {"in_flight", h.in_flight}}},
          {"history_buffered", c.history.size()},
          {"slow_threshold_ms", from.tasks.slow_threshold().count()},
          {"slowest_steps", std::move(slow)}};
}

http::response server_metrics::scrape() const {
  http::response r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = registry_.expose();
  return r;
}

}  // namespace marketsim::app
