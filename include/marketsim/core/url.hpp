// The few URL shapes the server reasons about: a site's origin (MARKETSIM_PUBLIC_URL,
// MARKETSIM_ALLOWED_ORIGINS, the Origin header), a Host header, and percent-encoding. Pure;
// any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/core/error.hpp"

namespace marketsim {

struct web_origin {
  std::string scheme;  // "http" or "https"
  std::string host;    // lowercased; an IPv6 address keeps its brackets
  std::uint16_t port = 0;

  // What browsers send as Origin: scheme://host, plus :port unless it is the scheme's default.
  [[nodiscard]] std::string serialize() const;
};

// 80 for http, 443 for https.
[[nodiscard]] std::uint16_t default_port(std::string_view scheme);

// "https://Example.com:443/" → {https, example.com, 443}. Refuses other schemes, user info, a
// missing or malformed host or port, and (unless allow_path) a path, query or fragment; a lone
// trailing '/' is always fine.
[[nodiscard]] result<web_origin> parse_origin(std::string_view url, bool allow_path = false);

struct host_port {
  std::string host;                   // lowercased; IPv6 in brackets
  std::optional<std::uint16_t> port;  // absent: the scheme's default
};
// "%41b+c" → "Ab+c"; with plus_is_space (form encoding: query strings) → "Ab c". A '%' not
// followed by two hex digits stays as it is.
[[nodiscard]] std::string percent_decode(std::string_view text, bool plus_is_space = false);

// A Host header value ("example.com", "Example.com:8080", "[::1]:80"); nullopt when malformed.
[[nodiscard]] std::optional<host_port> parse_host(std::string_view value);

}  // namespace marketsim
