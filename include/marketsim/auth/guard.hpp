// The request-auth middleware: runs before every API handler on io threads. Resolves the
// session cookie to a principal, enforces the route's access level (401 anonymous, 403 wrong
// role), and on state-changing methods rejects foreign origins and missing or wrong CSRF
// tokens (403) before the handler can change anything.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <set>
#include <string>

#include "marketsim/auth/sessions.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim::auth {

class guard {
 public:
  guard(session_manager& sessions, std::string public_url,
        const std::vector<std::string>& allowed_origins, bool tls);

  [[nodiscard]] boost::asio::awaitable<std::optional<http::response>> before(
      http::request_context& ctx, const http::endpoint& ep);

  // Pure parts, unit-tested.
  [[nodiscard]] static bool is_safe_method(std::string_view method);
  [[nodiscard]] bool origin_allowed(const http::request_context& ctx) const;
  [[nodiscard]] bool csrf_ok(const http::request_context& ctx, const principal* who) const;

 private:
  session_manager& sessions_;
  std::set<std::string, std::less<>> origins_;
  bool tls_;
};

}  // namespace marketsim::auth
