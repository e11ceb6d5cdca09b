// Durable-orders load client in C++ for marketsim benchmarks (not part of the pass/fail suite).
//
// The `run` half of tests/bench/orders.mjs, as a light native client: the reference it is
// compared with (pgbench) is a C program, and on two CPUs a Node client spends about half a
// millisecond of CPU per order on the critical path and a quarter of the machine at 32 clients.
// Setup (players, keys, positions) stays in orders.mjs, which writes the keys file read here.
//
// One thread, one epoll loop, --clients plain-TCP keep-alive connections, each a closed loop:
// client k trades as player k of the keys file with its API key (APCA-API-KEY-ID /
// APCA-API-SECRET-KEY), POSTing /v2/orders market orders of one share of --symbol (with
// --across: the symbol the keys file gives player k), day, alternating buy and sell, each with a
// fresh client_order_id (`<tag>-<k>-<i>`), and sends the next order when the answer to the last
// one has arrived. After --warmup seconds it measures for --seconds: 2xx answers per second and
// their latency (send to the answer's last byte, CLOCK_MONOTONIC), and the non-2xx answers and
// transport errors apart. The output lines are those of `orders.mjs run`, RESULT lines included,
// so scripts/bench reads either.
//
// Usage: order_load --port PORT --keys FILE --clients C [--seconds 10] [--warmup 2]
//          [--symbol AAPL] [--across] [--tag T]
// Build: g++ -O2 -std=c++23 -o order_load order_load.cpp (nlohmann/json from Debian)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct options {
  int port = 0;
  std::string keys;
  int clients = 1;
  double seconds = 10;
  double warmup = 2;
  std::string symbol = "AAPL";
  bool across = false;
  std::string tag;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "order_load: %s\n", why.c_str());
  std::exit(2);
}

double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + std::string(a));
      return argv[++i];
    };
    if (a == "--port")
      o.port = std::atoi(value().c_str());
    else if (a == "--keys")
      o.keys = value();
    else if (a == "--clients")
      o.clients = std::atoi(value().c_str());
    else if (a == "--seconds")
      o.seconds = std::atof(value().c_str());
    else if (a == "--warmup")
      o.warmup = std::atof(value().c_str());
    else if (a == "--symbol")
      o.symbol = value();
    else if (a == "--across")
      o.across = true;
    else if (a == "--tag")
      o.tag = value();
    else
      die("unknown option " + std::string(a));
  }
  if (o.port <= 0 || o.keys.empty() || o.clients < 1)
    die("needs --port, --keys and --clients >= 1");
  return o;
}

// One closed-loop client: its connection, the request it has in flight and the answer so far.
struct client {
  int fd = -1;
  std::string key_id, secret, symbol;
  std::uint64_t next = 0;  // orders sent
  std::string out;         // the request, and how much of it is written
  std::size_t written = 0;
  std::string in;  // the answer read so far
  double sent_at = 0;
};

int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS)
    die(std::string("connect: ") + std::strerror(errno));
  return fd;
}

// The answer's status and total length once it is complete in `in`, or 0 while it is not.
// Answers carry Content-Length (the server never chunks a JSON answer).
std::size_t complete_answer(const std::string& in, int& status) {
  const auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return 0;
  if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0)
    die("not an HTTP answer: " + in.substr(0, 64));
  status = std::atoi(in.c_str() + 9);
  std::size_t length = 0;
  for (std::size_t at = in.find("\r\n"); at < head_end;) {
    const auto line_end = in.find("\r\n", at + 2);
    const std::string_view line(in.data() + at + 2, line_end - at - 2);
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      auto v = line.substr(15);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      std::from_chars(v.data(), v.data() + v.size(), length);
    } else if (line.size() > 18 && strncasecmp(line.data(), "transfer-encoding:", 18) == 0) {
      die("chunked answers are not read by this client");
    }
    at = line_end;
  }
  const std::size_t total = head_end + 4 + length;
  return in.size() >= total ? total : 0;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return NAN;
  const auto at =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(at, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const options opt = parse(argc, argv);
  nlohmann::json keys;
  {
    std::ifstream f(opt.keys);
    if (!f) die("cannot read " + opt.keys);
    keys = nlohmann::json::parse(f);
  }
  const auto& players = keys.at("players");
  if (static_cast<std::size_t>(opt.clients) > players.size())
    die(std::to_string(opt.clients) + " clients but only " + std::to_string(players.size()) +
        " players");
  const std::string host = "127.0.0.1:" + std::to_string(opt.port);  // as the server is reached
  const std::string tag = opt.tag.empty() ? "c" + std::to_string(opt.clients) : opt.tag;

  std::vector<client> clients(static_cast<std::size_t>(opt.clients));
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t k = 0; k < clients.size(); ++k) {
    auto& c = clients[k];
    const auto& p = players[k];
    c.key_id = p.at("key_id").get<std::string>();
    c.secret = p.at("secret").get<std::string>();
    if (opt.across && !p.contains("symbol"))
      die("--across needs keys from `orders.mjs setup --across`");
    c.symbol = opt.across ? p.at("symbol").get<std::string>() : opt.symbol;
    c.fd = connect_loopback(opt.port);
    epoll_event ev{};
    // Edge-triggered: a writable socket would otherwise wake the loop all the time.
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.u64 = k;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  const double start = now_ms();
  const double measure_from = start + opt.warmup * 1000;
  const double end = measure_from + opt.seconds * 1000;
  std::vector<double> latencies;
  std::map<int, std::uint64_t> statuses;             // non-2xx status → count (measured window)
  std::map<std::string, std::uint64_t> error_codes;  // house error code → count
  std::uint64_t transport_errors = 0, answered_all = 0;
  std::string first_error;
  std::size_t running = clients.size();

  auto write_some = [&](client& c) {
    while (c.written < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;
      } else {
        return false;
      }
    }
    return true;
  };
  auto stop = [&](std::size_t k, const std::string& why) {
    auto& c = clients[k];
    const double at = now_ms();
    if (!why.empty()) {
      if (at >= measure_from && at <= end) ++transport_errors;
      if (first_error.empty()) first_error = why;
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    --running;
  };
  // Builds and starts client k's next order; false once the run is over.
  auto send_next = [&](std::size_t k) {
    auto& c = clients[k];
    if (now_ms() >= end) return false;
    const bool buy = c.next % 2 == 0;
    const std::string body = R"({"symbol":")" + c.symbol + R"(","qty":"1","side":")" +
                             (buy ? "buy" : "sell") +
                             R"(","type":"market","time_in_force":"day","client_order_id":")" +
                             tag + "-" + std::to_string(k) + "-" + std::to_string(c.next) + R"("})";
    ++c.next;
    c.out = "POST /v2/orders HTTP/1.1\r\nHost: " + host + "\r\nAPCA-API-KEY-ID: " + c.key_id +
            "\r\nAPCA-API-SECRET-KEY: " + c.secret +
            "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
    c.written = 0;
    c.in.clear();
    c.sent_at = now_ms();
    return true;
  };
  for (std::size_t k = 0; k < clients.size(); ++k) send_next(k);

  std::vector<epoll_event> events(clients.size());
  char buf[16384];
  while (running > 0) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (n < 0 && errno != EINTR) die(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(events[i].data.u64);
      auto& c = clients[k];
      if (c.fd < 0) continue;
      if ((events[i].events & EPOLLOUT) && c.written < c.out.size() && !write_some(c)) {
        stop(k, std::string("send: ") + std::strerror(errno));
        continue;
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      bool closed = false;
      for (;;) {
        const ssize_t r = recv(c.fd, buf, sizeof buf, 0);
        if (r > 0) {
          c.in.append(buf, static_cast<std::size_t>(r));
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
        break;
      }
      int status = 0;
      const std::size_t total = complete_answer(c.in, status);
      if (total == 0) {
        if (closed) stop(k, "the server closed the connection mid-answer");
        continue;
      }
      ++answered_all;
      // Counted when the answer arrives inside the window: answers per second.
      const double at = now_ms();
      if (at >= measure_from && at <= end) {
        if (status >= 200 && status < 300) {
          latencies.push_back(at - c.sent_at);
        } else {
          ++statuses[status];
          const std::string body = c.in.substr(c.in.find("\r\n\r\n") + 4);
          std::string code = "?";
          try {
            code = nlohmann::json::parse(body).value("code", "?");
          } catch (const std::exception&) {
            // not JSON
          }
          ++error_codes[code];
          if (first_error.empty()) first_error = std::to_string(status) + " " + body.substr(0, 200);
        }
      }
      if (closed || !send_next(k)) {
        stop(k, closed ? "the server closed the connection" : "");
      } else if (!write_some(c)) {
        stop(k, std::string("send: ") + std::strerror(errno));
      }
    }
  }

  std::sort(latencies.begin(), latencies.end());
  std::uint64_t non2xx = 0;
  for (const auto& [s, count] : statuses) non2xx += count;
  const double rate = static_cast<double>(latencies.size()) / opt.seconds;
  const double p50 = percentile(latencies, 50), p99 = percentile(latencies, 99);
  double sum = 0;
  for (double l : latencies) sum += l;
  const double mean = latencies.empty() ? NAN : sum / static_cast<double>(latencies.size());
  auto fmt = [](double v) {
    if (!std::isfinite(v)) return std::string("nan");
    char s[32];
    std::snprintf(s, sizeof s, "%.2f", v);
    return std::string(s);
  };
  std::string over;
  if (opt.across) {
    std::set<std::string> symbols;
    for (const auto& c : clients) symbols.insert(c.symbol);
    std::string all;
    for (const auto& s : keys.at("symbols")) all += (all.empty() ? "" : " ") + s.get<std::string>();
    over = " over " + std::to_string(symbols.size()) + " symbols (" + all + ")";
  } else {
    over = " on " + opt.symbol;
  }
  std::string detail;
  if (non2xx > 0) {
    detail = " (";
    for (const auto& [s, count] : statuses)
      detail += std::to_string(s) + ": " + std::to_string(count) + ", ";
    detail += "codes";
    for (const auto& [code, count] : error_codes)
      detail += " " + code + ": " + std::to_string(count);
    detail += ")";
  }
  std::printf(
      "%d clients%s, %g s after %g s warm-up: %zu orders (2xx) = %.0f/s, latency p50 %s ms, p99 %s "
      "ms, mean %s ms; non-2xx %llu%s, transport errors %llu\n",
      opt.clients, over.c_str(), opt.seconds, opt.warmup, latencies.size(), rate, fmt(p50).c_str(),
      fmt(p99).c_str(), fmt(mean).c_str(), static_cast<unsigned long long>(non2xx), detail.c_str(),
      static_cast<unsigned long long>(transport_errors));
  if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
  std::printf("RESULT clients=%d\n", opt.clients);
  std::printf("RESULT orders=%zu\n", latencies.size());
  std::printf("RESULT orders_per_s=%.1f\n", rate);
  std::printf("RESULT p50_ms=%s\n", fmt(p50).c_str());
  std::printf("RESULT p99_ms=%s\n", fmt(p99).c_str());
  std::printf("RESULT mean_ms=%s\n", fmt(mean).c_str());
  std::printf("RESULT non2xx=%llu\n", static_cast<unsigned long long>(non2xx));
  std::printf("RESULT transport_errors=%llu\n", static_cast<unsigned long long>(transport_errors));
  std::printf("RESULT answered_all=%llu\n", static_cast<unsigned long long>(answered_all));
  return 0;
}
