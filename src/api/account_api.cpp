// Sign-up, verification, sign-in and out, the player's own profile and password, public
// profiles (see account_api.hpp and docs/api.md). io threads; argon2id on the hash pool, SQL on
// the db pool. Sign-in answers a wrong password, an unknown email and a disabled account with
// the same status, body and headers after exactly one argon2id verification each.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_repo.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;
using http::response;
using json = nlohmann::json;

json user_json(const auth::user_record& u, bool with_email) {
  json j{{"id", u.id},
         {"user_tag", u.user_tag},
         {"display_name", u.display_name},
         {"role", auth::role_name(u.user_role)},
         {"public_profile", u.public_profile},
         {"created_at", format_time(u.created_ms)}};
  if (with_email) j["email"] = u.email;
  return j;
}

namespace {

constexpr std::int64_t verify_link_ms = 24 * 3'600'000;

response signed_in(const account_services& s, const auth::session_manager::issued& issued) {
  auto r = http::json_response(
      200, {{"user", user_json(*issued.who->user, true)}, {"csrf_token", issued.who->csrf_token}});
  r.headers.emplace_back("Set-Cookie", s.sessions.session_cookie(issued.cookie_value));
  return r;
}

// No name in the greeting: a repeat sign-up of a pending address sends this too, and its name
// is whatever the repeater typed.
account_repo::mail verify_mail(const account_services& s, const std::string& email,
                               const std::string& token) {
  account_repo::mail m;
  m.to = email;
  m.subject = "Confirm your marketsim account";
  m.body = fmt::format(
      "Hello,\n\nOpen this link to finish signing up to marketsim:\n\n{}/verify/?token={}\n\n"
      "The link works once, for 24 hours. If you did not sign up, ignore this mail and nothing "
      "will happen.\n",
      s.cfg.public_url, token);
  return m;
}

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

// A 256-bit token from a mailed link: 43 base64url characters.
bool plausible_link_token(std::string_view token) {
  auto raw = token.size() <= 64 ? from_base64url(token) : std::nullopt;
  return raw && raw->size() == 32;
}

constexpr std::int64_t reset_link_ms = 3'600'000;

// argon2id of a new password on `client`'s share of the hash pool, counted when it ran. A full
// pool (busy) and a hashing failure come back alike.
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

response too_many_attempts(const account_services& s, const request_context& ctx,
                           std::chrono::milliseconds wait, std::string message) {
  ++s.metrics.throttled;
  return http::with_retry_after(error_answer({errc::too_many_attempts, std::move(message)}, ctx),
                                wait);
}

account_repo::mail existing_mail(const account_services& s, const std::string& email) {
  account_repo::mail m;
  m.to = email;
  m.subject = "Someone tried to sign up with your address";
  m.body = fmt::format(
      "Hello,\n\nSomeone (maybe you) tried to create a marketsim account with this address, "
      "which already has one. Nothing was changed.\n\nIf it was you, sign in at {}/signin/. If "
      "it was not, you can ignore this mail.\n",
      s.cfg.public_url);
  return m;
}

}  // namespace

void register_account_routes(http::router& routes, account_services s) {
  using auth::access;

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
      "POST", "/api/auth/register",
      answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto body = object_body(ctx, {"email", "password", "user_tag", "display_name"});
        if (!body) co_return std::unexpected(body.error());
        auto email = required_string(*body, "email");
        auto password = required_string(*body, "password");
        auto tag = required_string(*body, "user_tag");
        auto name = required_string(*body, "display_name");
        for (auto* f : {&email, &password, &tag, &name})
          if (!*f) co_return std::unexpected(f->error());
        auto normalized = auth::normalize_email(*email);
        if (!normalized) co_return std::unexpected(normalized.error());
        if (auto ok = auth::check_user_tag(*tag); !ok) co_return std::unexpected(ok.error());
        auto display = auth::normalize_display_name(*name);
        if (!display) co_return std::unexpected(display.error());
        if (auto ok = s.policy.check(*password); !ok) co_return std::unexpected(ok.error());
        std::chrono::milliseconds wait{0};
        if (!s.register_limit.allow("ip:" + ctx.client_address, s.clock.now_ms(), &wait))
          co_return http::with_retry_after(
              error_answer({errc::too_many_requests, "too many sign-ups from this address"}, ctx),
              wait);

        // Hashed whether or not the address is taken, so both answers take as long.
        const auto client = "ip:" + ctx.client_address;
        auto hashed = co_await new_password_hash(s, client, *password);
        if (!hashed) co_return std::unexpected(hashed.error());

        auto token = base64url(random_bytes(32));
        account_repo::registration reg;
        reg.email = *normalized;
        reg.user_tag = *tag;
        reg.display_name = *display;
        reg.password_hash = *hashed;
        reg.token_hash = sha256(token);
        reg.now_ms = s.clock.now_ms();
        reg.token_expires_ms = reg.now_ms + verify_link_ms;
        reg.pending_expires_ms = reg.now_ms - verify_link_ms;
        reg.verify_mail = verify_mail(s, reg.email, token);
        reg.existing_mail = existing_mail(s, reg.email);
        auto registered = co_await run(
            s.pool, [&](db::connection& c) { return account_repo::register_account(c, reg); });
        if (!registered) co_return std::unexpected(registered.error());
        if (*registered == account_repo::register_outcome::tag_taken)
          co_return fail(errc::user_tag_taken, "that user tag is taken");
        co_return http::json_response(
            202, {{"status", "verification_sent"},
                  {"message", "check your email for a link to finish signing up"}});
      }));

  routes.add("POST", "/api/auth/verify",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               auto body = object_body(ctx, {"token"});
               if (!body) co_return std::unexpected(body.error());
               auto token = required_string(*body, "token");
               if (!token) co_return std::unexpected(token.error());
               error bad{errc::invalid_token,
                         "this link is not valid any more; sign up again for a new one"};
               if (!plausible_link_token(*token)) co_return std::unexpected(bad);
               auto hash = sha256(*token);
               auto now = s.clock.now_ms();
               auto tag = co_await run(s.pool, [&](db::connection& c) {
                 return or_fail(account_repo::verify_email(c, hash, now), bad.code, bad.message);
               });
               if (!tag) co_return std::unexpected(tag.error());
               co_return http::json_response(200, {{"status", "verified"}, {"user_tag", *tag}});
             }));

  routes.add(
      "POST", "/api/auth/login", answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto body = object_body(ctx, {"email", "password"});
        if (!body) co_return std::unexpected(body.error());
        auto email_field = required_string(*body, "email");
        auto password = required_string(*body, "password");
        if (!email_field) co_return std::unexpected(email_field.error());
        if (!password) co_return std::unexpected(password.error());
        auto now = s.clock.now_ms();
        auto throttled = [&](std::chrono::milliseconds wait) {
          return too_many_attempts(s, ctx, wait,
                                   "too many failed sign-ins; wait before trying again");
        };
        // Every attempt takes its slot in the address's and the account's budgets before anything
        // slow happens, and gives it back only when the password was right: whatever the
        // concurrency, no more verifications run than the budgets allow.
        auto ip_key = "ip:" + ctx.client_address;
        if (auto wait = s.address_throttle.begin(ip_key, now); wait.count() > 0)
          co_return throttled(wait);
        auth::attempt_slot address_slot(s.address_throttle, ip_key);

        auto email = auth::normalize_email(*email_field);
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
        auto account_key = "acct:" + (email ? *email : *email_field);
        auth::attempt_slot account_slot;
        if (!known_device) {
          if (auto wait = s.account_throttle.begin(account_key, now); wait.count() > 0)
            co_return throttled(wait);
          account_slot = auth::attempt_slot(s.account_throttle, account_key);
        }

        const std::string& stored = row ? row->password_hash : s.dummy_hash;
        auto verified =
            co_await s.hashes.run(ip_key, [&] { return auth::verify_password(stored, *password); });
        if (!verified) co_return std::unexpected(verified.error());
        ++s.metrics.password_verifications;
        if (!row || !*verified || row->user.status == auth::user_status::disabled) {
          address_slot.fail();
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
              co_await s.hashes.run(ip_key, [&] { return auth::hash_password(*password, params); });
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
        auto r = signed_in(s, *issued);
        r.headers.emplace_back("Set-Cookie", s.sessions.device_cookie(row->user.id));
        co_return r;
      }));

  routes.add("POST", "/api/auth/logout",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               if (ctx.principal) {
                 auto done = co_await s.sessions.end(ctx.principal->session_hash);
                 if (!done) co_return std::unexpected(done.error());
               }
               response r;
               r.status = 204;
               r.headers.emplace_back("Set-Cookie", s.sessions.clear_session_cookie());
               co_return r;
             }));

  routes.add("POST", "/api/auth/password",
             {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                auto body = object_body(ctx, {"current_password", "new_password"});
                if (!body) co_return std::unexpected(body.error());
                auto current = required_string(*body, "current_password");
                auto next = required_string(*body, "new_password");
                if (!current) co_return std::unexpected(current.error());
                if (!next) co_return std::unexpected(next.error());
                if (auto ok = s.policy.check(*next); !ok) co_return std::unexpected(ok.error());
                auto user_id = ctx.principal->user->id;
                auto now = s.clock.now_ms();
                // A stolen session guessing the current password meets the same budgets as sign-in
                // guesses (the account's is shared with them), and a player's hashes are counted
                // against their own share of the pool, so no one can fill it for everyone else.
                auto throttled = [&](std::chrono::milliseconds wait) {
                  return too_many_attempts(s, ctx, wait,
                                           "too many wrong passwords; wait before trying again");
                };
                auto ip_key = "ip:" + ctx.client_address;
                auto account_key = "acct:" + ctx.principal->user->email;
                if (auto wait = s.address_throttle.begin(ip_key, now); wait.count() > 0)
                  co_return throttled(wait);
                auth::attempt_slot address_slot(s.address_throttle, ip_key);
                if (auto wait = s.account_throttle.begin(account_key, now); wait.count() > 0)
                  co_return throttled(wait);
                auth::attempt_slot account_slot(s.account_throttle, account_key);
                auto client = "user:" + std::to_string(user_id);
                auto row = co_await run(s.pool, [&](db::connection& c) {
                  return or_fail(account_repo::find_user(c, user_id), errc::unauthenticated,
                                 "sign in first");
                });
                if (!row) co_return std::unexpected(row.error());
                auto stored = row->password_hash;
                auto verified = co_await s.hashes.run(
                    client, [&] { return auth::verify_password(stored, *current); });
                if (!verified) co_return std::unexpected(verified.error());
                ++s.metrics.password_verifications;
                if (!*verified) {
                  address_slot.fail();
                  account_slot.fail();
                  co_return fail(errc::invalid_credentials, "the current password is not right");
                }
                s.account_throttle.clear(account_key);
                auto hashed = co_await new_password_hash(s, client, *next);
                if (!hashed) co_return std::unexpected(hashed.error());
                const auto& h = *hashed;
                auto saved = co_await run(s.pool, [&](db::connection& c) {
                  account_repo::update_password(c, user_id, h);
                });
                if (!saved) co_return std::unexpected(saved.error());
                // Every session, this one included, ends; this browser continues on a new one.
                auto ended = co_await s.sessions.end_all(user_id);
                if (!ended) co_return std::unexpected(ended.error());
                auto issued = co_await s.sessions.start(row->user, std::nullopt, false);
                if (!issued) co_return std::unexpected(issued.error());
                co_return signed_in(s, *issued);
              }),
              access::user});

  routes.add(
      "POST", "/api/auth/password-reset",
      answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        auto body = object_body(ctx, {"email"});
        if (!body) co_return std::unexpected(body.error());
        auto email_field = required_string(*body, "email");
        if (!email_field) co_return std::unexpected(email_field.error());
        auto email = auth::normalize_email(*email_field);
        if (!email) co_return std::unexpected(email.error());
        // Per address and per account, whether or not the account exists, so a 429 tells
        // nothing about the address either, and nobody can flood a mailbox.
        auto now = s.clock.now_ms();
        std::chrono::milliseconds wait{0};
        for (const auto& key : {"ip:" + ctx.client_address, "acct:" + *email})
          if (!s.reset_limit.allow(key, now, &wait)) {
            ++s.metrics.throttled;
            co_return http::with_retry_after(
                error_answer({errc::too_many_requests,
                              "too many password resets asked for; wait before asking again"},
                             ctx),
                wait);
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
        auto body = object_body(ctx, {"token", "new_password"});
        if (!body) co_return std::unexpected(body.error());
        auto token = required_string(*body, "token");
        auto next = required_string(*body, "new_password");
        if (!token) co_return std::unexpected(token.error());
        if (!next) co_return std::unexpected(next.error());
        if (auto ok = s.policy.check(*next); !ok) co_return std::unexpected(ok.error());
        // Throttled like sign-in: a wrong token spends the address's budget.
        auto now = s.clock.now_ms();
        auto ip_key = "ip:" + ctx.client_address;
        if (auto wait = s.address_throttle.begin(ip_key, now); wait.count() > 0)
          co_return too_many_attempts(s, ctx, wait,
                                      "too many wrong reset links; wait before trying again");
        auth::attempt_slot address_slot(s.address_throttle, ip_key);
        error bad{errc::invalid_token, "this reset link is not valid any more; ask for a new one"};
        if (!plausible_link_token(*token)) {
          address_slot.fail();
          co_return std::unexpected(bad);
        }
        auto token_hash = sha256(*token);
        // Checked before the slow hash, so bad links cost no argon2id; used in the final
        // transaction, so two racing uses cannot both win.
        auto usable = co_await run(s.pool, [&](db::connection& c) {
          return account_repo::reset_token_usable(c, token_hash, now);
        });
        if (!usable) co_return std::unexpected(usable.error());
        if (!*usable) {
          address_slot.fail();
          co_return std::unexpected(bad);
        }
        auto hashed = co_await new_password_hash(s, ip_key, *next);
        if (!hashed) co_return std::unexpected(hashed.error());
        const auto& h = *hashed;
        auto changed = password_changed_mail(s);
        auto done = co_await run(s.pool, [&](db::connection& c) {
          return account_repo::reset_password(c, token_hash, h, s.clock.now_ms(), changed);
        });
        if (!done) co_return std::unexpected(done.error());
        if (!*done) {
          address_slot.fail();
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

  routes.add("PATCH", "/api/account/profile",
             {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                auto body = object_body(ctx, {"display_name", "public_profile"});
                if (!body) co_return std::unexpected(body.error());
                std::optional<std::string> name;
                std::optional<bool> public_profile;
                if (body->contains("display_name")) {
                  auto raw = required_string(*body, "display_name");
                  if (!raw) co_return std::unexpected(raw.error());
                  auto n = auth::normalize_display_name(*raw);
                  if (!n) co_return std::unexpected(n.error());
                  name = *n;
                }
                if (body->contains("public_profile")) {
                  const auto& v = (*body)["public_profile"];
                  if (!v.is_boolean())
                    co_return fail(errc::bad_request, "public_profile must be true or false");
                  public_profile = v.get<bool>();
                }
                auto id = ctx.principal->user->id;
                auto updated = co_await run(s.pool, [&](db::connection& c) {
                  return or_fail(account_repo::update_profile(c, id, name, public_profile),
                                 errc::unauthenticated, "sign in first");
                });
                if (!updated) co_return std::unexpected(updated.error());
                s.sessions.user_changed(*updated);
                co_return http::json_response(200, {{"user", user_json(*updated, true)}});
              }),
              access::user});

  routes.add(
      "GET", "/api/users/{tag}", answering([s](request_context& ctx) -> asio::awaitable<outcome> {
        const auto& tag = ctx.params.at("tag");
        error none{errc::not_found, "no public profile for " + tag};
        if (!auth::check_user_tag(tag)) co_return std::unexpected(none);
        auto found = co_await run(
            s.pool, [&](db::connection& c) { return account_repo::find_user_by_tag(c, tag); });
        if (!found) co_return std::unexpected(found.error());
        const auto& u = *found;
        if (!u || !u->public_profile || u->status != auth::user_status::active)
          co_return std::unexpected(none);
        co_return http::json_response(200, {{"user_tag", u->user_tag},
                                            {"display_name", u->display_name},
                                            {"member_since", format_time(u->created_ms)}});
      }));
}

}  // namespace marketsim::api
