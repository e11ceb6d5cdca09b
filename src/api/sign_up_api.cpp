// Signing up (see account_api.hpp and docs/api.md): registration, which mails a verification
// link (or, for an address that has an account, a warning to its owner) and answers the same
// either way, and the verification that opens the account. io threads; argon2id on the hash
// pool, SQL (and the mail, through the outbox) on the db pool.
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

constexpr std::int64_t verify_link_ms = 24 * 3'600'000;

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

void register_sign_up_routes(http::router& routes, const account_services& s) {
  routes.add("POST", "/api/auth/register",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               auto fields = string_fields(ctx, "email", "password", "user_tag", "display_name");
               if (!fields) co_return std::unexpected(fields.error());
               const auto& [email, password, tag, name] = *fields;
               auto normalized = auth::normalize_email(email);
               if (!normalized) co_return std::unexpected(normalized.error());
               if (auto ok = auth::check_new_user_tag(tag); !ok)
                 co_return std::unexpected(ok.error());
               auto display = auth::normalize_display_name(name);
               if (!display) co_return std::unexpected(display.error());
               if (auto ok = s.policy.check(password); !ok) co_return std::unexpected(ok.error());
               const auto client = address_key(ctx);
               if (auto refused = rate_limited(s.register_limit, {client}, s.clock.now_ms(), ctx,
                                               "too many sign-ups from this address"))
                 co_return std::move(*refused);

               // Hashed whether or not the address is taken, so both answers take as long.
               auto hashed = co_await new_password_hash(s, client, password);
               if (!hashed) co_return std::unexpected(hashed.error());

               auto token = base64url(random_bytes(32));
               account_repo::registration reg;
               reg.email = *normalized;
               reg.user_tag = tag;
               reg.display_name = *display;
               reg.password_hash = *hashed;
               reg.token_hash = sha256(token);
               reg.now_ms = s.clock.now_ms();
               reg.token_expires_ms = reg.now_ms + verify_link_ms;
               reg.pending_expires_ms = reg.now_ms - verify_link_ms;
               reg.verify_mail = verify_mail(s, reg.email, token);
               reg.existing_mail = existing_mail(s, reg.email);
               auto registered = co_await run(s.pool, [&](db::connection& c) {
                 return account_repo::register_account(c, reg);
               });
               if (!registered) co_return std::unexpected(registered.error());
               if (*registered == account_repo::register_outcome::tag_taken)
                 co_return fail(errc::user_tag_taken, "that user tag is taken");
               co_return http::json_response(
                   202, {{"status", "verification_sent"},
                         {"message", "check your email for a link to finish signing up"}});
             }));

  routes.add("POST", "/api/auth/verify",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               auto fields = string_fields(ctx, "token");
               if (!fields) co_return std::unexpected(fields.error());
               const auto& [token] = *fields;
               error bad{errc::invalid_token,
                         "this link is not valid any more; sign up again for a new one"};
               if (!plausible_link_token(token)) co_return std::unexpected(bad);
               auto hash = sha256(token);
               auto now = s.clock.now_ms();
               auto tag = co_await run(s.pool, [&](db::connection& c) {
                 return or_fail(account_repo::verify_email(c, hash, now), bad.code, bad.message);
               });
               if (!tag) co_return std::unexpected(tag.error());
               co_return http::json_response(200, {{"status", "verified"}, {"user_tag", *tag}});
             }));
}

}  // namespace marketsim::api
