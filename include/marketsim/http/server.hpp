// The HTTP server: a Beast listener and one coroutine per connection, with the middleware
// (request id, access log, security headers, limits and timeouts), API routing, static pages
// and Server-Sent Events streams. Runs on the io_context's threads, one strand per connection.
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "marketsim/core/error.hpp"
#include "marketsim/http/in_flight.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/http/settings.hpp"
#include "marketsim/http/static_site.hpp"

namespace marketsim::http {

// One unit of a shared count (open connections, refusals in flight), given back when the
// connection's coroutine ends however it ends. Shared, so a connection torn down with the
// io_context after its server is gone still has a count to give back to.
class counted_slot {
 public:
  explicit counted_slot(std::shared_ptr<std::atomic<std::size_t>> count)
      : count_(std::move(count)) {
    ++*count_;
  }
  counted_slot(counted_slot&&) noexcept = default;
  counted_slot& operator=(counted_slot&&) = delete;
  ~counted_slot() {
    if (count_) --*count_;
  }

 private:
  std::shared_ptr<std::atomic<std::size_t>> count_;
};
class memory_stream;
struct ws_endpoints;  // websocket.hpp

// Hooks around API handlers, set by the application (auth lives outside the HTTP layer).
struct middleware {
  // Runs before a matched route's handler; an answer ends the request there (401, 403, ...).
  std::function<boost::asio::awaitable<std::optional<response>>(request_context&, const endpoint&)>
      before;
  // Sees every API answer before it is written (e.g. to store server errors).
  std::function<void(const request_context&, const response&)> after;
  // Runs first on every request, routed or not (a static page, a 404, a 405); an answer ends
  // the request there (the Host rule).
  std::function<std::optional<response>(const request_context&)> screen;
  // Every answer written (GET /metrics): its status and its time from the request's arrival to
  // the answer written; a stream is counted when it opens, with no time (negative).
  std::function<void(const request_context&, int status, double seconds)> observe;
};

class server {
 public:
  server(boost::asio::io_context& ioc, server_settings settings, router routes, static_site site);
  void set_middleware(middleware m) { middleware_ = std::move(m); }
  // WebSocket endpoints (websocket.hpp): a GET with `Upgrade: websocket` to one of their paths
  // becomes a WebSocket connection; everything else is routed as before. Call before start.
  void set_websockets(std::shared_ptr<const ws_endpoints> endpoints) {
    websockets_ = std::move(endpoints);
  }

  // HTTPS with this certificate chain and key (PEM), TLS 1.2 and 1.3 only; call before start.
  [[nodiscard]] result<void> enable_tls(const std::string& cert_file, const std::string& key_file);
  // Makes this a plain-HTTP listener that only redirects to HTTPS on `tls_port`.
  void redirect_to(std::uint16_t tls_port);

  // Binds and listens (on `port`, else the configured one); returns the bound port (useful with
  // port 0). Only the main listener writes the port file.
  [[nodiscard]] result<std::uint16_t> listen(std::optional<std::uint16_t> port = std::nullopt);
  void start();  // spawns the accept loop
  // Shutdown, step one: no new connections; connections waiting for their next request close
  // now, the others after their answer (no keep-alive).
  void stop_accepting();
  // Step two: returns when no request is being handled (woken by the last one to end, no
  // polling), or after `max_wait`. Run it on a strand.
  [[nodiscard]] boost::asio::awaitable<void> drain(std::chrono::milliseconds max_wait);
  [[nodiscard]] std::size_t active_requests() const { return active_requests_.load(); }
  [[nodiscard]] std::size_t open_connections() const { return counts_->open.load(); }
  // The API requests being handled now, oldest first (the admin's runtime view).
  [[nodiscard]] std::vector<in_flight_list::view> in_flight(std::size_t n) const {
    return in_flight_.snapshot(n);
  }
  // One connection's whole life over an in-memory stream from `remote` (the fuzzer, tests):
  // the same parsing, limits, routing, middleware and answers as over TCP, without a socket.
  [[nodiscard]] boost::asio::awaitable<void> serve_memory(memory_stream& stream,
                                                          std::string remote);

 private:
  boost::asio::awaitable<void> accept_loop();
  // One connection each; a file each, so they compile in parallel. Plain HTTP, served or
  // redirected to HTTPS (plain_session.cpp); or TLS (tls_session.cpp).
  boost::asio::awaitable<void> plain_session(boost::asio::ip::tcp::socket socket,
                                             counted_slot slot);
  boost::asio::awaitable<void> tls_session(boost::asio::ip::tcp::socket socket, counted_slot slot);
  // Beyond max_connections: a 503 too_many_connections, then close.
  boost::asio::awaitable<void> refuse_plain(boost::asio::ip::tcp::socket socket, counted_slot slot);
  boost::asio::awaitable<void> refuse_tls(boost::asio::ip::tcp::socket socket, counted_slot slot);
  // The request loop of a connection over any stream (src/http/connection.hpp).
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, std::string remote);
  boost::asio::awaitable<response> dispatch(request_context& ctx);
  void request_ended();

  boost::asio::io_context& ioc_;
  const server_settings settings_;
  router routes_;
  static_site site_;
  middleware middleware_;
  std::shared_ptr<const ws_endpoints> websockets_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  bool redirect_only_ = false;
  std::uint16_t tls_port_ = 443;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_requests_{0};
  in_flight_list in_flight_;
  struct counts {
    std::atomic<std::size_t> open{0};      // connections being served
    std::atomic<std::size_t> refusing{0};  // connections being told the server is full
  };
  std::shared_ptr<counts> counts_ = std::make_shared<counts>();
  bool full_logged_ = false;  // accept loop only
  // Connections waiting for their next request, each with a way to end the wait (shutdown).
  struct idle_waits {
    std::mutex mutex;
    std::uint64_t next = 0;
    std::map<std::uint64_t, std::function<void()>> end;
  };
  std::shared_ptr<idle_waits> idle_ = std::make_shared<idle_waits>();
  std::mutex drain_mutex_;
  std::function<void()> wake_drain_;  // set while drain() waits
};

// Accepts a client-supplied X-Request-Id when it is short and plain, otherwise makes one.
[[nodiscard]] std::string choose_request_id(std::string_view supplied);

}  // namespace marketsim::http
