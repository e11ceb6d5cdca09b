// Request-auth middleware (see guard.hpp). io threads.
#include "marketsim/auth/guard.hpp"

#include <spdlog/spdlog.h>

namespace marketsim::auth {

namespace asio = boost::asio;

guard::guard(session_manager& sessions, std::string public_url,
             const std::vector<std::string>& allowed_origins, bool tls)
    : sessions_(sessions), tls_(tls) {
  origins_.insert(std::move(public_url));
  for (const auto& o : allowed_origins) {
    std::string trimmed = o;
    while (trimmed.ends_with('/')) trimmed.pop_back();
    origins_.insert(std::move(trimmed));
  }
}

void guard::enable_api_keys(api_key_store& keys, window_limiter& per_key, wall_clock now) {
  keys_ = &keys;
  key_limit_ = &per_key;
  now_ = std::move(now);
}

void guard::limit_sessions(window_limiter& per_player) {
  session_limit_ = &per_player;
}

std::optional<http::response> guard::budget(http::request_context& ctx,
                                            const window_limiter::verdict& v, std::int64_t now,
                                            const char* message) const {
  ctx.response_headers.emplace_back("X-RateLimit-Limit", std::to_string(v.limit));
  ctx.response_headers.emplace_back("X-RateLimit-Remaining", std::to_string(v.remaining));
  ctx.response_headers.emplace_back("X-RateLimit-Reset", std::to_string((v.reset_ms + 999) / 1000));
  if (v.allowed) return std::nullopt;
  return http::with_retry_after(http::error_response({errc::rate_limited, message}, ctx.request_id),
                                std::chrono::milliseconds(v.reset_ms - now));
}

asio::awaitable<std::optional<http::response>> guard::authenticate_key(http::request_context& ctx,
                                                                       std::string_view key_id,
                                                                       std::string_view secret) {
  const auto now = now_();
  auto limited = [&](const window_limiter::verdict& v) {
    return budget(ctx, v, now, "too many requests for this API key");
  };
  // Named first: GCC 12 destroys temporaries inside a co_await expression twice.
  std::string id_text(key_id);
  std::string secret_text(secret);
  auto who = co_await keys_->resolve(std::move(id_text), std::move(secret_text), now);
  if (!who) co_return http::error_response(who.error(), ctx.request_id);
  if (!*who) {
    // Guessing keys costs a lookup each: budget the failures per client address.
    if (auto denied = limited(key_limit_->take("address:" + ctx.client_address, now)))
      co_return denied;
    co_return http::error_response({errc::unauthenticated, "invalid API key"}, ctx.request_id);
  }
  if (auto denied = limited(key_limit_->take("key:" + std::string(key_id), now))) co_return denied;
  ctx.principal = std::make_shared<const principal>(principal{std::move(*who), {}, {}});
  ctx.by_api_key = true;
  co_return std::nullopt;
}

bool guard::is_safe_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

bool guard::origin_allowed(const http::request_context& ctx) const {
  if (auto origin = ctx.header("Origin")) {
    if (origins_.contains(*origin)) return true;
    // Same origin as the Host the browser addressed.
    if (auto host = ctx.header("Host")) {
      std::string own = std::string(tls_ ? "https://" : "http://") + std::string(*host);
      return *origin == own;
    }
    return false;
  }
  // No Origin (older browsers on same-origin requests, non-browser clients): fall back on
  // Fetch Metadata when the browser sent it.
  if (auto site = ctx.header("Sec-Fetch-Site")) return *site == "same-origin" || *site == "none";
  return true;
}

bool guard::csrf_ok(const http::request_context& ctx, const principal* who) const {
  auto token = ctx.header("X-CSRF-Token");
  if (!token || token->empty()) return false;
  const auto& sign = sessions_.signatures();
  if (who != nullptr) return sign.check_session_csrf(who->session_hash, *token);
  // Anonymous: signed double-submit, the header must repeat the cookie this browser was given.
  auto cookie = cookie_value(ctx.header("Cookie").value_or(""), sessions_.csrf_cookie_name());
  return cookie && same_bytes(*cookie, *token) && sign.check_anonymous_csrf(*token);
}

asio::awaitable<std::optional<http::response>> guard::before(http::request_context& ctx,
                                                             const http::endpoint& ep) {
  auto deny = [&](errc code, std::string message) -> std::optional<http::response> {
    return http::error_response({code, std::move(message)}, ctx.request_id);
  };
  auto key_id = ctx.header("APCA-API-KEY-ID");
  auto secret = ctx.header("APCA-API-SECRET-KEY");
  if (ep.api_keys && keys_ && (key_id || secret)) {
    if (auto denied = co_await authenticate_key(ctx, key_id.value_or(""), secret.value_or("")))
      co_return denied;
  } else if (auto cookies = ctx.header("Cookie")) {
    auto who = co_await sessions_.resolve(*cookies);
    if (!who) {
      // The database is down: anonymous routes still work, signed-in ones cannot.
      if (ep.need != access::anyone) co_return http::error_response(who.error(), ctx.request_id);
    } else {
      ctx.principal = std::move(who->who);
      if (who->set_cookie) ctx.response_headers.emplace_back("Set-Cookie", *who->set_cookie);
    }
  }
  if (ep.need != access::anyone) {
    if (!ctx.principal) co_return deny(errc::unauthenticated, "sign in first");
    if (ep.need == access::admin && ctx.principal->user->user_role != role::admin)
      co_return deny(errc::forbidden, "this needs an administrator");
  }
  if (ep.api_keys && session_limit_ && now_ && ctx.principal && !ctx.by_api_key) {
    // Per player, not per session: more sign-ins do not buy more requests.
    const auto now = now_();
    auto v = session_limit_->take("user:" + std::to_string(ctx.principal->user->id), now);
    if (auto denied = budget(ctx, v, now, "too many requests for this player; slow down"))
      co_return denied;
  }
  if (!is_safe_method(ctx.method) && ep.csrf && !ctx.by_api_key) {
    if (!origin_allowed(ctx))
      co_return deny(errc::origin_rejected, "cross-site requests may not change anything");
    if (!csrf_ok(ctx, ctx.principal.get()))
      co_return deny(errc::csrf_failed,
                     "missing or wrong X-CSRF-Token header; GET /api/auth/me gives one");
  }
  co_return std::nullopt;
}

}  // namespace marketsim::auth
