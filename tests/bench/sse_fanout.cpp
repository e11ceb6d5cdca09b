// SSE fan-out load client for marketsim benchmarks (not part of the pass/fail suite).
//
// One thread, one epoll loop, N plain-TCP connections to GET /api/stream on a loopback port.
// Two modes:
//
//   latency (default): opens N streams, waits until every one has its 200 header, then measures
//     for --duration seconds. Every read is stamped with CLOCK_MONOTONIC (the clock the server's
//     steady_timer uses). For each event id it keeps the first receipt across all clients;
//     every receipt then yields
//       skew    = receipt - first receipt of that id               (fan-out spread), and
//       latency = receipt - estimated publish time of its tick cycle (see below).
//     The server publishes all ticks of one feed step at once, on a fixed cadence
//     (next += interval). The client groups ids into cycles by their first receipt and fits the
//     cadence: sched_c = F_0 + k_c*interval + offset, where offset is the smallest observed
//     (F_c - F_0 - k_c*interval). So "latency" is measured from the best cycle's first receipt,
//     i.e. it excludes the constant publish->first-byte time of an unloaded cycle (tens of
//     microseconds on loopback) but includes every delay the load adds (late timer wakeups,
//     slow publish, fan-out).
//
//   idle (--idle): reads the server's VmRSS from /proc/<pid>/status, opens N streams, waits for
//     all headers, settles, reads VmRSS again and reports (after - before) / N.
//
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
#include <vector>

namespace {

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
  int server_pid = 0;
  bool idle = false;
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --port P [--host 127.0.0.1] [--path /api/stream] [--conns N]\n"
               "          [--duration S] [--grace S] [--interval-ms MS] [--server-pid PID]\n"
               "          [--connect-timeout S] [--settle S] [--max-pending N] [--idle]\n",
               argv0);
  std::exit(2);
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
      o.server_pid = std::atoi(next());
    else if (a == "--connect-timeout")
      o.connect_timeout_s = std::atof(next());
    else if (a == "--settle")
      o.settle_s = std::atof(next());
    else if (a == "--max-pending")
      o.max_pending = std::atoi(next());
    else if (a == "--idle")
      o.idle = true;
    else
      usage(argv[0]);
  }
  if (o.port <= 0 || o.conns <= 0) usage(argv[0]);
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
    long rss_before = o_.server_pid ? vm_rss_kib(o_.server_pid) : -1;
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

  // Scans complete lines for "id: N"; everything else is skipped. Lines split across reads are
  // completed from `carry`.
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

  // `text` holds whole lines only.
  void line_ids(conn& c, std::string_view text, std::int64_t t) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      if (text.compare(pos, 4, "id: ") == 0) {
        std::int64_t id = 0;
        std::size_t p = pos + 4;
        while (p < text.size() && text[p] >= '0' && text[p] <= '9')
          id = id * 10 + (text[p++] - '0');
        on_event(c, id, t);
      }
      auto nl = text.find('\n', pos);
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
      if (t >= window_end_) return;  // first seen after the window: not measured
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

  // Polls once (up to timeout_ms) and handles what is ready.
  void poll_once(int timeout_ms) {
    static epoll_event evs[1024];
    int n = epoll_wait(ep_, evs, 1024, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return;
      die("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
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
    long rss_after = o_.server_pid ? vm_rss_kib(o_.server_pid) : -1;
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

  int measure() {
    // A short warm-up so the first cycle after connecting (possibly a replayed backlog) is not
    // counted, then the window, then a grace period to collect late receipts of window ids.
    std::int64_t warm_until = now_ns() + 1'500'000'000;
    while (now_ns() < warm_until) poll_once(100);
    int open_at_start = streaming_;
    long long srv_cpu0 = o_.server_pid ? cpu_ticks(o_.server_pid) : -1;
    sched_times srv_s0 = o_.server_pid ? sched_sum(o_.server_pid) : sched_times{};
    sched_times self_s0 = sched_sum(int(getpid()));
    double self_cpu0 = self_cpu_s();
    long long busy0 = machine_busy_ticks();
    measuring_ = true;
    window_start_ = now_ns();
    window_end_ = window_start_ + std::int64_t(o_.duration_s * 1e9);
    deliveries_.reserve(std::size_t(o_.conns) * 64 * std::size_t(o_.duration_s + 1));
    std::int64_t stop = window_end_ + std::int64_t(o_.grace_s * 1e9);
    long rss_peak = -1;
    std::int64_t next_rss = window_start_;
    while (now_ns() < stop) {
      poll_once(50);
      if (o_.server_pid && now_ns() >= next_rss) {
        rss_peak = std::max(rss_peak, vm_rss_kib(o_.server_pid));
        next_rss += 1'000'000'000;
      }
    }
    double wall = double(now_ns() - window_start_) / 1e9;
    long long srv_cpu1 = o_.server_pid ? cpu_ticks(o_.server_pid) : -1;
    sched_times srv_s1 = o_.server_pid ? sched_sum(o_.server_pid) : sched_times{};
    sched_times self_s1 = sched_sum(int(getpid()));
    auto per_s = [&](double a, double b) { return a >= 0 && b >= 0 ? (b - a) / 1e6 / wall : NAN; };
    double srv_wait = per_s(srv_s0.wait_ns, srv_s1.wait_ns);
    double self_wait = per_s(self_s0.wait_ns, self_s1.wait_ns);
    double srv_run = per_s(srv_s0.run_ns, srv_s1.run_ns);
    double self_cpu = self_cpu_s() - self_cpu0;
    long long busy1 = machine_busy_ticks();
    double machine_cpu = double(busy1 - busy0) / double(sysconf(_SC_CLK_TCK));
    double srv_cpu = srv_cpu0 >= 0 && srv_cpu1 >= 0
                         ? double(srv_cpu1 - srv_cpu0) / double(sysconf(_SC_CLK_TCK))
                         : NAN;

    // Cadence fit over the cycles' first receipts.
    const double iv = o_.interval_ms * 1e6;
    std::vector<std::int64_t> sched(cycles_.size());
    std::vector<double> lag_ms;
    if (!cycles_.empty()) {
      std::int64_t f0 = cycles_.front();
      double offset = 1e300;
      std::vector<double> k(cycles_.size());
      for (std::size_t c = 0; c < cycles_.size(); ++c) {
        k[c] = std::round(double(cycles_[c] - f0) / iv);
        offset = std::min(offset, double(cycles_[c] - f0) - k[c] * iv);
      }
      for (std::size_t c = 0; c < cycles_.size(); ++c) {
        sched[c] = f0 + std::int64_t(k[c] * iv + offset);
        lag_ms.push_back(double(cycles_[c] - sched[c]) / 1e6);
      }
    }

    std::vector<double> skew_ms, lat_ms;
    skew_ms.reserve(deliveries_.size());
    lat_ms.reserve(deliveries_.size());
    for (const auto& d : deliveries_) {
      const auto& info = ids_[d.id_index];
      skew_ms.push_back(double(d.skew_us) / 1e3);
      lat_ms.push_back(double(d.skew_us) / 1e3 + double(info.first_ns - sched[info.cycle]) / 1e6);
    }
    // Per cycle: time until the last receiver had the whole cycle.
    std::vector<double> all_ms(cycles_.size(), 0.0);
    for (std::size_t j = 0; j < deliveries_.size(); ++j) {
      const auto& info = ids_[deliveries_[j].id_index];
      all_ms[info.cycle] = std::max(all_ms[info.cycle], lat_ms[j]);
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

    double sk50 = percentile(skew_ms, 50), sk99 = percentile(skew_ms, 99),
           skmax = skew_ms.empty() ? NAN : *std::max_element(skew_ms.begin(), skew_ms.end());
    double l50 = percentile(lat_ms, 50), l99 = percentile(lat_ms, 99),
           lmax = lat_ms.empty() ? NAN : *std::max_element(lat_ms.begin(), lat_ms.end());
    double g50 = percentile(lag_ms, 50), g99 = percentile(lag_ms, 99);
    double a50 = percentile(all_ms, 50),
           amax = all_ms.empty() ? NAN : *std::max_element(all_ms.begin(), all_ms.end());

    std::printf(
        "window %.1f s (+%.1f s grace): %zu tick ids in %zu cycles, %zu receipts, "
        "completeness %.4f, dropped streams %d\n",
        o_.duration_s, o_.grace_s, ids, cycles_.size(), deliveries_.size(), completeness, dropped_);
    std::printf(
        "fan-out skew (receipt - first receipt of the id):   p50 %.2f ms  p99 %.2f ms  max %.2f "
        "ms\n",
        sk50, sk99, skmax);
    std::printf(
        "latency from cadence-estimated publish:             p50 %.2f ms  p99 %.2f ms  max %.2f "
        "ms\n",
        l50, l99, lmax);
    std::printf("first receipt lateness vs cadence (per cycle):      p50 %.2f ms  p99 %.2f ms\n",
                g50, g99);
    std::printf("cycle delivered to all streams (per cycle):         p50 %.2f ms  max %.2f ms\n",
                a50, amax);
    std::printf(
        "cpu during window: server %.2f s (%.0f%%), this client %.2f s (%.0f%%); server VmRSS peak "
        "%ld KiB\n",
        srv_cpu, 100 * srv_cpu / wall, self_cpu, 100 * self_cpu / wall, rss_peak);
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
        "RESULT dropped=%d\n",
        ids, cycles_.size(), deliveries_.size(), completeness, dropped_);
    std::printf("RESULT skew_p50_ms=%.2f\nRESULT skew_p99_ms=%.2f\nRESULT skew_max_ms=%.2f\n", sk50,
                sk99, skmax);
    std::printf("RESULT lat_p50_ms=%.2f\nRESULT lat_p99_ms=%.2f\nRESULT lat_max_ms=%.2f\n", l50,
                l99, lmax);
    std::printf("RESULT lag_p50_ms=%.2f\nRESULT lag_p99_ms=%.2f\n", g50, g99);
    std::printf("RESULT all_p50_ms=%.2f\nRESULT all_max_ms=%.2f\n", a50, amax);
    std::printf(
        "RESULT server_cpu_pct=%.0f\nRESULT client_cpu_pct=%.0f\nRESULT server_rss_peak_kib=%ld\n",
        100 * srv_cpu / wall, 100 * self_cpu / wall, rss_peak);
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
};

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return client(std::move(o)).run();
}
