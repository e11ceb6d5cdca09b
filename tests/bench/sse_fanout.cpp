// SSE fan-out load client for the benchmarks (scripts/bench; not part of the pass/fail suite).
//
// One thread, one epoll loop, N plain-TCP connections to an event-stream URL on a loopback port:
// marketsim's GET /api/stream (all symbols, or one with ?symbols=AAPL) or another SSE server
// such as nginx + nchan's eventsource location. Nothing else runs in the process, so the bench
// script pins the whole client (publisher included) to one CPU.
//
// Events are matched across streams by an id: by default the `id: N` line of an event (marketsim
// numbers every published event); with --id-from seq, the `"seq":N` inside a data line (nchan
// gives messages ids of its own, so the publisher below carries the sequence in the body).
//
// Two modes:
//
//   latency (default): opens N streams, waits until every one has its 200 header, warms up, then
//     measures for --duration seconds. Every read is stamped with CLOCK_MONOTONIC (the clock the
//     server's steady_timer uses). For each event id it keeps the first receipt across all
//     clients; every receipt then yields
//       skew (spread) = receipt - first receipt of that id                (the fan-out itself)
//       latency       = receipt - publish time of the id (see below).
//     Without --publish the publish time is estimated: the server publishes all events of one
//     feed step at once, on a fixed cadence (next += interval); the client groups ids into
//     cycles by their first receipt and fits sched_c = F_0 + k_c*interval + offset, where offset
//     is the smallest observed (F_c - F_0 - k_c*interval). That latency excludes the constant
//     publish->first-byte time of an unloaded cycle but includes every delay the load adds.
//     With --publish PATH the client is the publisher: from the warm-up on it POSTs one message
//     every --interval-ms to PATH over one keep-alive connection, a body {"seq":N,"pad":"x..."}
//     of --publish-bytes bytes (N counts up from the start's wall-clock milliseconds, so runs
//     never reuse a sequence number a server may still hold), and latency is measured from the
//     moment each POST was sent.
//     It also reports how busy this client was while each event was being fanned out: near
//     100% means the client, not the server, set the pace of the receipts it stamped.
//
//   idle (--idle): reads the server's VmRSS from /proc/<pid>/status, opens N streams, waits for
//     all headers, settles, reads VmRSS again and reports (after - before) / N.
//
// --server-pid takes a comma-separated list (nginx's worker processes); the CPU, run-queue and
// VmRSS figures are sums over those processes.
// Output: human-readable lines, then `RESULT key=value` lines for scripts/bench.
// Build: g++ -O2 -std=c++23 -o sse_fanout sse_fanout.cpp
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

enum class id_source : std::uint8_t { id_line, data_seq };

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/api/stream";
  int conns = 1000;
  double duration_s = 30;
  double grace_s = 2;
  double interval_ms = 1000;
  double connect_timeout_s = 60;
  double settle_s = 3;
  int max_pending = 256;
  std::vector<int> server_pids;
  bool idle = false;
  id_source id_from = id_source::id_line;
  std::string publish_path;  // empty: the server publishes on its own
  int publish_bytes = 160;
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s --port P [--host 127.0.0.1] [--path /api/stream] [--conns N]\n"
      "          [--duration S] [--grace S] [--interval-ms MS] [--server-pid PID[,PID...]]\n"
      "          [--connect-timeout S] [--settle S] [--max-pending N] [--idle]\n"
      "          [--id-from id|seq] [--publish PATH] [--publish-bytes B]\n",
      argv0);
  std::exit(2);
}

std::vector<int> parse_pids(std::string_view text) {
  std::vector<int> pids;
  while (!text.empty()) {
    auto comma = text.find(',');
    int pid = std::atoi(std::string(text.substr(0, comma)).c_str());
    if (pid > 0) pids.push_back(pid);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return pids;
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (a == "--host")
      o.host = next();
    else if (a == "--port")
      o.port = std::atoi(next());
    else if (a == "--path")
      o.path = next();
    else if (a == "--conns")
      o.conns = std::atoi(next());
    else if (a == "--duration")
      o.duration_s = std::atof(next());
    else if (a == "--grace")
      o.grace_s = std::atof(next());
    else if (a == "--interval-ms")
      o.interval_ms = std::atof(next());
    else if (a == "--server-pid")
      o.server_pids = parse_pids(next());
    else if (a == "--connect-timeout")
      o.connect_timeout_s = std::atof(next());
    else if (a == "--settle")
      o.settle_s = std::atof(next());
    else if (a == "--max-pending")
      o.max_pending = std::atoi(next());
    else if (a == "--idle")
      o.idle = true;
    else if (a == "--id-from") {
      std::string_view v = next();
      if (v == "id")
        o.id_from = id_source::id_line;
      else if (v == "seq")
        o.id_from = id_source::data_seq;
      else
        usage(argv[0]);
    } else if (a == "--publish")
      o.publish_path = next();
    else if (a == "--publish-bytes")
      o.publish_bytes = std::atoi(next());
    else
      usage(argv[0]);
  }
  if (o.port <= 0 || o.conns <= 0 || o.interval_ms <= 0) usage(argv[0]);
  return o;
}

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// VmRSS of pid in KiB, or -1.
long vm_rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// utime + stime of pid in clock ticks, or -1.
long long cpu_ticks(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto rp = s.rfind(')');
  if (rp == std::string::npos) return -1;
  // Fields after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15).
  const char* p = s.c_str() + rp + 2;
  long long v[13] = {};
  for (int field = 3; field <= 15; ++field) {
    while (*p == ' ') ++p;
    if (field >= 14) v[field - 3] = std::strtoll(p, nullptr, 10);
    while (*p && *p != ' ') ++p;
  }
  return v[11] + v[12];
}

// Sums of the figures above over several processes; -1 when any is unreadable (or none given).
long rss_sum(const std::vector<int>& pids) {
  long sum = pids.empty() ? -1 : 0;
  for (int pid : pids) {
    long v = vm_rss_kib(pid);
    if (v < 0) return -1;
    sum += v;
  }
  return sum;
}
long long cpu_sum(const std::vector<int>& pids) {
  long long sum = pids.empty() ? -1 : 0;
  for (int pid : pids) {
    long long v = cpu_ticks(pid);
    if (v < 0) return -1;
    sum += v;
  }
  return sum;
}

// Sum over the threads of pid of /proc/<pid>/task/<tid>/schedstat: time on a CPU and time
// spent runnable but waiting for a CPU (run-queue wait: contention from other processes), in ns.
struct sched_times {
  double run_ns = -1, wait_ns = -1;
};
sched_times sched_sum(int pid) {
  sched_times t;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (!d) return t;
  t.run_ns = t.wait_ns = 0;
  while (auto* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/schedstat");
    double run = 0, wait = 0;
    if (f >> run >> wait) {
      t.run_ns += run;
      t.wait_ns += wait;
    }
  }
  closedir(d);
  return t;
}
sched_times sched_sum(const std::vector<int>& pids) {
  sched_times sum;
  if (pids.empty()) return sum;
  sum.run_ns = sum.wait_ns = 0;
  for (int pid : pids) {
    auto t = sched_sum(pid);
    if (t.run_ns < 0) return {};
    sum.run_ns += t.run_ns;
    sum.wait_ns += t.wait_ns;
  }
  return sum;
}

// Busy time of the whole machine (all CPUs) from /proc/stat, in clock ticks.
long long machine_busy_ticks() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(f >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal)) return -1;
  return user + nice + sys + irq + softirq + steal;
}

double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

enum class state : std::uint8_t { connecting, header, streaming, closed };

struct conn {
  int fd = -1;
  state st = state::connecting;
  std::string carry;  // incomplete header, or the unfinished last line of the body
  std::uint64_t events = 0;
};

struct id_info {
  std::int64_t first_ns = 0;
  std::uint32_t cycle = 0;
  std::uint32_t receipts = 0;
};

struct delivery {
  std::uint32_t id_index;
  std::uint32_t skew_us;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return NAN;
  auto k = static_cast<std::size_t>(std::ceil(p / 100.0 * double(v.size())));
  k = std::clamp<std::size_t>(k, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The epoll tag of the publisher's connection (streams are tagged with their index).
constexpr std::uint64_t publisher_tag = ~std::uint64_t{0};

class client {
 public:
  explicit client(options o) : o_(std::move(o)) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
    conns_.resize(static_cast<std::size_t>(o_.conns));
    request_ = "GET " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
               "\r\nAccept: text/event-stream\r\nUser-Agent: marketsim-bench\r\n\r\n";
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) != 1) die("bad --host (IPv4 only)");
    buf_.resize(1 << 16);
  }

  int run() {
    long rss_before = rss_sum(o_.server_pids);
    std::int64_t t0 = now_ns();
    if (!connect_all()) {
      std::printf("connected %d/%d streams (refused/failed %d, non-200 %d) before timeout\n",
                  streaming_, o_.conns, failed_, non200_);
    }
    double connect_s = double(now_ns() - t0) / 1e9;
    std::printf("open streams: %d/%d in %.1f s (failed %d, non-200 %d)\n", streaming_, o_.conns,
                connect_s, failed_, non200_);
    std::fflush(stdout);
    std::printf(
        "RESULT conns=%d\nRESULT open=%d\nRESULT failed=%d\nRESULT non200=%d\n"
        "RESULT connect_s=%.2f\n",
        o_.conns, streaming_, failed_, non200_, connect_s);
    if (o_.idle) return idle_report(rss_before);
    return measure();
  }

 private:
  [[noreturn]] static void die(const char* what) {
    std::fprintf(stderr, "sse_fanout: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }

  void start_connect(std::size_t i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket (raise ulimit -n)");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns_[i].fd = fd;
    conns_[i].st = state::connecting;
    ++pending_;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_);
    if (rc < 0 && errno != EINPROGRESS) {
      fail(i);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = i;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }

  void fail(std::size_t i) {
    close_conn(i);
    ++failed_;
  }

  void close_conn(std::size_t i) {
    auto& c = conns_[i];
    if (c.fd >= 0) {
      if (c.st == state::connecting || c.st == state::header) --pending_;
      if (c.st == state::streaming) {
        --streaming_;
        if (measuring_) ++dropped_;
      }
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    c.st = state::closed;
    c.carry.clear();
    c.carry.shrink_to_fit();
  }

  void on_writable(std::size_t i) {
    auto& c = conns_[i];
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(i);
    // The request is tiny: one send fits in an empty socket buffer.
    if (send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL) != ssize_t(request_.size()))
      return fail(i);
    c.st = state::header;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void on_readable(std::size_t i, std::int64_t t) {
    auto& c = conns_[i];
    for (;;) {
      ssize_t n = recv(c.fd, buf_.data(), buf_.size(), 0);
      if (n > 0) {
        consume(i, std::string_view(buf_.data(), std::size_t(n)), t);
        if (c.st == state::closed) return;
        if (std::size_t(n) < buf_.size()) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      // EOF or error.
      if (c.st == state::header) ++failed_;
      close_conn(i);
      return;
    }
  }

  void consume(std::size_t i, std::string_view data, std::int64_t t) {
    auto& c = conns_[i];
    if (c.st == state::header) {
      c.carry.append(data);
      auto end = c.carry.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.carry.size() > 16384) fail(i);
        return;
      }
      bool ok = c.carry.starts_with("HTTP/1.1 200") || c.carry.starts_with("HTTP/1.0 200");
      if (!ok) {
        ++non200_;
        close_conn(i);
        return;
      }
      std::string rest = c.carry.substr(end + 4);
      c.carry.clear();
      c.st = state::streaming;
      --pending_;
      ++streaming_;
      if (!rest.empty()) body(c, rest, t);
      return;
    }
    body(c, data, t);
  }

  // Scans complete lines for the event ids; everything else is skipped. Lines split across
  // reads are completed from `carry`. (A chunked body, if a server sends one, only adds lines
  // of its own between events: ids are still found at the start of a line.)
  void body(conn& c, std::string_view data, std::int64_t t) {
    if (!c.carry.empty()) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        c.carry.append(data);
        return;
      }
      c.carry.append(data.substr(0, nl + 1));
      std::string line = std::move(c.carry);
      c.carry.clear();
      line_ids(c, line, t);
      data.remove_prefix(nl + 1);
    }
    auto last_nl = data.rfind('\n');
    if (last_nl == std::string_view::npos) {
      c.carry.assign(data);
      return;
    }
    line_ids(c, data.substr(0, last_nl + 1), t);
    if (last_nl + 1 < data.size()) c.carry.assign(data.substr(last_nl + 1));
  }

  static std::int64_t digits(std::string_view text, std::size_t p) {
    std::int64_t v = 0;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') v = v * 10 + (text[p++] - '0');
    return v;
  }

  // `text` holds whole lines only.
  void line_ids(conn& c, std::string_view text, std::int64_t t) {
    static constexpr std::string_view seq_key = "\"seq\":";
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      auto line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
      if (o_.id_from == id_source::id_line) {
        if (line.starts_with("id: ")) on_event(c, digits(line, 4), t);
      } else if (line.starts_with("data: ")) {
        if (auto k = line.find(seq_key); k != std::string_view::npos)
          on_event(c, digits(line, k + seq_key.size()), t);
      }
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
  }

  void on_event(conn& c, std::int64_t id, std::int64_t t) {
    ++c.events;
    ++events_total_;
    if (!measuring_) {
      pre_window_max_id_ = std::max(pre_window_max_id_, id);
      return;
    }
    // Only ids that nobody had received before the window count (a cycle straddling the
    // window start would otherwise be measured from a late receipt).
    if (id <= pre_window_max_id_) return;
    if (base_id_ < 0) base_id_ = id;
    if (id < base_id_) return;
    auto idx = std::size_t(id - base_id_);
    if (idx >= ids_.size()) {
      if (t >= window_end_) return;              // first seen after the window: not measured
      if (idx > (std::size_t{1} << 24)) return;  // not an id of this run (a stray number)
      ids_.resize(idx + 1);
    }
    auto& info = ids_[idx];
    if (info.first_ns == 0) {
      if (t >= window_end_) return;
      info.first_ns = t;
      auto half = std::int64_t(o_.interval_ms * 1e6 / 2);
      if (cycles_.empty() || t - cycles_.back() > half) cycles_.push_back(t);
      info.cycle = std::uint32_t(cycles_.size() - 1);
    }
    ++info.receipts;
    deliveries_.push_back({std::uint32_t(idx), std::uint32_t((t - info.first_ns) / 1000)});
  }

  // The publisher: one keep-alive connection, opened (blocking) before the warm-up.
  void open_publisher() {
    publish_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (publish_fd_ < 0) die("socket (publisher)");
    int one = 1;
    setsockopt(publish_fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(publish_fd_, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) < 0)
      die("connect (publisher)");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = publisher_tag;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, publish_fd_, &ev) < 0) die("epoll_ctl (publisher)");
    // Sequence numbers from the wall clock: a server's buffer may still hold an earlier run's.
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    publish_seq0_ = std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
    next_publish_ns_ = now_ns();
  }

  void publish_one() {
    const std::int64_t seq = publish_seq0_ + std::int64_t(publish_ns_.size());
    std::string body = "{\"seq\":" + std::to_string(seq) + ",\"pad\":\"";
    const auto target = std::size_t(std::max(o_.publish_bytes, 0));
    body.append(target > body.size() + 2 ? target - body.size() - 2 : 0, 'x');
    body += "\"}";
    std::string req =
        "POST " + o_.publish_path + " HTTP/1.1\r\nHost: " + o_.host + ":" +
        std::to_string(o_.port) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    const std::int64_t t = now_ns();
    // Blocking socket, a few hundred bytes into an empty buffer: one send, no wait.
    if (send(publish_fd_, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size()))
      die("send (publisher)");
    publish_ns_.push_back(t);
    next_publish_ns_ += std::int64_t(o_.interval_ms * 1e6);
  }

  // The publisher's answers are only counted (2xx or not) at the end.
  void on_publisher_readable() {
    ssize_t n = recv(publish_fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n > 0) {
      publish_answers_.append(buf_.data(), std::size_t(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      std::fprintf(stderr, "sse_fanout: the publisher's connection closed\n");
      epoll_ctl(ep_, EPOLL_CTL_DEL, publish_fd_, nullptr);
      ::close(publish_fd_);
      publish_fd_ = -1;
    }
  }

  // Polls once (up to timeout_ms, less when a publish is due) and handles what is ready.
  void poll_once(int timeout_ms) {
    static epoll_event evs[1024];
    if (publishing_) {
      auto due_ms = (next_publish_ns_ - now_ns() + 999'999) / 1'000'000;  // no spinning
      timeout_ms = int(std::clamp<std::int64_t>(due_ms, 0, timeout_ms));
    }
    int n = epoll_wait(ep_, evs, 1024, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return;
      die("epoll_wait");
    }
    const std::int64_t woke = now_ns();
    for (int k = 0; k < n; ++k) {
      if (evs[k].data.u64 == publisher_tag) {
        if (publish_fd_ >= 0) on_publisher_readable();
        continue;
      }
      auto i = std::size_t(evs[k].data.u64);
      auto& c = conns_[i];
      if (c.fd < 0) continue;
      std::int64_t t = now_ns();
      if (c.st == state::connecting) {
        on_writable(i);
      } else if (evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(i, t);
      }
    }
    if (measuring_ && n > 0) busy_.emplace_back(woke, now_ns());
    if (publish_fd_ >= 0 && publishing_ && now_ns() >= next_publish_ns_) publish_one();
  }

  bool connect_all() {
    std::size_t next = 0;
    std::int64_t deadline = now_ns() + std::int64_t(o_.connect_timeout_s * 1e9);
    while (now_ns() < deadline) {
      while (next < conns_.size() && pending_ < o_.max_pending) start_connect(next++);
      if (next == conns_.size() && pending_ == 0) return true;
      poll_once(50);
    }
    return false;
  }

  int idle_report(long rss_before) {
    std::int64_t until = now_ns() + std::int64_t(o_.settle_s * 1e9);
    while (now_ns() < until) poll_once(100);
    long rss_after = rss_sum(o_.server_pids);
    double per = streaming_ > 0 && rss_before >= 0 && rss_after >= 0
                     ? double(rss_after - rss_before) * 1024.0 / double(streaming_)
                     : NAN;
    std::printf("server VmRSS: %ld KiB before, %ld KiB with %d idle streams: %.0f bytes/stream\n",
                rss_before, rss_after, streaming_, per);
    std::printf(
        "RESULT rss_before_kib=%ld\nRESULT rss_after_kib=%ld\nRESULT bytes_per_stream=%.0f\n",
        rss_before, rss_after, per);
    std::printf("RESULT events_while_idle=%" PRIu64 "\n", events_total_);
    return 0;
  }

  // The share of [first, last receipt] of each cycle that this client spent handling reads,
  // over all cycles: how much the client itself may have delayed the receipts it stamped.
  double busy_in_bursts(const std::vector<std::int64_t>& last) const {
    double burst = 0, busy = 0;
    for (std::size_t c = 0; c < cycles_.size(); ++c) {
      const std::int64_t from = cycles_[c], to = last[c];
      if (to <= from) continue;
      burst += double(to - from);
      auto it = std::lower_bound(busy_.begin(), busy_.end(), from,
                                 [](const auto& b, std::int64_t v) { return b.second <= v; });
      for (; it != busy_.end() && it->first < to; ++it)
        busy += double(std::min(it->second, to) - std::max(it->first, from));
    }
    return burst > 0 ? 100 * busy / burst : NAN;
  }

  int measure() {
    if (!o_.publish_path.empty()) {
      open_publisher();
      publishing_ = true;
    }
    // A short warm-up so the first cycle after connecting (possibly a replayed backlog) is not
    // counted, then the window, then a grace period to collect late receipts of window ids.
    std::int64_t warm_until = now_ns() + 1'500'000'000;
    while (now_ns() < warm_until) poll_once(100);
    int open_at_start = streaming_;
    const auto& pids = o_.server_pids;
    long long srv_cpu0 = cpu_sum(pids);
    sched_times srv_s0 = sched_sum(pids);
    sched_times self_s0 = sched_sum(int(getpid()));
    double self_cpu0 = self_cpu_s();
    long long busy0 = machine_busy_ticks();
    const std::uint64_t events0 = events_total_;
    measuring_ = true;
    window_start_ = now_ns();
    window_end_ = window_start_ + std::int64_t(o_.duration_s * 1e9);
    deliveries_.reserve(std::size_t(o_.conns) * 64 * std::size_t(o_.duration_s + 1));
    std::int64_t stop = window_end_ + std::int64_t(o_.grace_s * 1e9);
    long rss_peak = -1;
    std::int64_t next_rss = window_start_;
    while (now_ns() < stop) {
      // No new event once the window is over: the grace period only collects late receipts.
      if (publishing_ && next_publish_ns_ >= window_end_) publishing_ = false;
      poll_once(50);
      if (!pids.empty() && now_ns() >= next_rss) {
        rss_peak = std::max(rss_peak, rss_sum(pids));
        next_rss += 1'000'000'000;
      }
    }
    double wall = double(now_ns() - window_start_) / 1e9;
    long long srv_cpu1 = cpu_sum(pids);
    sched_times srv_s1 = sched_sum(pids);
    sched_times self_s1 = sched_sum(int(getpid()));
    auto per_s = [&](double a, double b) { return a >= 0 && b >= 0 ? (b - a) / 1e6 / wall : NAN; };
    double srv_wait = per_s(srv_s0.wait_ns, srv_s1.wait_ns);
    double self_wait = per_s(self_s0.wait_ns, self_s1.wait_ns);
    double srv_run = per_s(srv_s0.run_ns, srv_s1.run_ns);
    double self_cpu = self_cpu_s() - self_cpu0;
    long long busy1 = machine_busy_ticks();
    // Every event read while the server's CPU was measured (the grace period's too).
    const std::uint64_t events_read = events_total_ - events0;
    double machine_cpu = double(busy1 - busy0) / double(sysconf(_SC_CLK_TCK));
    double srv_cpu = srv_cpu0 >= 0 && srv_cpu1 >= 0
                         ? double(srv_cpu1 - srv_cpu0) / double(sysconf(_SC_CLK_TCK))
                         : NAN;

    // Each id's publish time: the POST's when this client published, else the cadence fit
    // over the cycles' first receipts.
    const double iv = o_.interval_ms * 1e6;
    std::vector<std::int64_t> sched(cycles_.size());
    if (!cycles_.empty()) {
      std::int64_t f0 = cycles_.front();
      double offset = 1e300;
      std::vector<double> k(cycles_.size());
      for (std::size_t c = 0; c < cycles_.size(); ++c) {
        k[c] = std::round(double(cycles_[c] - f0) / iv);
        offset = std::min(offset, double(cycles_[c] - f0) - k[c] * iv);
      }
      for (std::size_t c = 0; c < cycles_.size(); ++c)
        sched[c] = f0 + std::int64_t(k[c] * iv + offset);
    }
    const bool exact = !o_.publish_path.empty();
    std::vector<std::int64_t> origin(ids_.size(), 0);
    std::vector<double> lag_ms;  // first receipt - publish, per id (exact) or per cycle
    for (std::size_t j = 0; j < ids_.size(); ++j) {
      const auto& info = ids_[j];
      if (!info.first_ns) continue;
      if (exact) {
        const std::int64_t n = base_id_ + std::int64_t(j) - publish_seq0_;
        origin[j] = n >= 0 && n < std::int64_t(publish_ns_.size()) ? publish_ns_[std::size_t(n)]
                                                                   : info.first_ns;
        lag_ms.push_back(double(info.first_ns - origin[j]) / 1e6);
      } else {
        origin[j] = sched[info.cycle];
      }
    }
    if (!exact)
      for (std::size_t c = 0; c < cycles_.size(); ++c)
        lag_ms.push_back(double(cycles_[c] - sched[c]) / 1e6);

    std::vector<double> skew_ms, lat_ms;
    skew_ms.reserve(deliveries_.size());
    lat_ms.reserve(deliveries_.size());
    std::vector<double> all_ms(cycles_.size(), 0.0);  // per cycle: until the last receiver had it
    std::vector<std::int64_t> cycle_last(cycles_.size(), 0);
    for (const auto& d : deliveries_) {
      const auto& info = ids_[d.id_index];
      const double skew = double(d.skew_us) / 1e3;
      const double lat = skew + double(info.first_ns - origin[d.id_index]) / 1e6;
      skew_ms.push_back(skew);
      lat_ms.push_back(lat);
      all_ms[info.cycle] = std::max(all_ms[info.cycle], lat);
      cycle_last[info.cycle] =
          std::max(cycle_last[info.cycle], info.first_ns + std::int64_t(d.skew_us) * 1000);
    }
    std::size_t ids = 0;
    std::uint64_t receipts = 0;
    for (const auto& info : ids_)
      if (info.first_ns) {
        ++ids;
        receipts += info.receipts;
      }
    double completeness =
        ids && open_at_start ? double(receipts) / (double(ids) * double(open_at_start)) : NAN;
    double per_stream_s =
        open_at_start ? double(deliveries_.size()) / double(open_at_start) / o_.duration_s : NAN;
    double client_busy = busy_in_bursts(cycle_last);

    double sk50 = percentile(skew_ms, 50), sk99 = percentile(skew_ms, 99),
           skmax = skew_ms.empty() ? NAN : *std::max_element(skew_ms.begin(), skew_ms.end());
    double l50 = percentile(lat_ms, 50), l99 = percentile(lat_ms, 99),
           lmax = lat_ms.empty() ? NAN : *std::max_element(lat_ms.begin(), lat_ms.end());
    double g50 = percentile(lag_ms, 50), g99 = percentile(lag_ms, 99);
    double a50 = percentile(all_ms, 50),
           amax = all_ms.empty() ? NAN : *std::max_element(all_ms.begin(), all_ms.end());

    std::printf(
        "window %.1f s (+%.1f s grace): %zu event ids in %zu cycles, %zu receipts "
        "(%.2f events/stream/s), completeness %.4f, dropped streams %d\n",
        o_.duration_s, o_.grace_s, ids, cycles_.size(), deliveries_.size(), per_stream_s,
        completeness, dropped_);
    if (exact) {
      // Answers to the publisher: each starts with a status line.
      std::size_t answers = 0, ok = 0;
      for (std::size_t p = 0; (p = publish_answers_.find("HTTP/1.", p)) != std::string::npos;
           p += 7) {
        ++answers;
        if (publish_answers_.compare(p + 9, 1, "2") == 0) ++ok;
      }
      std::printf("published %zu messages of %d bytes to %s: %zu answers, %zu of them 2xx\n",
                  publish_ns_.size(), o_.publish_bytes, o_.publish_path.c_str(), answers, ok);
      std::printf("RESULT published=%zu\nRESULT publish_ok=%zu\n", publish_ns_.size(), ok);
    }
    std::printf(
        "fan-out spread (receipt - first receipt of the id): p50 %.2f ms  p99 %.2f ms  max %.2f "
        "ms\n",
        sk50, sk99, skmax);
    std::printf("latency from the %s:%s p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                exact ? "POST's send" : "cadence-estimated publish", exact ? "          " : "", l50,
                l99, lmax);
    std::printf("first receipt after publish (per %s):          p50 %.2f ms  p99 %.2f ms\n",
                exact ? "id   " : "cycle", g50, g99);
    std::printf("cycle delivered to all streams (per cycle):         p50 %.2f ms  max %.2f ms\n",
                a50, amax);
    std::printf(
        "cpu during window: server %.2f s (%.0f%%), this client %.2f s (%.0f%%); server VmRSS peak "
        "%ld KiB\n",
        srv_cpu, 100 * srv_cpu / wall, self_cpu, 100 * self_cpu / wall, rss_peak);
    const double us_per_event = events_read ? srv_cpu * 1e6 / double(events_read) : NAN;
    std::printf("server CPU per event delivered: %.2f us (%" PRIu64
                " events read meanwhile): one core would feed %.0f streams at 1 event/s\n",
                us_per_event, events_read, 1e6 / us_per_event);
    std::printf("RESULT server_us_per_event=%.2f\n", us_per_event);
    std::printf(
        "this client was busy reading %.0f%% of the time between an event's first and last "
        "receipt\n",
        client_busy);
    double others = machine_cpu - (std::isnan(srv_cpu) ? 0 : srv_cpu) - self_cpu;
    std::printf("other processes on this machine used %.2f CPUs meanwhile (of %ld)\n",
                others / wall, sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("RESULT other_cpus=%.2f\n", others / wall);
    std::printf(
        "run-queue wait (runnable, no CPU free): server threads %.1f ms/s (they ran %.1f ms/s), "
        "this client %.1f ms/s\n",
        srv_wait, srv_run, self_wait);
    std::printf(
        "RESULT server_runq_wait_ms_per_s=%.1f\nRESULT server_run_ms_per_s=%.1f\n"
        "RESULT client_runq_wait_ms_per_s=%.1f\n",
        srv_wait, srv_run, self_wait);
    std::printf(
        "RESULT ids=%zu\nRESULT cycles=%zu\nRESULT receipts=%zu\nRESULT completeness=%.4f\n"
        "RESULT dropped=%d\nRESULT events_per_stream_s=%.2f\n",
        ids, cycles_.size(), deliveries_.size(), completeness, dropped_, per_stream_s);
    std::printf("RESULT skew_p50_ms=%.2f\nRESULT skew_p99_ms=%.2f\nRESULT skew_max_ms=%.2f\n", sk50,
                sk99, skmax);
    std::printf("RESULT lat_p50_ms=%.2f\nRESULT lat_p99_ms=%.2f\nRESULT lat_max_ms=%.2f\n", l50,
                l99, lmax);
    std::printf("RESULT lag_p50_ms=%.2f\nRESULT lag_p99_ms=%.2f\n", g50, g99);
    std::printf("RESULT all_p50_ms=%.2f\nRESULT all_max_ms=%.2f\n", a50, amax);
    std::printf(
        "RESULT server_cpu_pct=%.0f\nRESULT client_cpu_pct=%.0f\nRESULT server_rss_peak_kib=%ld\n",
        100 * srv_cpu / wall, 100 * self_cpu / wall, rss_peak);
    std::printf("RESULT client_busy_in_fanout_pct=%.0f\n", client_busy);
    return 0;
  }

  options o_;
  int ep_ = -1;
  sockaddr_in addr_{};
  std::string request_;
  std::vector<conn> conns_;
  std::vector<char> buf_;
  int pending_ = 0, streaming_ = 0, failed_ = 0, non200_ = 0, dropped_ = 0;
  std::uint64_t events_total_ = 0;
  bool measuring_ = false;
  std::int64_t window_start_ = 0, window_end_ = 0;
  std::int64_t base_id_ = -1;
  std::int64_t pre_window_max_id_ = -1;
  std::vector<id_info> ids_;
  std::vector<std::int64_t> cycles_;  // first receipt of each cycle
  std::vector<delivery> deliveries_;
  std::vector<std::pair<std::int64_t, std::int64_t>> busy_;  // [woke, done] of each busy poll
  // The publisher (--publish).
  int publish_fd_ = -1;
  bool publishing_ = false;
  std::int64_t publish_seq0_ = 0;
  std::int64_t next_publish_ns_ = 0;
  std::vector<std::int64_t> publish_ns_;  // send time of seq publish_seq0_ + i
  std::string publish_answers_;
};

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return client(std::move(o)).run();
}
