// The Host and Origin rules (see origin_policy.hpp). Pure; io threads read it concurrently.
#include "marketsim/auth/origin_policy.hpp"

#include <algorithm>
#include <array>

namespace marketsim::auth {

namespace {

constexpr std::array<std::string_view, 3> loopback_names = {"localhost", "127.0.0.1", "[::1]"};

bool is_loopback_name(std::string_view host) {
  return std::find(loopback_names.begin(), loopback_names.end(), host) != loopback_names.end();
}

}  // namespace

bool is_safe_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

origin_policy::origin_policy(std::string_view public_url,
                             const std::vector<std::string>& allowed_origins, bool tls)
    : tls_(tls) {
  if (auto o = parse_origin(public_url, true)) origins_.push_back(std::move(*o));
  for (const auto& text : allowed_origins)
    if (auto o = parse_origin(text)) origins_.push_back(std::move(*o));
}

bool origin_policy::host_allowed(std::string_view host) const {
  auto hp = parse_host(host);
  if (!hp) return false;
  for (const auto& o : origins_)
    if (hp->host == o.host && hp->port.value_or(default_port(o.scheme)) == o.port) return true;
  std::uint16_t own_default = default_port(tls_ ? "https" : "http");
  return bound_port_ != 0 && is_loopback_name(hp->host) &&
         hp->port.value_or(own_default) == bound_port_;
}

bool origin_policy::origin_allowed(std::string_view origin) const {
  for (const auto& o : origins_)
    if (origin == o.serialize()) return true;
  if (bound_port_ == 0) return false;
  for (auto name : loopback_names) {
    web_origin own{tls_ ? "https" : "http", std::string(name), bound_port_};
    if (origin == own.serialize()) return true;
  }
  return false;
}

std::optional<error> origin_policy::check_host(std::string_view method,
                                               std::optional<std::string_view> host) const {
  if (is_safe_method(method)) return std::nullopt;
  if (host && host_allowed(*host)) return std::nullopt;
  return error{errc::host_rejected,
               "this server does not answer to that Host; requests that change anything must "
               "address it by its public name (MARKETSIM_PUBLIC_URL, MARKETSIM_ALLOWED_ORIGINS)"};
}

}  // namespace marketsim::auth
