// Connections on the HTTPS port: the TLS handshake, then the request loop (connection.hpp) over
// a TLS stream, then a TLS shutdown; or, when the server is full, the handshake and a refusal.
// Runs on an io thread inside the connection's strand.
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "connection.hpp"

namespace marketsim::http {

using namespace connection;

asio::awaitable<void> server::tls_session(tcp::socket socket, counted_slot) {
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  beast::get_lowest_layer(stream).expires_after(settings_.read_timeout);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (hec) {
    if (!is_quiet(hec)) spdlog::debug("tls: handshake with {} failed: {}", remote, hec.message());
    co_return;
  }
  co_await serve(stream, std::move(remote));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(use_tuple);
}

asio::awaitable<void> server::refuse_tls(tcp::socket socket, counted_slot) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (!hec) co_await answer_server_full(stream, true);
}

}  // namespace marketsim::http
