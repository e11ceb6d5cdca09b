// What the account handler files share (sign_up_api, sign_in_api, password_api, profile_api,
// and error_reports_api for its rate guard): the two guards of public routes, one against
// guessing (an attempt budget) and one against flooding (a rate limit), each either letting the
// request on or giving the 429 to answer; the answer that starts a session; a new password's
// hash; the shape check of a mailed link's token; and each file's registration. Handlers run on
// io threads; hashes on the hash pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/answers.hpp"

namespace marketsim::api {

// "ip:<client address>": the caller's address as a key of the budgets and limits.
[[nodiscard]] std::string address_key(const http::request_context& ctx);

// The guard against guessing: a slot of `budget` under `key` for this attempt (given back as a
// success unless marked failed), or, when the budget is spent, the 429 too_many_attempts to
// answer, with Retry-After, counted in metrics.throttled.
[[nodiscard]] std::expected<auth::attempt_slot, http::response> take_attempt(
    const account_services& s, const http::request_context& ctx, auth::attempt_budget& budget,
    const std::string& key, std::int64_t now_ms, std::string message);

// The guard against flooding: nothing when `limiter` gives a token to each key (taken in order,
// up to the first without one), else the 429 too_many_requests to answer, with Retry-After.
[[nodiscard]] std::optional<http::response> rate_limited(auth::rate_limiter& limiter,
                                                         std::initializer_list<std::string> keys,
                                                         std::int64_t now_ms,
                                                         const http::request_context& ctx,
                                                         std::string message);

// 200 {"user", "csrf_token"} with the new session's cookie.
[[nodiscard]] http::response signed_in(const account_services& s,
                                       const auth::session_manager::issued& issued);

// argon2id of a new password on `client`'s share of the hash pool, counted when it ran. A full
// pool (busy) and a hashing failure come back alike.
[[nodiscard]] boost::asio::awaitable<result<std::string>> new_password_hash(
    const account_services& s, const std::string& client, const std::string& password);

// A 256-bit token from a mailed link: 43 base64url characters.
[[nodiscard]] bool plausible_link_token(std::string_view token);

// Each file's routes (register_account_routes calls them in this order).
void register_sign_in_routes(http::router& routes, const account_services& s);
void register_sign_up_routes(http::router& routes, const account_services& s);
void register_password_routes(http::router& routes, const account_services& s);
void register_profile_routes(http::router& routes, const account_services& s);

}  // namespace marketsim::api
