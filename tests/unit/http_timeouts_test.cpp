// A connection's timeouts over real loopback sockets (the request loop's one deadline per
// connection, src/http/deadline_watch.hpp): a client that starts a request and stalls is cut
// off at the read timeout, not before, and gets no answer; a connection that never asks is
// closed at the idle timeout; and a busy connection whose requests together take far longer
// than either timeout is never cut off, because each request moves the deadline on.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

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

  timed_server(std::chrono::milliseconds read_timeout, std::chrono::milliseconds idle_timeout) {
    routes.add("GET", "/fast", [](http::request_context&) -> asio::awaitable<http::response> {
      co_return http::json_response(200, nlohmann::json{{"ok", true}});
    });
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
