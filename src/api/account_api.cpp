// The account endpoints' table (see account_api.hpp and docs/api.md) and what their files share
// (account_route.hpp): the guards of public routes, the answer that starts a session, a new
// password's hash and the check of a mailed link's token. The routes live one file per
// resource: sign_in_api (who am I, sign-in, sign-out), sign_up_api (sign-up, verification),
// password_api (change, reset by mail) and profile_api (the player's own and public profiles).
// io threads; argon2id on the hash pool.
#include "marketsim/api/account_api.hpp"

#include <nlohmann/json.hpp>

#include "marketsim/api/account_route.hpp"
#include "marketsim/auth/identity.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using http::response;

std::string address_key(const request_context& ctx) {
  return "ip:" + ctx.client_address;
}

std::expected<auth::attempt_slot, response> take_attempt(const account_services& s,
                                                         const request_context& ctx,
                                                         auth::attempt_budget& budget,
                                                         const std::string& key,
                                                         std::int64_t now_ms, std::string message) {
  if (auto wait = budget.begin(key, now_ms); wait.count() > 0) {
    ++s.metrics.throttled;
    return std::unexpected(http::with_retry_after(
        error_answer({errc::too_many_attempts, std::move(message)}, ctx), wait));
  }
  return auth::attempt_slot(budget, key);
}

std::optional<response> rate_limited(auth::rate_limiter& limiter,
                                     std::initializer_list<std::string> keys, std::int64_t now_ms,
                                     const request_context& ctx, std::string message) {
  std::chrono::milliseconds wait{0};
  for (const auto& key : keys)
    if (!limiter.allow(key, now_ms, &wait))
      return http::with_retry_after(
          error_answer({errc::too_many_requests, std::move(message)}, ctx), wait);
  return std::nullopt;
}

response signed_in(const account_services& s, const auth::session_manager::issued& issued) {
  auto r = http::json_response(
      200, {{"user", user_json(*issued.who->user, true)}, {"csrf_token", issued.who->csrf_token}});
  r.headers.emplace_back("Set-Cookie", s.sessions.session_cookie(issued.cookie_value));
  return r;
}

asio::awaitable<result<std::string>> new_password_hash(const account_services& s,
                                                       const std::string& client,
                                                       const std::string& password) {
  const auto params = auth::params_for(s.cfg.password_hash);
  auto hashed =
      co_await s.hashes.run(client, [&] { return auth::hash_password(password, params); });
  if (!hashed) co_return std::unexpected(hashed.error());
  ++s.metrics.password_hashes;
  co_return std::move(*hashed);
}

bool plausible_link_token(std::string_view token) {
  auto raw = token.size() <= 64 ? from_base64url(token) : std::nullopt;
  return raw && raw->size() == 32;
}

void register_account_routes(http::router& routes, account_services s) {
  register_sign_in_routes(routes, s);
  register_sign_up_routes(routes, s);
  register_password_routes(routes, s);
  register_profile_routes(routes, s);
}

}  // namespace marketsim::api
