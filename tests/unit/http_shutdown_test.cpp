// Shutdown over real loopback sockets: stop_accepting() closes keep-alive connections that wait
// for their next request at once (not at their idle timeout), lets a request in flight finish,
// and drain() returns when that request ends rather than at its bound; 300 idle connections
// (half after an answer, half that never asked) all close at once under two threads.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
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

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct tcp_server {
  asio::io_context ioc;
  http::router routes;
  std::unique_ptr<http::server> server;
  std::uint16_t port = 0;

  tcp_server() {
    routes.add("GET", "/fast", [](http::request_context&) -> asio::awaitable<http::response> {
      co_return http::json_response(200, nlohmann::json{{"ok", true}});
    });
    routes.add("GET", "/slow", [](http::request_context&) -> asio::awaitable<http::response> {
      asio::steady_timer t(co_await asio::this_coro::executor, 300ms);
      co_await t.async_wait(use_tuple);
      co_return http::json_response(200, nlohmann::json{{"slow", true}});
    });
    http::server_settings s;
    s.port = 0;
    s.idle_timeout = std::chrono::hours(1);  // only shutdown can end an idle wait here
    server = std::make_unique<http::server>(ioc, s, routes, http::static_site{});
    port = server->listen().value();
    server->start();
  }

  // Sends one request on `socket` and reads until the blank line after its answer's head,
  // then the body (Content-Length).
  asio::awaitable<std::string> ask(tcp::socket& socket, std::string path) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(req), use_tuple);
    std::string got;
    char buf[4096];
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
      if (ec) co_return got;
      got.append(buf, n);
      auto head_end = got.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      auto cl = got.find("Content-Length: ");
      if (cl == std::string::npos) continue;
      auto length = std::stoul(got.substr(cl + 16));
      if (got.size() >= head_end + 4 + length) co_return got;
    }
  }
};

}  // namespace

TEST(HttpShutdown, IdleKeepAliveClosesAtOnceAndARequestInFlightFinishes) {
  tcp_server t;
  bool idle_closed = false;
  bool slow_answered = false;
  bool drained = false;
  std::string slow_answer;
  auto strand = asio::make_strand(t.ioc);
  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        tcp::socket idle(t.ioc), busy(t.ioc);
        co_await idle.async_connect({asio::ip::make_address("127.0.0.1"), t.port}, use_tuple);
        co_await busy.async_connect({asio::ip::make_address("127.0.0.1"), t.port}, use_tuple);
        // A keep-alive connection that has had its answer and now waits.
        auto first = co_await t.ask(idle, "/fast");
        EXPECT_NE(first.find("200 OK"), std::string::npos);
        // A request in flight on the other connection.
        asio::co_spawn(
            strand,
            [&]() -> asio::awaitable<void> {
              slow_answer = co_await t.ask(busy, "/slow");
              slow_answered = true;
            },
            asio::detached);
        asio::steady_timer settle(strand, 50ms);
        co_await settle.async_wait(use_tuple);

        t.server->stop_accepting();
        char byte;
        auto [ec, n] = co_await idle.async_read_some(asio::buffer(&byte, 1), use_tuple);
        idle_closed = ec == asio::error::eof;
        // The idle one closed while the slow request was still running.
        EXPECT_FALSE(slow_answered);
        co_await t.server->drain(std::chrono::hours(1));
        drained = true;
      },
      asio::detached);
  // A bound for a broken build, far below the hour an idle wait or the drain would take.
  t.ioc.run_for(20s);
  EXPECT_TRUE(idle_closed);
  EXPECT_TRUE(drained);
  EXPECT_TRUE(slow_answered);
  EXPECT_NE(slow_answer.find("200 OK"), std::string::npos);
  // Shutting down: the answer says the connection ends.
  EXPECT_NE(slow_answer.find("Connection: close"), std::string::npos);
}

TEST(HttpShutdown, DrainReturnsAtOnceWhenNothingIsInFlight) {
  tcp_server t;
  bool drained = false;
  auto strand = asio::make_strand(t.ioc);
  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        t.server->stop_accepting();
        co_await t.server->drain(std::chrono::hours(1));
        drained = true;
      },
      asio::detached);
  t.ioc.run_for(10s);
  EXPECT_TRUE(drained);
}

// A crowd at shutdown: many keep-alive connections waiting after an answer and many that
// connected but never sent a request, on an io_context run by two threads (the connections'
// strands race the shutdown). Every one of them ends at once; none waits for its idle timeout.
TEST(HttpShutdown, ManyIdleConnectionsAllCloseAtOnce) {
  tcp_server t;
  constexpr int answered_then_idle = 150, never_asked = 150;
  std::atomic<int> opened{0}, closed{0};
  std::atomic<bool> stopped{false};
  auto client = [&](bool ask_first) -> asio::awaitable<void> {
    tcp::socket s(co_await asio::this_coro::executor);
    auto [ec] = co_await s.async_connect({asio::ip::make_address("127.0.0.1"), t.port}, use_tuple);
    if (ec) co_return;
    if (ask_first) {
      auto first = co_await t.ask(s, "/fast");
      if (first.find("200 OK") == std::string::npos) co_return;
    }
    ++opened;
    char byte;
    auto [rec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), use_tuple);
    // Closed by the server, and only after shutdown began.
    if ((rec == asio::error::eof || rec == asio::error::connection_reset) && stopped) ++closed;
  };
  for (int i = 0; i < answered_then_idle + never_asked; ++i)
    asio::co_spawn(asio::make_strand(t.ioc), client(i < answered_then_idle), asio::detached);
  asio::co_spawn(
      asio::make_strand(t.ioc),
      [&]() -> asio::awaitable<void> {
        asio::steady_timer wait(co_await asio::this_coro::executor);
        for (int i = 0; i < 400 && opened < answered_then_idle + never_asked; ++i) {
          wait.expires_after(10ms);
          co_await wait.async_wait(use_tuple);
        }
        stopped = true;
        t.server->stop_accepting();
        co_await t.server->drain(std::chrono::hours(1));
      },
      asio::detached);
  std::thread second([&] { t.ioc.run_for(20s); });
  t.ioc.run_for(20s);
  second.join();
  EXPECT_EQ(opened.load(), answered_then_idle + never_asked);
  EXPECT_EQ(closed.load(), answered_then_idle + never_asked);
}
