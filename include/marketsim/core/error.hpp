// The one enum of failure causes and the result type every fallible path returns.
// Pure: used from every thread; no I/O here.
#pragma once
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace marketsim {

enum class errc {
  bad_request,             // 400: malformed parameters
  invalid_json,            // 400: body is not valid JSON
  invalid_range,           // 400: from/to or interval not acceptable
  not_found,               // 404
  method_not_allowed,      // 405
  payload_too_large,       // 413
  headers_too_large,       // 431
  unsupported_media_type,  // 415
  too_many_requests,       // 429
  unavailable,             // 503: a dependency (the database) is down
  too_many_streams,        // 503: the SSE stream cap is reached
  internal,                // 500: a bug
  // accounts
  invalid_email,         // 400
  invalid_user_tag,      // 400
  invalid_display_name,  // 400
  password_policy,       // 400: too short, too long or too common
  invalid_token,         // 400: unknown, used or expired email link
  user_tag_taken,        // 409
  unauthenticated,       // 401: no valid session
  invalid_credentials,   // 401: wrong email or password (deliberately vague)
  forbidden,             // 403: signed in, but the role does not allow it
  csrf_failed,           // 403: missing or wrong CSRF token
  origin_rejected,       // 403: a cross-site request
  email_not_verified,    // 403: right password, address not verified yet
  too_many_attempts,     // 429: login throttling
  busy,                  // 503: the password hashing pool is full
  // trading
  unprocessable,              // 422: a field is wrong for this order, or it is not open
  client_order_id_conflict,   // 422: a client_order_id reused with different fields
  insufficient_buying_power,  // 403
  insufficient_qty,           // 403: selling more than the free shares
  symbol_halted,              // 403: an administrator halted the symbol
  rate_limited,               // 429: an API key's request budget is spent
  // budgets (each has a MARKETSIM_* key; see docs/security.md)
  too_many_open_orders,  // 403: the account's open-order cap is reached
  too_many_watchlists,   // 403: the player's watchlist cap is reached
  watchlist_full,        // 403: a watchlist holds the most symbols allowed
  too_many_api_keys,     // 403: the player's API-key cap is reached
  too_many_rules,        // 403: the player's trading-rule cap is reached
  stream_limit,          // 429: too many open streams from one address or one player
  too_many_connections,  // 503: the server-wide connection cap is reached
  conflict,              // 409: a unique value already taken (never retried)
  host_rejected,         // 403: a state-changing request to a Host we do not serve
  // start-up and configuration
  config_missing,
  config_duplicate,
  config_malformed,
  config_unknown_key,
  // data and I/O
  io_error,
  parse_error,
  database_error,
  migration_changed,
  migration_failed,
};

struct error {
  errc code;
  std::string message;
};

template <class T>
using result = std::expected<T, error>;

[[nodiscard]] inline std::unexpected<error> fail(errc code, std::string message) {
  return std::unexpected<error>(error{code, std::move(message)});
}

// Stable machine-readable name, used as the "code" field of JSON errors.
[[nodiscard]] std::string_view code_name(errc code) noexcept;
// The HTTP status a cause maps to (500 for causes that should never reach a client).
[[nodiscard]] int http_status(errc code) noexcept;

}  // namespace marketsim
