// SMTP delivery (see smtp.hpp). Runs as a coroutine on the mail sender's strand; every socket
// operation has a timeout, so a stuck relay delays mail, never the server.
#include "marketsim/mail/smtp.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <ctime>

#include "marketsim/core/crypto.hpp"
#include "marketsim/core/url.hpp"

namespace marketsim::mail {

namespace asio = boost::asio;
namespace beast = boost::beast;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

result<smtp_settings> parse_smtp_url(std::string_view url) {
  smtp_settings s;
  std::string_view rest;
  if (url.starts_with("smtp://")) {
    rest = url.substr(7);
  } else if (url.starts_with("smtp+starttls://")) {
    rest = url.substr(16);
    s.starttls = true;
    s.port = "587";
  } else {
    return fail(errc::config_malformed,
                "MARKETSIM_SMTP_URL: use smtp://host:port or "
                "smtp+starttls://user:password@host:port");
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    s.user = percent_decode(cred.substr(0, colon));
    if (colon != std::string_view::npos) s.password = percent_decode(cred.substr(colon + 1));
    if (!s.starttls)
      return fail(errc::config_malformed,
                  "MARKETSIM_SMTP_URL: credentials need smtp+starttls:// (never sent in clear)");
  }
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    s.port = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  s.host = std::string(rest);
  bool port_ok = !s.port.empty() && s.port.size() <= 5;
  for (char c : s.port) port_ok = port_ok && c >= '0' && c <= '9';
  if (s.host.empty() || !port_ok)
    return fail(errc::config_malformed, "MARKETSIM_SMTP_URL: needs a host and a numeric port");
  return s;
}

std::string mail_address(std::string_view from) {
  auto lt = from.find('<');
  auto gt = from.find('>', lt == std::string_view::npos ? 0 : lt);
  if (lt != std::string_view::npos && gt != std::string_view::npos)
    return std::string(from.substr(lt + 1, gt - lt - 1));
  return std::string(from);
}

namespace {

// Header values come from our own templates and validated addresses; CR and LF are dropped all
// the same, so no value can start a header of its own.
std::string header_safe(std::string_view v) {
  std::string out;
  for (char c : v)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

std::string encoded_subject(std::string_view subject) {
  bool ascii = true;
  for (char c : subject) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return header_safe(subject);
  return "=?UTF-8?B?" + base64(header_safe(subject)) + "?=";
}

std::string rfc5322_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

std::string smtp_payload(const outgoing_mail& m) {
  std::string out;
  out += "From: " + header_safe(m.from) + "\r\n";
  out += "To: " + header_safe(m.to) + "\r\n";
  out += "Subject: " + encoded_subject(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(m.date_ms) + "\r\n";
  out += "Message-ID: <" + header_safe(m.message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  std::string_view body = m.body;
  while (!body.empty()) {
    auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with('.')) out += '.';  // dot-stuffing (RFC 5321 4.5.2)
    out.append(line);
    out += "\r\n";
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  out += ".\r\n";
  return out;
}

namespace {

struct reply {
  int code = 0;
  std::string text;  // all lines
};

// One connection's conversation, over the plain stream or, after STARTTLS, the TLS one.
template <class Stream>
class conversation {
 public:
  conversation(Stream& stream, beast::tcp_stream& tcp, std::chrono::milliseconds timeout)
      : stream_(stream), tcp_(tcp), timeout_(timeout) {}

  asio::awaitable<result<reply>> read() {
    reply r;
    for (;;) {
      tcp_.expires_after(timeout_);
      auto [ec, n] = co_await asio::async_read_until(
          stream_, asio::dynamic_buffer(line_buffer_, 64 << 10), "\r\n", use_tuple);
      if (ec) co_return fail(errc::io_error, "SMTP: " + ec.message());
      std::string line = line_buffer_.substr(0, n - 2);
      line_buffer_.erase(0, n);
      if (line.size() < 3) co_return fail(errc::io_error, "SMTP: malformed reply");
      r.code = std::atoi(line.substr(0, 3).c_str());
      r.text += line + "\n";
      if (line.size() == 3 || line[3] == ' ') co_return r;
    }
  }

  asio::awaitable<result<reply>> command(std::string text, int expect_class) {
    tcp_.expires_after(timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(text), use_tuple);
    if (ec) co_return fail(errc::io_error, "SMTP: " + ec.message());
    auto r = co_await read();
    if (!r) co_return r;
    if (r->code / 100 != expect_class) {
      // Never echo AUTH lines: they carry the credentials.
      auto verb = text.substr(0, text.find_first_of(" \r"));
      co_return fail(errc::io_error, fmt::format("SMTP: {} refused: {}", verb, r->text));
    }
    co_return r;
  }

 private:
  Stream& stream_;
  beast::tcp_stream& tcp_;
  std::chrono::milliseconds timeout_;
  std::string line_buffer_;
};

template <class Stream>
asio::awaitable<result<void>> transaction(conversation<Stream>& c, const outgoing_mail& m,
                                          std::string_view data) {
  if (auto r = co_await c.command("MAIL FROM:<" + header_safe(mail_address(m.from)) + ">\r\n", 2);
      !r)
    co_return std::unexpected(r.error());
  if (auto r = co_await c.command("RCPT TO:<" + header_safe(m.to) + ">\r\n", 2); !r)
    co_return std::unexpected(r.error());
  if (auto r = co_await c.command("DATA\r\n", 3); !r) co_return std::unexpected(r.error());
  if (auto r = co_await c.command(std::string(data), 2); !r) co_return std::unexpected(r.error());
  (void)co_await c.command("QUIT\r\n", 2);
  co_return result<void>{};
}

}  // namespace

asio::awaitable<result<void>> smtp_send(const smtp_settings& s, const outgoing_mail& m) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(s.host, s.port, use_tuple);
  if (rec) co_return fail(errc::io_error, "SMTP: cannot resolve " + s.host + ": " + rec.message());
  beast::tcp_stream tcp(ex);
  tcp.expires_after(s.timeout);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, use_tuple);
  if (cec)
    co_return fail(errc::io_error, "SMTP: cannot connect to " + s.host + ": " + cec.message());
  conversation<beast::tcp_stream> plain(tcp, tcp, s.timeout);
  auto payload = smtp_payload(m);
  if (auto r = co_await plain.read(); !r || r->code != 220)
    co_return fail(errc::io_error, r ? "SMTP: greeting refused: " + r->text : r.error().message);
  auto ehlo = co_await plain.command("EHLO marketsim\r\n", 2);
  if (!ehlo) co_return std::unexpected(ehlo.error());
  if (!s.starttls) co_return co_await transaction(plain, m, payload);

  if (ehlo->text.find("STARTTLS") == std::string::npos)
    co_return fail(errc::io_error, "SMTP: the server does not offer STARTTLS");
  if (auto r = co_await plain.command("STARTTLS\r\n", 2); !r) co_return std::unexpected(r.error());
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                      asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                  ec);
  ctx.set_default_verify_paths(ec);
  if (!s.ca_file.empty()) ctx.load_verify_file(s.ca_file, ec);
  if (ec) co_return fail(errc::io_error, "SMTP: TLS setup: " + ec.message());
  asio::ssl::stream<beast::tcp_stream&> tls(tcp, ctx);
  tls.set_verify_mode(asio::ssl::verify_peer);
  tls.set_verify_callback(asio::ssl::host_name_verification(s.host));
  SSL_set_tlsext_host_name(tls.native_handle(), s.host.c_str());
  tcp.expires_after(s.timeout);
  auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (hec) co_return fail(errc::io_error, "SMTP: TLS handshake: " + hec.message());
  conversation<asio::ssl::stream<beast::tcp_stream&>> secure(tls, tcp, s.timeout);
  if (auto r = co_await secure.command("EHLO marketsim\r\n", 2); !r)
    co_return std::unexpected(r.error());
  if (!s.user.empty()) {
    std::string plain_auth;
    plain_auth += '\0';
    plain_auth += s.user;
    plain_auth += '\0';
    plain_auth += s.password;
    if (auto r = co_await secure.command("AUTH PLAIN " + base64(plain_auth) + "\r\n", 2); !r)
      co_return std::unexpected(r.error());
  }
  co_return co_await transaction(secure, m, payload);
}

}  // namespace marketsim::mail
