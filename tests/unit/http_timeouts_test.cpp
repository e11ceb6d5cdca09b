// A connection's timeouts over real loopback sockets (the request loop's one deadline per
// connection, src/http/deadline_watch.hpp): a client that starts a request and stalls is cut
// off at the read timeout, not before, and gets no answer; a connection that never asks is
// closed at the idle timeout; and a busy connection whose requests together take far longer
// than either timeout is never cut off, because each request moves the deadline on. With a
// crowd (HttpCrowd): hundreds of clients stalled at once are each cut off on time while another
// client is served, and one client's long pipeline cannot hold the only io thread for itself
// (server::serve yields every 16 requests it serves from its buffer).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "marketsim/http/server.hpp"

using namespace marketsim;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct timed_server {
  asio::io_context ioc;
  http::router routes;
  std::unique_ptr<http::server> server;
  std::uint16_t port = 0;
  std::thread runner;

  // more_routes adds a test's own routes beside /fast before the server starts.
  timed_server(std::chrono::milliseconds read_timeout, std::chrono::milliseconds idle_timeout,
               const std::function<void(http::router&)>& more_routes = {}) {
    routes.add("GET", "/fast", [](http::request_context&) -> asio::awaitable<http::response> {
      co_return http::json_response(200, nlohmann::json{{"ok", true}});
    });
    if (more_routes) more_routes(routes);
    http::server_settings s;
    s.port = 0;
    s.read_timeout = read_timeout;
    s.idle_timeout = idle_timeout;
    s.io_threads = 1;
    server = std::make_unique<http::server>(ioc, s, routes, http::static_site{});
    port = server->listen().value();
    server->start();
    runner = std::thread([this] { ioc.run(); });
  }
  ~timed_server() {
    ioc.stop();
    runner.join();
  }

  // A blocking client socket whose reads give up after 5 s, so a server that never closes
  // fails the test instead of hanging it.
  tcp::socket connect(asio::io_context& client) const {
    tcp::socket socket(client);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return socket;
  }
};

// Reads until the server closes (true) or the 5 s guard passes (false); what came is in got.
bool read_until_closed(tcp::socket& socket, std::string& got) {
  char buf[4096];
  for (;;) {
    boost::system::error_code ec;
    auto n = socket.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    if (ec) return false;  // the guard (EAGAIN) or another failure: the server kept it open
  }
}

// One request and its whole answer (Content-Length) on a kept-alive connection.
std::string ask(tcp::socket& socket) {
  std::string req = "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  std::string got;
  char buf[4096];
  for (;;) {
    boost::system::error_code ec;
    auto n = socket.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) return got;
    auto head_end = got.find("\r\n\r\n");
    auto cl = got.find("Content-Length: ");
    if (head_end == std::string::npos || cl == std::string::npos) continue;
    if (got.size() >= head_end + 4 + std::stoul(got.substr(cl + 16))) return got;
  }
}

// Keeps a crowd's access log lines (thousands) out of the test's output.
struct quiet_access_log {
  spdlog::level::level_enum was = spdlog::get_level();
  quiet_access_log() { spdlog::set_level(spdlog::level::warn); }
  ~quiet_access_log() { spdlog::set_level(was); }
  quiet_access_log(const quiet_access_log&) = delete;
  quiet_access_log& operator=(const quiet_access_log&) = delete;
};

// The next `count` whole answers (head and Content-Length body) on a kept-alive connection;
// fewer when the connection ends or the 5 s guard passes first.
std::vector<std::string> read_answers(tcp::socket& socket, std::size_t count) {
  std::vector<std::string> answers;
  std::string got;
  std::size_t at = 0;  // where the next answer starts in got
  char buf[16384];
  while (answers.size() < count) {
    auto head_end = got.find("\r\n\r\n", at);
    auto cl = got.find("Content-Length: ", at);
    if (head_end != std::string::npos && cl < head_end) {
      auto end = head_end + 4 + std::stoul(got.substr(cl + 16, 12));
      if (got.size() >= end) {
        answers.push_back(got.substr(at, end - at));
        at = end;
        continue;
      }
    }
    boost::system::error_code ec;
    auto n = socket.read_some(asio::buffer(buf), ec);
    if (ec) break;
    got.erase(0, at);
    at = 0;
    got.append(buf, n);
  }
  return answers;
}

// The "seq" an answer of the pipelining test's routes carries; -1 for any other answer.
int answer_seq(const std::string& answer) {
  auto body = answer.find("\r\n\r\n");
  if (body == std::string::npos) return -1;
  auto json = nlohmann::json::parse(answer.substr(body + 4), nullptr, false);
  return json.is_object() && json.contains("seq") ? json["seq"].get<int>() : -1;
}

// Bytes this client has written that the server's kernel has not acknowledged yet; 0 once all
// of it waits in the server's socket.
int unacknowledged_bytes(tcp::socket& socket) {
  int n = -1;
  ::ioctl(socket.native_handle(), SIOCOUTQ, &n);
  return n;
}

}  // namespace

TEST(HttpTimeouts, AStalledRequestIsCutOffAtTheReadTimeoutWithoutAnAnswer) {
  timed_server s(400ms, 10s);
  asio::io_context client;
  auto socket = s.connect(client);
  auto started = steady::now();
  asio::write(socket, asio::buffer(std::string("GET /fast HTTP/1.1\r\nHo")));
  std::string got;
  EXPECT_TRUE(read_until_closed(socket, got)) << "the server kept a stalled request open";
  EXPECT_GE(steady::now() - started, 350ms) << "cut off before its read timeout";
  EXPECT_EQ(got, "");
}

TEST(HttpTimeouts, AConnectionThatNeverAsksIsClosedAtTheIdleTimeout) {
  timed_server s(10s, 400ms);
  asio::io_context client;
  auto socket = s.connect(client);
  auto started = steady::now();
  std::string got;
  EXPECT_TRUE(read_until_closed(socket, got)) << "an idle connection was kept open";
  EXPECT_GE(steady::now() - started, 350ms) << "closed before its idle timeout";
  EXPECT_EQ(got, "");
}

TEST(HttpTimeouts, EachRequestMovesTheDeadlineOn) {
  // Ten requests 100 ms apart take a second on one connection: more than twice either timeout.
  timed_server s(300ms, 400ms);
  asio::io_context client;
  auto socket = s.connect(client);
  for (int i = 0; i < 10; ++i) {
    auto answer = ask(socket);
    ASSERT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << "request " << i << ": " << answer;
    std::this_thread::sleep_for(100ms);
  }
  // And the idle timeout still ends it once it stops asking.
  std::string got;
  EXPECT_TRUE(read_until_closed(socket, got));
  EXPECT_EQ(got, "");
}

TEST(HttpCrowd, StalledClientsAreEachCutOffAtTheReadTimeoutWhileAnotherIsServed) {
  constexpr auto read_timeout = 400ms;
  quiet_access_log quiet;
  timed_server s(read_timeout, 10s, [](http::router& r) {
    r.add("POST", "/echo", [](http::request_context& ctx) -> asio::awaitable<http::response> {
      co_return http::json_response(200, nlohmann::json{{"bytes", ctx.body.size()}});
    });
  });
  // 200 clients stop inside their header and 50 inside a body shorter than they announced:
  // each sends all it ever sends in one write, then nothing.
  constexpr std::size_t in_header_count = 200;
  constexpr std::size_t stalled_count = in_header_count + 50;
  const std::string in_header = "GET /fast HTTP/1.1\r\nHost: localhost\r\nAcc";
  const std::string in_body =
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"half\":";

  // The stalled connections all open first, so that their stalls start together.
  asio::io_context watch;
  const tcp::endpoint server_end{asio::ip::make_address("127.0.0.1"), s.port};
  std::vector<tcp::socket> stalled;
  stalled.reserve(stalled_count);
  for (std::size_t i = 0; i < stalled_count; ++i) stalled.emplace_back(watch).connect(server_end);

  struct outcome {
    steady::time_point sent;
    steady::time_point ended;
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };
  std::vector<outcome> outcomes(stalled_count);
  for (std::size_t i = 0; i < stalled_count; ++i) {
    // Taken before the write: the server's read deadline starts once it has read these bytes,
    // so no correct close can come less than the read timeout after this.
    outcomes[i].sent = steady::now();
    asio::write(stalled[i], asio::buffer(i < in_header_count ? in_header : in_body));
  }
  const auto last_sent = steady::now();

  // Each stalled connection's first read completes when the server closes it (or, wrongly,
  // answers it); the reads run on their own thread while this one plays the good client.
  std::vector<std::array<char, 512>> buffers(stalled_count);
  std::atomic<std::size_t> ended{0};
  for (std::size_t i = 0; i < stalled_count; ++i)
    stalled[i].async_read_some(asio::buffer(buffers[i]),
                               [&, i](boost::system::error_code ec, std::size_t n) {
                                 outcomes[i].ended = steady::now();
                                 outcomes[i].ec = ec;
                                 outcomes[i].bytes = n;
                                 ++ended;
                               });
  std::thread watcher([&watch] { watch.run(); });

  // Meanwhile a good client asks, on one kept-alive connection and on a new one each round
  // (the accept loop must not wait behind the crowd either), until every stalled one has
  // ended. The guard only keeps a server that never closes them from hanging the test.
  asio::io_context client;
  auto kept = s.connect(client);
  std::vector<steady::time_point> answered_at;
  std::vector<std::string> wrong_answers;
  const auto guard = last_sent + read_timeout + 3s;
  while (ended.load() < stalled_count && steady::now() < guard) {
    auto fresh = s.connect(client);
    for (tcp::socket* socket : {&kept, &fresh}) {
      auto answer = ask(*socket);
      if (answer.starts_with("HTTP/1.1 200 OK\r\n"))
        answered_at.push_back(steady::now());
      else
        wrong_answers.push_back(answer);
    }
    std::this_thread::sleep_for(20ms);
  }
  // Whatever is still open now has outlived the guard: ending the wait reports it below.
  asio::post(watch, [&stalled] {
    for (auto& socket : stalled) socket.close();
  });
  watcher.join();

  EXPECT_EQ(wrong_answers.size(), 0u)
      << "the good client's first wrong answer: "
      << (wrong_answers.empty() ? std::string() : wrong_answers.front());
  auto first_end = std::min_element(outcomes.begin(), outcomes.end(), [](auto& a, auto& b) {
                     return a.ended < b.ended;
                   })->ended;
  EXPECT_GE(
      std::count_if(answered_at.begin(), answered_at.end(), [&](auto t) { return t < first_end; }),
      1)
      << "the good client got no answer while all " << stalled_count << " were pending";

  std::size_t not_closed = 0, answered = 0, early = 0, late = 0;
  std::string first_failure;
  auto slowest = steady::duration::zero();
  for (std::size_t i = 0; i < stalled_count; ++i) {
    const auto& o = outcomes[i];
    const auto lasted = o.ended - o.sent;
    slowest = std::max(slowest, lasted);
    std::string failure;
    if (o.bytes > 0) {
      ++answered;
      failure = "was answered: " + std::string(buffers[i].data(), o.bytes);
    } else if (o.ec != asio::error::eof && o.ec != asio::error::connection_reset) {
      ++not_closed;
      failure = "was not closed by the server (" + o.ec.message() + ")";
    } else if (lasted < read_timeout - 10ms) {
      ++early;
      failure = "was cut off before its read timeout";
    } else if (lasted > read_timeout + 3s) {
      ++late;
      failure = "was cut off long after its read timeout";
    }
    if (!failure.empty() && first_failure.empty())
      first_failure =
          fmt::format("connection {} ({}) {} after {} ms", i,
                      i < in_header_count ? "in its header" : "in its body", failure,
                      std::chrono::duration_cast<std::chrono::milliseconds>(lasted).count());
  }
  EXPECT_EQ(not_closed, 0u) << first_failure;
  EXPECT_EQ(answered, 0u) << first_failure;
  EXPECT_EQ(early, 0u) << first_failure;
  EXPECT_EQ(late, 0u) << first_failure << "; the slowest took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()
                      << " ms";
}

TEST(HttpCrowd, ALongPipelineDoesNotKeepTheIoThreadFromAnotherConnection) {
  quiet_access_log quiet;
  // The order in which the one io thread serves requests, told back in each answer.
  std::atomic<int> next_seq{0};
  std::promise<void> held;
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  timed_server s(10s, 10s, [&](http::router& r) {
    r.add("GET", "/seq", [&next_seq](http::request_context&) -> asio::awaitable<http::response> {
      co_return http::json_response(200, nlohmann::json{{"seq", next_seq++}});
    });
    // Blocks the io thread on purpose (until released, 5 s at most): while it is blocked, the
    // rest of the pipeline waits in the server's buffer and the other client's request waits
    // in its socket, so both are there when the loop carries on.
    r.add("GET", "/hold", [&](http::request_context&) -> asio::awaitable<http::response> {
      const int seq = next_seq++;
      held.set_value();
      released.wait_for(5s);
      co_return http::json_response(200, nlohmann::json{{"seq", seq}});
    });
  });
  asio::io_context client;

  // The other client's connection is open and waiting for its next request before it starts.
  auto other = s.connect(client);
  asio::write(other, asio::buffer(std::string("GET /seq HTTP/1.1\r\n\r\n")));
  ASSERT_EQ(read_answers(other, 1).size(), 1u);

  // The pipeline in one write; the server reads it 4 KiB at first then 16 KiB at a time, and
  // requests this short put about 180 in the first read and 700 in each after it: a loop that
  // never yielded would serve each read's whole catch before looking at another connection.
  constexpr std::size_t pipelined = 2000;
  std::string pipeline = "GET /hold HTTP/1.1\r\n\r\n";
  for (std::size_t i = 0; i < pipelined; ++i) pipeline += "GET /seq HTTP/1.1\r\n\r\n";
  auto piped = s.connect(client);
  asio::write(piped, asio::buffer(pipeline));

  // While /hold blocks the io thread, the other client asks once; the hold ends only when the
  // server's kernel has that request (so it is ready for the first look at the sockets after).
  auto holding = held.get_future().wait_for(5s) == std::future_status::ready;
  asio::write(other, asio::buffer(std::string("GET /seq HTTP/1.1\r\n\r\n")));
  for (auto until = steady::now() + 5s; unacknowledged_bytes(other) != 0 && steady::now() < until;)
    std::this_thread::sleep_for(1ms);
  release.set_value();
  ASSERT_TRUE(holding) << "the pipeline's /hold was never served";

  // The pipelining client reads nothing until the other client has its answer.
  auto other_answers = read_answers(other, 1);
  ASSERT_EQ(other_answers.size(), 1u) << "the other client got no answer";
  ASSERT_TRUE(other_answers[0].starts_with("HTTP/1.1 200 OK\r\n")) << other_answers[0];
  const int other_seq = answer_seq(other_answers[0]);

  auto piped_answers = read_answers(piped, pipelined + 1);
  ASSERT_EQ(piped_answers.size(), pipelined + 1);
  std::vector<int> piped_seqs;
  for (const auto& answer : piped_answers) {
    ASSERT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    piped_seqs.push_back(answer_seq(answer));
  }
  ASSERT_TRUE(std::is_sorted(piped_seqs.begin(), piped_seqs.end()));
  const int hold_seq = piped_seqs.front();

  // Served in the middle of the pipeline, not after it (which even a loop without the yield
  // manages: its reads and its writes to a client that is not reading let others in too)...
  EXPECT_LT(other_seq, piped_seqs.back());
  // ...and soon after the io thread was free again: the loop yields every 16 requests it
  // serves from its buffer, so only a batch or two of the pipeline come first (31 when this
  // was written); without the yield, hundreds do (the rest of its buffer, then more until its
  // answers to a client that is not reading fill the socket).
  const auto served_first = std::count_if(piped_seqs.begin(), piped_seqs.end(),
                                          [&](int q) { return q > hold_seq && q < other_seq; });
  EXPECT_LT(served_first, 64) << "the other client's request was served after " << served_first
                              << " of the pipeline's requests that were waiting with it";
}
