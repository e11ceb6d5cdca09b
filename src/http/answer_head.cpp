// The hand-written status line and header block of an ordinary answer (see answer_head.hpp).
// Called on io threads; the security header blocks are built once, the rest is per answer.
#include "answer_head.hpp"

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstring>

namespace marketsim::http::connection {

namespace {

bool splits_answer(std::string_view text) {
  // memchr is vectorized: three passes over a short value cost less than one loop by hand.
  const char* p = text.data();
  const std::size_t n = text.size();
  return std::memchr(p, '\r', n) || std::memchr(p, '\n', n) || std::memchr(p, '\0', n);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (name.empty() || splits_answer(name) || splits_answer(value)) return;
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// The security headers as written, for each of (tls, with_csp).
const std::string& security_block(bool tls, bool with_csp) {
  static const std::array<std::string, 4> blocks = [] {
    std::array<std::string, 4> b;
    for (int i = 0; i < 4; ++i)
      for_each_security_header(
          i >= 2, i % 2 == 1,
          [&](std::string_view name, std::string_view value) { append_header(b[i], name, value); });
    return b;
  }();
  return blocks[(tls ? 2 : 0) + (with_csp ? 1 : 0)];
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void write_answer_head(std::string& out, const response& r, const request_context& ctx, bool tls,
                       unsigned version, bool keep_alive, std::size_t content_length) {
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(r.status));
  out.push_back(' ');
  out.append(
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status)));
  out.append("\r\n");
  for_each_answer_header(
      r, ctx,
      [&out](std::string_view name, std::string_view value) { append_header(out, name, value); },
      [&out, tls](bool with_csp) { out.append(security_block(tls, with_csp)); });
  // RFC 9110 8.6: no Content-Length on an answer that never has a body.
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (!bodiless) {
    out.append("Content-Length: ");
    append_number(out, content_length);
    out.append("\r\n");
  }
  // HTTP/1.1 keeps a connection open unless told otherwise; HTTP/1.0 only when told.
  if (version >= 11 && !keep_alive) out.append("Connection: close\r\n");
  if (version < 11 && keep_alive) out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
}

}  // namespace marketsim::http::connection
