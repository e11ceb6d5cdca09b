// Request-auth middleware (see guard.hpp). io threads.
#include "marketsim/auth/guard.hpp"

#include <spdlog/spdlog.h>

namespace marketsim::auth {

namespace asio = boost::asio;

guard::guard(session_manager& sessions, const origin_policy& origins)
    : sessions_(sessions), origins_(origins) {}

void guard::enable_api_keys(api_key_store& keys, window_limiter& per_key, attempt_budget& failures,
                            wall_clock now) {
  keys_ = &keys;
  key_limit_ = &per_key;
  key_failures_ = &failures;
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
  auto address = "address:" + ctx.client_address;
  auto refused = [&](std::chrono::milliseconds wait) {
    return http::with_retry_after(
        http::error_response(
            {errc::too_many_attempts, "too many invalid API keys from this address; wait"},
            ctx.request_id),
        wait);
  };
  // An address that spent its failure budget is refused before any lookup, right key or not:
  // otherwise a guesser would learn which key is right from the one 200 among the 429s.
  if (auto wait = key_failures_->retry_after(address, now); wait.count() > 0)
    co_return refused(wait);
  auto who = keys_->cached(key_id, secret, now);
  if (!who) {
    // Not a cached right pair: a database lookup, which takes a slot of the address's budget
    // when it starts (given back if the pair is right).
    if (auto wait = key_failures_->begin(address, now); wait.count() > 0) co_return refused(wait);
    attempt_slot slot(*key_failures_, address);
    // Named first: GCC 12 destroys temporaries inside a co_await expression twice.
    std::string id_text(key_id);
    std::string secret_text(secret);
    auto resolved = co_await keys_->resolve(std::move(id_text), std::move(secret_text), now);
    if (!resolved) co_return http::error_response(resolved.error(), ctx.request_id);
    if (!*resolved) {
      slot.fail();
      co_return http::error_response({errc::unauthenticated, "invalid API key"}, ctx.request_id);
    }
    who = std::move(*resolved);
  }
  if (auto denied = limited(key_limit_->take("key:" + std::string(key_id), now))) co_return denied;
  ctx.principal = std::make_shared<const principal>(principal{std::move(who), {}, {}});
  ctx.by_api_key = true;
  co_return std::nullopt;
}

bool guard::is_safe_method(std::string_view method) {
  return auth::is_safe_method(method);
}

std::optional<http::response> guard::screen(const http::request_context& ctx) const {
  std::optional<std::string_view> host = ctx.header("Host");
  // Two Host headers: proxies and we could disagree on which one counts; neither does.
  if (host && http::count_header(*ctx.headers, "Host") > 1) host.reset();
  if (auto refused = origins_.check_host(ctx.method, host))
    return http::error_response(*refused, ctx.request_id);
  return std::nullopt;
}

bool guard::origin_allowed(const http::request_context& ctx) const {
  // Only the configured origins (and our own loopback ones): never "whatever Host the request
  // named", which a DNS rebinding page controls.
  if (auto origin = ctx.header("Origin")) return origins_.origin_allowed(*origin);
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
