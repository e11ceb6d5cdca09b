// Connections on a plain-HTTP port: served by the request loop (connection.hpp) over a TCP
// stream, redirected to HTTPS when this listener only redirects, or refused when the server is
// full. Runs on an io thread inside the connection's strand.
#include <boost/beast/core/tcp_stream.hpp>
#include <cctype>

#include "connection.hpp"

namespace marketsim::http {

using namespace connection;

namespace {

// Answers every request on the plain-HTTP port with a redirect to the same path over HTTPS.
asio::awaitable<void> redirect_to_https(beast::tcp_stream& stream, const server_settings& settings,
                                        std::uint16_t tls_port) {
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(settings.read_timeout);
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings.header_limit));
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    if (ec) break;
    auto& req = parser.get();
    std::string host(req[bhttp::field::host]);
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == host.npos)
      host.resize(colon);
    bool plain_host = !host.empty();
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'))
        plain_host = false;
    std::string location = plain_host ? "https://" + host : settings.public_url;
    if (plain_host && tls_port != 443) location += ":" + std::to_string(tls_port);
    location += std::string(req.target());
    bhttp::response<bhttp::string_body> res{bhttp::status::permanent_redirect, req.version()};
    res.set(bhttp::field::location, location);
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = "use HTTPS: " + location + "\n";
    res.prepare_payload();
    stream.expires_after(write_timeout);
    co_await bhttp::async_write(stream, res, use_tuple);
    break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

asio::awaitable<void> server::plain_session(tcp::socket socket, counted_slot) {
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::tcp_stream stream(std::move(socket));
  if (redirect_only_) {
    co_await redirect_to_https(stream, settings_, tls_port_);
    co_return;
  }
  co_await serve(stream, std::move(remote));
}

asio::awaitable<void> server::refuse_plain(tcp::socket socket, counted_slot) {
  beast::tcp_stream stream(std::move(socket));
  co_await answer_server_full(stream, false);
}

}  // namespace marketsim::http
