// Which names this server answers to, for DNS rebinding and cross-site defence. The site's
// origins are configured (MARKETSIM_PUBLIC_URL and MARKETSIM_ALLOWED_ORIGINS); the loopback
// names (localhost, 127.0.0.1, [::1]) on the port actually bound are ours as well, so a local
// server on port 0, a health check and `next dev`'s proxy (which addresses 127.0.0.1:<port>)
// keep working. Two rules use it:
//   - Host: a state-changing request (any method but GET, HEAD, OPTIONS; API or not; cookie, API
//     key or anonymous) must address one of these hosts, else 403 host_rejected. A rebinding
//     page's requests carry the attacker's name in Host, whatever address it resolves to.
//   - Origin: when a browser sends one on a state-changing request, it must be one of these
//     origins exactly (the guard's CSRF check); the Host the request names is never trusted.
// Built at start-up; set_bound_port before the io threads run; then read-only on io threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/core/url.hpp"

namespace marketsim::auth {

// GET, HEAD and OPTIONS change nothing; every other method (unknown ones too) may.
[[nodiscard]] bool is_safe_method(std::string_view method);

class origin_policy {
 public:
  // `public_url` and `allowed_origins` as the configuration has them (already validated there;
  // an entry that does not parse is ignored). `tls`: this server speaks HTTPS.
  origin_policy(std::string_view public_url, const std::vector<std::string>& allowed_origins,
                bool tls);
  // The port the listener bound (differs from the configured one with MARKETSIM_PORT=0).
  void set_bound_port(std::uint16_t port) { bound_port_ = port; }

  // A Host header value names this site: a configured origin's host (without a port it means
  // that origin's default port), or a loopback name on the bound port.
  [[nodiscard]] bool host_allowed(std::string_view host) const;
  // An Origin header value is exactly one of ours (browsers send the serialized form).
  [[nodiscard]] bool origin_allowed(std::string_view origin) const;
  // The Host rule for one request: nothing for safe methods and known hosts, else
  // host_rejected. `host` is the Host header, if any.
  [[nodiscard]] std::optional<error> check_host(std::string_view method,
                                                std::optional<std::string_view> host) const;

 private:
  std::vector<web_origin> origins_;
  std::uint16_t bound_port_ = 0;
  bool tls_;
};

}  // namespace marketsim::auth
