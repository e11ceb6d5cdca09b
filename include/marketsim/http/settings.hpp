// What the HTTP server is told at start-up: where to listen and the limits every connection
// lives under. Built by the app from its configuration (app/config.hpp); read-only afterwards,
// by every io thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace marketsim::http {

struct server_settings {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string port_file;  // written with the bound port once listening (tests use port 0)
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{30'000};    // a request must arrive whole within this
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive connection with no request
  std::size_t max_connections = 25'000;              // open connections; 503 beyond
  std::vector<std::string> trusted_proxies;          // addresses whose X-Forwarded-For counts
  std::string public_url = "http://localhost:8080";  // where plain HTTP is sent when TLS is on
  // The io threads running the server's io_context. With one, every completion runs on it in
  // turn and connections need no strand of their own.
  int io_threads = 0;
};

}  // namespace marketsim::http
