// Passwords (see account_api.hpp and docs/api.md): a signed-in player's change (the current
// password and the new one; every session ends, this browser continues on a new one), and the
// reset by mail for the player who forgot it: asking for a link, which answers the same for any
// address, and using it, which ends every session and stream and revokes every API key. io
// threads; argon2id on the hash pool, SQL (and the mail, through the outbox) on the db pool.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "marketsim/api/account_route.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/core/crypto.hpp"
#include "marketsim/db/account_repo.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;

namespace {

constexpr std::int64_t reset_link_ms = 3'600'000;

account_repo::mail reset_mail(const account_services& s, const std::string& email,
                              const std::string& token) {
  account_repo::mail m;
  m.to = email;
  m.subject = "Reset your marketsim password";
  m.body = fmt::format(
      "Hello,\n\nSomeone (we hope you) asked to reset the password of the marketsim account of "
      "this address. Open this link to choose a new one:\n\n{}/reset-password/?token={}\n\n"
      "The link works once, for one hour, and setting a new password signs the account out "
      "everywhere. If you did not ask for it, ignore this mail: nothing changes.\n",
      s.cfg.public_url, token);
  return m;
}

account_repo::mail password_changed_mail(const account_services& s) {
  account_repo::mail m;
  m.subject = "Your marketsim password was changed";
  m.body = fmt::format(
      "Hello,\n\nThe password of your marketsim account was just reset with a link mailed to "
      "this address: every session was signed out and every API key revoked. If that was not "
      "you, reset it again at {}/forgot-password/ and tell an administrator.\n",
      s.cfg.public_url);
  return m;
}

}  // namespace

void register_password_routes(http::router& routes, const account_services& s) {
  routes.add(
      "POST", "/api/auth/password",
      {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
         auto fields = string_fields(ctx, "current_password", "new_password");
         if (!fields) co_return std::unexpected(fields.error());
         const auto& [current, next] = *fields;
         if (auto ok = s.policy.check(next); !ok) co_return std::unexpected(ok.error());
         auto user_id = ctx.principal->user->id;
         auto now = s.clock.now_ms();
         // A stolen session guessing the current password meets the same budgets as sign-in
         // guesses (the account's is shared with them), and a player's hashes are counted
         // against their own share of the pool, so no one can fill it for everyone else.
         const std::string throttled = "too many wrong passwords; wait before trying again";
         auto account_key = "acct:" + ctx.principal->user->email;
         auto address_slot =
             take_attempt(s, ctx, s.address_throttle, address_key(ctx), now, throttled);
         if (!address_slot) co_return std::move(address_slot.error());
         auto account_slot = take_attempt(s, ctx, s.account_throttle, account_key, now, throttled);
         if (!account_slot) co_return std::move(account_slot.error());
         auto client = "user:" + std::to_string(user_id);
         auto row = co_await run(s.pool, [&](db::connection& c) {
           return or_fail(account_repo::find_user(c, user_id), errc::unauthenticated,
                          "sign in first");
         });
         if (!row) co_return std::unexpected(row.error());
         auto stored = row->password_hash;
         auto verified =
             co_await s.hashes.run(client, [&] { return auth::verify_password(stored, current); });
         if (!verified) co_return std::unexpected(verified.error());
         ++s.metrics.password_verifications;
         if (!*verified) {
           address_slot->fail();
           account_slot->fail();
           co_return fail(errc::invalid_credentials, "the current password is not right");
         }
         s.account_throttle.clear(account_key);
         auto hashed = co_await new_password_hash(s, client, next);
         if (!hashed) co_return std::unexpected(hashed.error());
         const auto& h = *hashed;
         auto saved = co_await run(
             s.pool, [&](db::connection& c) { account_repo::update_password(c, user_id, h); });
         if (!saved) co_return std::unexpected(saved.error());
         // Every session, this one included, ends; this browser continues on a new one.
         auto ended = co_await s.sessions.end_all(user_id);
         if (!ended) co_return std::unexpected(ended.error());
         auto issued = co_await s.sessions.start(row->user, std::nullopt, false);
         if (!issued) co_return std::unexpected(issued.error());
         co_return signed_in(s, *issued);
       }),
       auth::access::user});

  routes.add("POST", "/api/auth/password-reset",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               auto fields = string_fields(ctx, "email");
               if (!fields) co_return std::unexpected(fields.error());
               auto email = auth::normalize_email((*fields)[0]);
               if (!email) co_return std::unexpected(email.error());
               // Per address and per account, whether or not the account exists, so a 429 tells
               // nothing about the address either, and nobody can flood a mailbox.
               auto now = s.clock.now_ms();
               if (auto refused = rate_limited(
                       s.reset_limit, {address_key(ctx), "acct:" + *email}, now, ctx,
                       "too many password resets asked for; wait before asking again")) {
                 ++s.metrics.throttled;
                 co_return std::move(*refused);
               }
               auto token = base64url(random_bytes(32));
               account_repo::reset_request req;
               req.email = *email;
               req.token_hash = sha256(token);
               req.now_ms = now;
               req.expires_ms = now + reset_link_ms;
               req.reset_mail = reset_mail(s, *email, token);
               auto sent = co_await run(s.pool, [&](db::connection& c) {
                 return account_repo::request_password_reset(c, req);
               });
               if (!sent) co_return std::unexpected(sent.error());
               // The same answer whether or not an account has the address.
               co_return http::json_response(
                   202, {{"status", "reset_sent"},
                         {"message",
                          "if an account uses this address, we mailed it a link to choose a new "
                          "password; the link works once, for one hour"}});
             }));

  routes.add(
      "POST", "/api/auth/password-reset/confirm",
      answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto fields = string_fields(ctx, "token", "new_password");
        if (!fields) co_return std::unexpected(fields.error());
        const auto& [token, next] = *fields;
        if (auto ok = s.policy.check(next); !ok) co_return std::unexpected(ok.error());
        // Throttled like sign-in: a wrong token spends the address's budget.
        auto now = s.clock.now_ms();
        auto ip_key = address_key(ctx);
        auto address_slot = take_attempt(s, ctx, s.address_throttle, ip_key, now,
                                         "too many wrong reset links; wait before trying again");
        if (!address_slot) co_return std::move(address_slot.error());
        error bad{errc::invalid_token, "this reset link is not valid any more; ask for a new one"};
        if (!plausible_link_token(token)) {
          address_slot->fail();
          co_return std::unexpected(bad);
        }
        auto token_hash = sha256(token);
        // Checked before the slow hash, so bad links cost no argon2id; used in the final
        // transaction, so two racing uses cannot both win.
        auto usable = co_await run(s.pool, [&](db::connection& c) {
          return account_repo::reset_token_usable(c, token_hash, now);
        });
        if (!usable) co_return std::unexpected(usable.error());
        if (!*usable) {
          address_slot->fail();
          co_return std::unexpected(bad);
        }
        auto hashed = co_await new_password_hash(s, ip_key, next);
        if (!hashed) co_return std::unexpected(hashed.error());
        const auto& h = *hashed;
        auto changed = password_changed_mail(s);
        auto done = co_await run(s.pool, [&](db::connection& c) {
          return account_repo::reset_password(c, token_hash, h, s.clock.now_ms(), changed);
        });
        if (!done) co_return std::unexpected(done.error());
        if (!*done) {
          address_slot->fail();
          co_return std::unexpected(bad);
        }
        // Every session and open stream of the user ends; the owner proved control of the
        // mailbox, so the account's failed sign-ins are forgiven.
        s.sessions.sessions_ended((*done)->user_id, (*done)->ended_sessions);
        s.account_throttle.clear("acct:" + (*done)->email);
        auto r = http::json_response(
            200, {{"status", "password_reset"},
                  {"revoked_api_keys", (*done)->revoked_keys},
                  {"message",
                   "your password was changed, every session signed out and every "
                   "API key revoked; sign in with the new password"}});
        r.headers.emplace_back("Set-Cookie", s.sessions.clear_session_cookie());
        co_return r;
      }));
}

}  // namespace marketsim::api
