// The floor of SSE fan-out on this machine, for scripts/bench's sse section (not a server to use).
//
// The least any server must do to hand one event to N streams: one send() per stream of bytes
// formatted once, from one thread, with nothing else around it (no queue, no allocation, no
// timer, no coroutine, no HTTP beyond a fixed header). Whatever marketsim or nginx + nchan take
// beyond this floor is their own; the floor itself is the kernel's loopback TCP path, which on
// one machine is charged to the server's CPU for both the sending and the receiving socket.
//
// One thread, one level-triggered epoll loop. GET (any path): answered with a text/event-stream
// header, then the connection is a stream. POST (any path, keep-alive, Content-Length body):
// the body goes to every stream as "id: N\ndata: BODY\n\n", in the order the streams opened,
// then the POST is answered 202. A stream whose socket buffer is full is dropped and counted
// (at one small event a second it never is); nothing is queued.
//
// Usage: sse_floor --port P (127.0.0.1). Prints "listening" once ready; SIGTERM ends it.
// Build: g++ -O2 -std=c++23 -o sse_floor sse_floor.cpp
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

volatile std::sig_atomic_t stopping = 0;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sse_floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

enum class kind : std::uint8_t { request, stream };

struct conn {
  int fd = -1;
  kind k = kind::request;
  std::string in;  // the request (and a POST's body) read so far
};

class floor_server {
 public:
  explicit floor_server(int port) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) die("socket");
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
    if (listen(listen_fd_, 4096) < 0) die("listen");
    add(listen_fd_, ~std::uint64_t{0});
  }

  void run() {
    std::printf("listening\n");
    std::fflush(stdout);
    std::vector<epoll_event> evs(1024);
    while (!stopping) {
      int n = epoll_wait(ep_, evs.data(), int(evs.size()), 500);
      if (n < 0) {
        if (errno == EINTR) continue;
        die("epoll_wait");
      }
      for (int k = 0; k < n; ++k) {
        if (evs[k].data.u64 == ~std::uint64_t{0})
          accept_all();
        else
          readable(std::size_t(evs[k].data.u64));
      }
    }
    std::printf("published %llu events, %llu sends, %llu streams dropped on a full buffer\n",
                published_, sends_, dropped_);
  }

 private:
  void add(int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = tag;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }

  void accept_all() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        if (errno == EMFILE || errno == ENFILE) return;  // the client retries nothing: visible
        die("accept4");
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::size_t slot;
      if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
      } else {
        slot = conns_.size();
        conns_.emplace_back();
      }
      conns_[slot] = conn{fd, kind::request, {}};
      add(fd, slot);
    }
  }

  void close_conn(std::size_t i) {
    auto& c = conns_[i];
    if (c.fd < 0) return;
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (c.k == kind::stream) std::erase(streams_, i);
    c = conn{};
    free_.push_back(i);
  }

  void readable(std::size_t i) {
    char buf[16384];
    for (;;) {
      auto& c = conns_[i];
      if (c.fd < 0) return;
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(i);
        return;
      }
      if (n < 0) return;
      if (c.k == kind::stream) continue;  // a stream's client says nothing more
      c.in.append(buf, std::size_t(n));
      while (request(i)) {
      }
      if (std::size_t(n) < sizeof buf) return;
    }
  }

  // Handles one complete request at the start of conns_[i].in; false when there is none yet.
  bool request(std::size_t i) {
    auto& c = conns_[i];
    auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string_view head(c.in.data(), end);
    if (!head.starts_with("POST ")) {
      static constexpr std::string_view answer =
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\r\n";
      if (send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL) != ssize_t(answer.size())) {
        close_conn(i);
        return false;
      }
      c.k = kind::stream;
      c.in.clear();
      c.in.shrink_to_fit();
      streams_.push_back(i);
      return false;
    }
    std::size_t length = 0;
    if (auto p = head.find("Content-Length: "); p != std::string_view::npos)
      length = std::strtoul(head.data() + p + 16, nullptr, 10);
    if (c.in.size() < end + 4 + length) return false;
    publish(std::string_view(c.in).substr(end + 4, length));
    static constexpr std::string_view accepted =
        "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
    (void)send(c.fd, accepted.data(), accepted.size(), MSG_NOSIGNAL);
    c.in.erase(0, end + 4 + length);
    return true;
  }

  void publish(std::string_view body) {
    frame_ = "id: " + std::to_string(++published_) + "\ndata: ";
    frame_ += body;
    frame_ += "\n\n";
    std::vector<std::size_t> full;
    for (std::size_t i : streams_) {
      ++sends_;
      if (send(conns_[i].fd, frame_.data(), frame_.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
          ssize_t(frame_.size()))
        full.push_back(i);
    }
    for (std::size_t i : full) {
      ++dropped_;
      close_conn(i);
    }
  }

  int ep_ = -1;
  int listen_fd_ = -1;
  std::vector<conn> conns_;
  std::vector<std::size_t> free_;
  std::vector<std::size_t> streams_;  // in the order they opened
  std::string frame_;
  unsigned long long published_ = 0, sends_ = 0, dropped_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string_view(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
  if (port <= 0) {
    std::fprintf(stderr, "usage: %s --port P\n", argv[0]);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = [](int) { stopping = 1; };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  floor_server(port).run();
  return 0;
}
