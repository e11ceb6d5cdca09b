// The headers of an answer, private to the http module: which headers every answer carries
// (for_each_answer_header, the one place that decides them) and the status line and header
// block of an ordinary answer written by hand into one buffer (write_answer_head). The request
// loop (connection.hpp) sends that buffer and the body in one gather write, which costs a
// fraction of filling Beast's fields one allocation per header and walking its serializer's
// buffer views; streams, WebSocket upgrades and refusals still go through Beast's fields
// (set_answer_headers), with the same headers. Runs on io threads; no shared state but
// constant tables built once.
#pragma once
#include <boost/beast/core/string.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "marketsim/http/message.hpp"

namespace marketsim::http::connection {

// Calls emit(name, value) for each security header; the default Content-Security-Policy only
// when with_csp (a handler may give its own, which replaces it).
template <class Emit>
void for_each_security_header(bool tls, bool with_csp, Emit&& emit) {
  if (tls)
    emit(std::string_view("Strict-Transport-Security"), std::string_view("max-age=31536000"));
  emit(std::string_view("X-Content-Type-Options"), std::string_view("nosniff"));
  emit(std::string_view("X-Frame-Options"), std::string_view("DENY"));
  emit(std::string_view("Referrer-Policy"), std::string_view("strict-origin-when-cross-origin"));
  emit(std::string_view("Cross-Origin-Opener-Policy"), std::string_view("same-origin"));
  emit(std::string_view("Permissions-Policy"),
       std::string_view("camera=(), microphone=(), geolocation=()"));
  // Pages replace this with their own policy (inline scripts by hash, see static_site); API
  // answers and assets are never meant to run anything.
  if (with_csp)
    emit(
        std::string_view("Content-Security-Policy"),
        std::string_view("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                         "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                         "object-src 'none'; base-uri 'self'; form-action 'self'; "
                         "frame-ancestors 'none'"));
}

// What every answer carries, streams included, in order: its content type, the request id, the
// security headers, the handler's and the middleware's own headers (a rotated session cookie)
// and a cache policy. A signed-in answer is private: no cache keeps it, whatever the handler
// said. Calls emit(name, value) with string_views that live as long as r and ctx, and
// emit_security(with_csp) where the security headers go (for_each_security_header, or a block
// of them written once).
template <class Emit, class EmitSecurity>
void for_each_answer_header(const response& r, const request_context& ctx, Emit&& emit,
                            EmitSecurity&& emit_security) {
  emit(std::string_view("Content-Type"), std::string_view(r.content_type));
  emit(std::string_view("X-Request-Id"), std::string_view(ctx.request_id));
  bool own_csp = false;
  for (const auto& h : r.headers)
    if (boost::beast::iequals(h.first, "Content-Security-Policy")) own_csp = true;
  emit_security(!own_csp);
  const bool private_answer = ctx.principal != nullptr;
  bool has_cache_control = false;
  for (const auto& [name, value] : r.headers) {
    if (boost::beast::iequals(name, "Cache-Control")) {
      if (private_answer) continue;
      has_cache_control = true;
    }
    emit(std::string_view(name), std::string_view(value));
  }
  if (!has_cache_control) emit(std::string_view("Cache-Control"), std::string_view("no-store"));
}

// Replaces out with the status line and headers of an ordinary answer of r, ending with the
// blank line: the headers above, Content-Length (none on 1xx, 204 and 304), and Connection as
// Beast's keep_alive() would set it for this HTTP version (10 or 11). A header whose name or
// value holds CR, LF or NUL is left out: it could only split the answer.
void write_answer_head(std::string& out, const response& r, const request_context& ctx, bool tls,
                       unsigned version, bool keep_alive, std::size_t content_length);

// The body an answer sends: its shared body when it has one, its own otherwise.
[[nodiscard]] inline std::string_view answer_body(const response& r) noexcept {
  return r.shared_body ? std::string_view(*r.shared_body) : std::string_view(r.body);
}

}  // namespace marketsim::http::connection
