// The quote list over plain HTTP (see quote_fetch.hpp). Runs on the private io_context of
// http_provider's poll thread.
#include "quote_fetch.hpp"

namespace marketsim::market::quote_fetch {

net::awaitable<result<std::string>> get_http(const tcp::resolver::results_type& endpoints,
                                             const base_url& url, const std::string& target,
                                             std::chrono::milliseconds timeout) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, as_values);
  if (connect_ec) {
    co_return fail(errc::unavailable, fmt::format("connect: {}", connect_ec.message()));
  }
  auto body = co_await exchange(stream, stream, url, target, timeout);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return body;
}

}  // namespace marketsim::market::quote_fetch
