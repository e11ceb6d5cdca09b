// Mail delivery over SMTP (RFC 5321): plain to a local relay (smtp://host:port), or with
// STARTTLS required, the server's certificate verified, and AUTH PLAIN
// (smtp+starttls://user:password@host:587). The message format is pure and unit-tested; sending
// is a coroutine on whatever executor calls it (the mail sender's strand): socket I/O with
// timeouts, never blocking.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "marketsim/core/error.hpp"

namespace marketsim::mail {

struct smtp_settings {
  std::string host;
  std::string port = "25";
  bool starttls = false;
  std::string user;
  std::string password;
  std::string ca_file;  // extra trusted CA (PEM) besides the system's
  std::chrono::milliseconds timeout{15'000};
};

// smtp://host[:port] or smtp+starttls://[user:password@]host[:port] (credentials only with
// STARTTLS: they never travel in clear). Percent-escapes in user and password are decoded.
[[nodiscard]] result<smtp_settings> parse_smtp_url(std::string_view url);

// "Name <addr>" or "addr" → "addr".
[[nodiscard]] std::string mail_address(std::string_view from);

struct outgoing_mail {
  std::string from;  // "marketsim <noreply@example.com>"
  std::string to;
  std::string subject;
  std::string body;
  std::int64_t date_ms = 0;
  std::string message_id;  // without <>
};
// The DATA payload: headers, a blank line, the body with CRLF line ends and leading dots
// doubled, ending in CRLF "." CRLF. Non-ASCII subjects are RFC 2047 encoded.
[[nodiscard]] std::string smtp_payload(const outgoing_mail& m);

[[nodiscard]] boost::asio::awaitable<result<void>> smtp_send(const smtp_settings& s,
                                                             const outgoing_mail& m);

}  // namespace marketsim::mail
