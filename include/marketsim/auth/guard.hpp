// The request-auth middleware: runs before every API handler on io threads. Resolves the
// session cookie to a principal, enforces the route's access level (401 anonymous, 403 wrong
// role), and on state-changing methods rejects foreign origins and missing or wrong CSRF
// tokens (403) before the handler can change anything. Routes open to programs also accept an
// API key pair instead of the cookie: no CSRF token then (a browser cannot send those headers
// cross-site without a preflight the server never grants), and a per-key budget a minute; the
// same routes used with a session cookie have a per-player budget a minute of their own.
// Before any routing, screen() applies the Host rule of origin_policy to every request.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "marketsim/auth/api_keys.hpp"
#include "marketsim/auth/origin_policy.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/auth/throttle.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim::auth {

class guard {
 public:
  // `origins` outlives the guard.
  guard(session_manager& sessions, const origin_policy& origins);
  // Enables API keys on the routes that allow them: `per_key` budgets each valid key's requests;
  // `failures` budgets failed key attempts per client address. An address over that budget is
  // refused before any lookup, even with a right key.
  void enable_api_keys(api_key_store& keys, window_limiter& per_key, attempt_budget& failures,
                       wall_clock now);
  // Budgets the API-key routes (/v2) per player when they are used with a session cookie: a
  // script driving a browser session gets the answer a key gets (429 rate_limited, Retry-After
  // and X-RateLimit-*). Needs enable_api_keys (its clock).
  void limit_sessions(window_limiter& per_player);

  [[nodiscard]] boost::asio::awaitable<std::optional<http::response>> before(
      http::request_context& ctx, const http::endpoint& ep);

  // Runs on every request before routing (API or not): a state-changing request to a Host
  // that is not ours (or with no Host, or two) gets 403 host_rejected.
  [[nodiscard]] std::optional<http::response> screen(const http::request_context& ctx) const;

  // Pure parts, unit-tested.
  [[nodiscard]] static bool is_safe_method(std::string_view method);
  [[nodiscard]] bool origin_allowed(const http::request_context& ctx) const;
  [[nodiscard]] bool csrf_ok(const http::request_context& ctx, const principal* who) const;

 private:
  [[nodiscard]] boost::asio::awaitable<std::optional<http::response>> authenticate_key(
      http::request_context& ctx, std::string_view key_id, std::string_view secret);
  // Sets the X-RateLimit-* headers; the 429 answer when the budget is spent.
  [[nodiscard]] std::optional<http::response> budget(http::request_context& ctx,
                                                     const window_limiter::verdict& v,
                                                     std::int64_t now, const char* message) const;

  session_manager& sessions_;
  api_key_store* keys_ = nullptr;
  window_limiter* key_limit_ = nullptr;
  attempt_budget* key_failures_ = nullptr;
  window_limiter* session_limit_ = nullptr;
  wall_clock now_;
  const origin_policy& origins_;
};

}  // namespace marketsim::auth
