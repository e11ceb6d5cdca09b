// Signing in and out (see account_api.hpp and docs/api.md): who the session is (with a CSRF
// token even for the anonymous), sign-in with an email and password, sign-out. Sign-in answers a
// wrong password, an unknown email and a disabled account with the same status, body and headers
// after exactly one argon2id verification each. io threads; argon2id on the hash pool, SQL on
// the db pool.
#include <nlohmann/json.hpp>

#include "marketsim/api/account_route.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/auth/tokens.hpp"
#include "marketsim/db/account_repo.hpp"
#include "marketsim/db/integrity.hpp"
#include "marketsim/db/visits.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;
using http::response;

void register_sign_in_routes(http::router& routes, const account_services& s) {
  routes.add("GET", "/api/auth/me", [s](request_context& ctx) -> asio::awaitable<response> {
    if (ctx.principal)
      co_return http::json_response(200, {{"user", user_json(*ctx.principal->user, true)},
                                          {"csrf_token", ctx.principal->csrf_token}});
    // Anonymous: keep this browser's double-submit token while it is valid.
    const auto& sign = s.sessions.signatures();
    auto cookie =
        auth::cookie_value(ctx.header("Cookie").value_or(""), s.sessions.csrf_cookie_name());
    std::string token =
        cookie && sign.check_anonymous_csrf(*cookie) ? std::string(*cookie) : sign.anonymous_csrf();
    auto r = http::json_response(200, {{"user", nullptr}, {"csrf_token", token}});
    r.headers.emplace_back("Set-Cookie", s.sessions.csrf_cookie(token));
    co_return r;
  });

  routes.add(
      "POST", "/api/auth/login", answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto fields = string_fields(ctx, "email", "password");
        if (!fields) co_return std::unexpected(fields.error());
        const auto& [email_field, password] = *fields;
        auto now = s.clock.now_ms();
        const std::string throttled = "too many failed sign-ins; wait before trying again";
        // Every attempt takes its slot in the address's and the account's budgets before anything
        // slow happens, and gives it back only when the password was right: whatever the
        // concurrency, no more verifications run than the budgets allow.
        auto ip_key = address_key(ctx);
        auto address_slot = take_attempt(s, ctx, s.address_throttle, ip_key, now, throttled);
        if (!address_slot) co_return std::move(address_slot.error());

        auto email = auth::normalize_email(email_field);
        std::optional<account_repo::user_row> row;
        if (email) {
          auto found = co_await run(s.pool, [&](db::connection& c) {
            return account_repo::find_user_by_email(c, *email);
          });
          if (!found) co_return std::unexpected(found.error());
          row = std::move(*found);
        }
        // A browser that signed in to this account before is not held back by guesses from
        // elsewhere (OWASP's device cookies); everyone else shares the per-account budget.
        bool known_device = false;
        if (row)
          if (auto dev = auth::cookie_value(ctx.header("Cookie").value_or(""),
                                            s.sessions.device_cookie_name()))
            known_device = s.sessions.signatures().open_device_cookie(*dev) == row->user.id;
        auto account_key = "acct:" + (email ? *email : email_field);
        auth::attempt_slot account_slot;
        if (!known_device) {
          auto taken = take_attempt(s, ctx, s.account_throttle, account_key, now, throttled);
          if (!taken) co_return std::move(taken.error());
          account_slot = std::move(*taken);
        }

        const std::string& stored = row ? row->password_hash : s.dummy_hash;
        auto verified =
            co_await s.hashes.run(ip_key, [&] { return auth::verify_password(stored, password); });
        if (!verified) co_return std::unexpected(verified.error());
        ++s.metrics.password_verifications;
        if (!row || !*verified || row->user.status == auth::user_status::disabled) {
          address_slot->fail();
          account_slot.fail();
          co_return fail(errc::invalid_credentials, "wrong email or password");
        }
        if (row->user.status == auth::user_status::pending)
          co_return fail(errc::email_not_verified,
                         "confirm your email address first: open the link we mailed you");
        // The right password from elsewhere forgives the account's failures. From the owner's known
        // browser it does not: that path skips the budget anyway, and forgiving there would hand a
        // guesser a fresh budget every time the owner signs in.
        if (!known_device) s.account_throttle.clear(account_key);

        auto params = auth::params_for(s.cfg.password_hash);
        if (auth::needs_rehash(row->password_hash, params)) {
          // Stronger parameters than when this hash was made: upgrade it now, while we know the
          // password. A failure here only postpones the upgrade.
          auto rehashed =
              co_await s.hashes.run(ip_key, [&] { return auth::hash_password(password, params); });
          ++s.metrics.password_hashes;
          if (rehashed && *rehashed) {
            auto id = row->user.id;
            auto h = **rehashed;
            (void)co_await run(s.pool,
                               [&](db::connection& c) { account_repo::update_password(c, id, h); });
          }
        }
        auto replaced = s.sessions.session_hash_of(ctx.header("Cookie").value_or(""));
        auto issued = co_await s.sessions.start(row->user, replaced, true);
        if (!issued) co_return std::unexpected(issued.error());
        // For the shared-address flag (db/integrity.hpp). A failure here costs only the flag.
        const auto user_id = row->user.id;
        (void)co_await run(s.pool, [&](db::connection& c) {
          db::integrity_repo::record_address(c, user_id, ctx.client_address);
        });
        auto r = signed_in(s, *issued);
        r.headers.emplace_back("Set-Cookie", s.sessions.device_cookie(row->user.id));
        co_return r;
      }));

  routes.add("POST", "/api/auth/logout",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               if (ctx.principal) {
                 // Signing out ends the player's visit exactly, not to the minute; a failure
                 // here only leaves the end a minute early.
                 const auto user_id = ctx.principal->user->id;
                 const auto now = s.clock.now_ms();
                 (void)co_await run(s.pool, [&](db::connection& c) {
                   return db::visit_repo::note_activity(c, user_id, now, true);
                 });
                 auto done = co_await s.sessions.end(ctx.principal->session_hash);
                 if (!done) co_return std::unexpected(done.error());
               }
               response r;
               r.status = 204;
               r.headers.emplace_back("Set-Cookie", s.sessions.clear_session_cookie());
               co_return r;
             }));
}

}  // namespace marketsim::api
