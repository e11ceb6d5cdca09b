// The answer headers and read-failure rules of a connection (see connection.hpp), used by the
// plain, TLS and in-memory sessions, and the WebSocket transport's API-key check. Called on io
// threads inside a connection's strand.
#include "connection.hpp"

#include "answer_head.hpp"

namespace marketsim::http::connection {

bool is_quiet(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == beast::error::timeout ||
         ec == bhttp::error::end_of_stream || ec == asio::error::broken_pipe;
}

std::optional<error> read_failure(const boost::system::error_code& ec, std::size_t body_limit) {
  // Beast reports a too-large Content-Length as soon as the header is complete.
  if (ec == bhttp::error::body_limit)
    return error{errc::payload_too_large,
                 fmt::format("request body is larger than {} bytes", body_limit)};
  if (ec == bhttp::error::header_limit)
    return error{errc::headers_too_large, "request headers are too large"};
  if (is_quiet(ec)) return std::nullopt;
  return error{errc::bad_request, "malformed HTTP request"};
}

void add_security_headers(bhttp::fields& f, bool tls) {
  for_each_security_header(
      tls, true, [&f](std::string_view name, std::string_view value) { f.set(name, value); });
}

void set_answer_headers(bhttp::fields& f, const response& r, const request_context& ctx, bool tls) {
  auto add = [&f](std::string_view name, std::string_view value) { f.insert(name, value); };
  for_each_answer_header(r, ctx, add,
                         [&](bool with_csp) { for_each_security_header(tls, with_csp, add); });
}

bhttp::response<bhttp::string_body> server_full_answer(bool tls) {
  auto rid = choose_request_id("");
  auto r = with_retry_after(
      error_response({errc::too_many_connections, "the server is full; retry later"}, rid),
      std::chrono::seconds(5));
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
  request_context ctx;
  ctx.request_id = rid;
  set_answer_headers(res, r, ctx, tls);
  res.keep_alive(false);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

asio::awaitable<ws_auth> ws_key_check::authenticate(std::string key_id, std::string secret) {
  if (!m_.before) co_return ws_auth{nullptr, error{errc::unauthenticated, "no API keys here"}};
  // The guard reads the pair from these headers, as on a REST request; the fields live only
  // for this call and are never logged.
  bhttp::fields headers;
  headers.set("APCA-API-KEY-ID", key_id);
  headers.set("APCA-API-SECRET-KEY", secret);
  request_context ctx;
  ctx.method = "GET";
  ctx.path = upgrade_.path;
  ctx.route = upgrade_.route;
  ctx.headers = &headers;
  ctx.request_id = upgrade_.request_id;
  ctx.remote_address = upgrade_.remote_address;
  ctx.client_address = upgrade_.client_address;
  static const endpoint key_route = [] {
    endpoint e;
    e.need = auth::access::user;
    e.api_keys = true;
    return e;
  }();
  auto stop = co_await m_.before(ctx, key_route);
  if (stop || !ctx.principal || !ctx.by_api_key) {
    const int status = stop ? stop->status : 401;
    errc code = status == 429   ? errc::too_many_attempts
                : status == 503 ? errc::unavailable
                : status >= 500 ? errc::internal
                                : errc::unauthenticated;
    co_return ws_auth{nullptr, error{code, "API key refused"}};
  }
  co_return ws_auth{std::move(ctx.principal), std::nullopt};
}

}  // namespace marketsim::http::connection
