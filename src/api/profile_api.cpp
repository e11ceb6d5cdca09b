// Profiles (see account_api.hpp and docs/api.md): a user as JSON (the email only for the user
// and admins) and the signed-in player's own profile (display name, public or not). The public
// profile that the switch publishes is public_profile_api.cpp's. io threads; SQL on the db pool.
#include <nlohmann/json.hpp>

#include "marketsim/api/account_route.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_repo.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;
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

void register_profile_routes(http::router& routes, const account_services& s) {
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
              auth::access::user});
}

}  // namespace marketsim::api
