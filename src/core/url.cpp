// Origins and Host headers (see url.hpp). Pure.
#include "marketsim/core/url.hpp"

#include <fmt/format.h>

namespace marketsim {

namespace {

char lower_char(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  // Nearly every path has nothing to decode: copied whole, not a character at a time.
  const std::size_t first = plus_is_space ? text.find_first_of("%+") : text.find('%');
  if (first == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  out.append(text.substr(0, first));
  for (std::size_t i = first; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::uint16_t default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

std::string web_origin::serialize() const {
  if (port == default_port(scheme)) return scheme + "://" + host;
  return fmt::format("{}://{}:{}", scheme, host, port);
}

std::optional<host_port> parse_host(std::string_view value) {
  host_port out;
  std::string_view rest;
  if (value.starts_with('[')) {
    auto close = value.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    for (char c : value.substr(1, close - 1))
      if (!ipv6_char(c)) return std::nullopt;
    out.host = value.substr(0, close + 1);
    rest = value.substr(close + 1);
  } else {
    auto colon = value.find(':');
    auto name = value.substr(0, colon);
    if (name.empty()) return std::nullopt;
    for (char c : name)
      if (!host_char(c)) return std::nullopt;
    out.host = name;
    rest = colon == std::string_view::npos ? std::string_view{} : value.substr(colon);
  }
  for (auto& c : out.host) c = lower_char(c);
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    out.port = parse_port(rest.substr(1));
    if (!out.port) return std::nullopt;
  }
  return out;
}

result<web_origin> parse_origin(std::string_view url, bool allow_path) {
  auto bad = [&](std::string_view why) {
    // A URL with user info may hold a password: not repeated in the message.
    if (url.find('@') != std::string_view::npos)
      return fail(errc::config_malformed, fmt::format("not an origin: {}", why));
    return fail(errc::config_malformed, fmt::format("'{}' is not an origin: {}", url, why));
  };
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("use http://host[:port] or https://host[:port]");
  web_origin o;
  for (char c : url.substr(0, sep)) o.scheme += lower_char(c);
  if (o.scheme != "http" && o.scheme != "https")
    return bad("use http://host[:port] or https://host[:port]");
  auto rest = url.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  auto tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad("no user name or password");
  while (tail.ends_with('/') && tail.find_first_not_of('/') == std::string_view::npos)
    tail.remove_suffix(1);
  if (!tail.empty() && !allow_path) return bad("no path, query or fragment");
  auto hp = parse_host(authority);
  if (!hp) return bad("malformed host or port");
  o.host = std::move(hp->host);
  o.port = hp->port.value_or(default_port(o.scheme));
  return o;
}

}  // namespace marketsim
