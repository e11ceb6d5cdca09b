// The quote list over HTTPS (see quote_fetch.hpp): the server name sent (SNI) and verified
// against the certificate. Runs on the private io_context of http_provider's poll thread.
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "quote_fetch.hpp"

namespace marketsim::market::quote_fetch {

net::awaitable<result<std::string>> get_https(const tcp::resolver::results_type& endpoints,
                                              const base_url& url, const std::string& target,
                                              std::chrono::milliseconds timeout,
                                              net::ssl::context& tls) {
  beast::ssl_stream<beast::tcp_stream> stream(co_await net::this_coro::executor, tls);
  // SNI: shared hosts pick the certificate by it.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    co_return fail(errc::unavailable, "cannot set TLS server name");
  }
  stream.set_verify_callback(net::ssl::host_name_verification(url.host));
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  auto [connect_ec, endpoint] = co_await lowest.async_connect(endpoints, as_values);
  if (connect_ec) {
    co_return fail(errc::unavailable, fmt::format("connect: {}", connect_ec.message()));
  }
  lowest.expires_after(timeout);
  auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::client, as_values);
  if (handshake_ec) {
    co_return fail(errc::unavailable, fmt::format("TLS handshake: {}", handshake_ec.message()));
  }
  // "Connection: close" and a complete body: no TLS shutdown round trip is needed.
  co_return co_await exchange(stream, lowest, url, target, timeout);
}

}  // namespace marketsim::market::quote_fetch
