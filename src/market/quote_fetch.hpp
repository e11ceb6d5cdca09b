// One GET of the quote list, private to the market module: over plain HTTP
// (quote_fetch_http.cpp) or HTTPS (quote_fetch_https.cpp), a file each so the two Beast
// instantiations compile in parallel; the exchange both share is here. Runs on the private
// io_context of http_provider's poll thread (see http_provider.cpp).
#pragma once
#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "marketsim/core/error.hpp"
#include "marketsim/market/http_provider.hpp"

namespace boost::asio::ssl {
class context;
}

namespace marketsim::market::quote_fetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

inline constexpr std::size_t max_body_bytes = 1 << 20;  // a quote list is a few hundred bytes
inline constexpr auto as_values = net::as_tuple(net::use_awaitable);

// The body of a 200 answer to GET `target` from one of `endpoints`; unavailable otherwise.
// Each step (connect, handshake, write, read) has `timeout`.
[[nodiscard]] net::awaitable<result<std::string>> get_http(
    const tcp::resolver::results_type& endpoints, const base_url& url, const std::string& target,
    std::chrono::milliseconds timeout);
[[nodiscard]] net::awaitable<result<std::string>> get_https(
    const tcp::resolver::results_type& endpoints, const base_url& url, const std::string& target,
    std::chrono::milliseconds timeout, net::ssl::context& tls);

inline std::string host_header(const base_url& url) {
  const bool default_port = url.port == (url.tls ? "443" : "80");
  return default_port ? url.host : url.host + ":" + url.port;
}

template <class Stream>
net::awaitable<result<std::string>> exchange(Stream& stream, beast::tcp_stream& lowest,
                                             const base_url& url, const std::string& target,
                                             std::chrono::milliseconds timeout) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host_header(url));
  req.set(http::field::user_agent, "marketsim");
  req.set(http::field::accept, "text/csv");
  req.set(http::field::connection, "close");
  lowest.expires_after(timeout);
  auto [write_ec, written] = co_await http::async_write(stream, req, as_values);
  if (write_ec) co_return fail(errc::unavailable, fmt::format("write: {}", write_ec.message()));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  lowest.expires_after(timeout);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, as_values);
  if (read_ec) co_return fail(errc::unavailable, fmt::format("read: {}", read_ec.message()));
  auto response = parser.release();
  if (response.result() != http::status::ok) {
    co_return fail(errc::unavailable, fmt::format("HTTP status {}", response.result_int()));
  }
  co_return std::move(response.body());
}

}  // namespace marketsim::market::quote_fetch
