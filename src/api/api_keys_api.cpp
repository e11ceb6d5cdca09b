// The player's API keys (/api/account/keys; see account_api.hpp and docs/api.md): list, create
// (the secret is shown once, only its hash is stored) and revoke. Managed from the browser
// session only: a key cannot make more keys. io threads; SQL on the db pool, and a revoked key
// leaves the key cache at once.
#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/core/crypto.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/api_key_repo.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace api_key_repo = db::api_key_repo;
using http::request_context;
using json = nlohmann::json;

void register_api_key_routes(http::router& routes, const settings& cfg, db::pool& pool,
                             auth::api_key_store& keys) {
  constexpr auto user = auth::access::user;

  routes.add("GET", "/api/account/keys",
             {answering([&pool](request_context& ctx) -> asio::awaitable<outcome> {
                const auto user_id = ctx.principal->user->id;
                auto found = co_await run(
                    pool, [&](db::connection& c) { return api_key_repo::list(c, user_id); });
                if (!found) co_return std::unexpected(found.error());
                json out = json::array();
                for (const auto& k : *found)
                  out.push_back({{"id", k.id},
                                 {"key_id", k.key_id},
                                 {"name", k.name},
                                 {"created_at", format_time(k.created_ms)},
                                 {"last_used_at", k.last_used_ms ? json(format_time(k.last_used_ms))
                                                                 : json(nullptr)}});
                co_return http::json_response(200, {{"keys", out}});
              }),
              user});

  const int cap = cfg.max_api_keys;
  const auto too_many = fmt::format("at most {} keys; revoke one first", cap);
  routes.add("POST", "/api/account/keys",
             {answering([&pool, cap, too_many](request_context& ctx) -> asio::awaitable<outcome> {
                auto body = object_body(ctx, {"name"});
                if (!body) co_return std::unexpected(body.error());
                auto name = required_string(*body, "name");
                if (!name) co_return std::unexpected(name.error());
                if (name->empty() || name->size() > 40)
                  co_return fail(errc::bad_request, "name must be 1 to 40 characters");
                const auto user_id = ctx.principal->user->id;
                const auto pair = auth::make_key_pair();
                const auto hash = sha256(pair.secret);
                const auto& key_name = *name;
                auto made = co_await run(pool, [&](db::connection& c) {
                  return or_fail(api_key_repo::create(c, user_id, pair.key_id, hash, key_name, cap),
                                 errc::too_many_api_keys, too_many);
                });
                if (!made) co_return std::unexpected(made.error());
                co_return http::json_response(201, {{"id", made->id},
                                                    {"key_id", pair.key_id},
                                                    {"secret", pair.secret},
                                                    {"name", key_name},
                                                    {"created_at", format_time(made->created_ms)}});
              }),
              user});

  routes.add("DELETE", "/api/account/keys/{id}",
             {answering([&pool, &keys](request_context& ctx) -> asio::awaitable<outcome> {
                constexpr std::string_view no_key = "key not found";
                auto id = parse_int_param(ctx.params.at("id"), 1,
                                          std::numeric_limits<std::int64_t>::max());
                if (!id) co_return fail(errc::not_found, std::string(no_key));
                const auto user_id = ctx.principal->user->id;
                const auto key = *id;
                auto revoked = co_await run(pool, [&](db::connection& c) {
                  return or_fail(api_key_repo::revoke(c, user_id, key), errc::not_found, no_key);
                });
                if (!revoked) co_return std::unexpected(revoked.error());
                keys.evict_key(*revoked);
                co_return no_content();
              }),
              user});
}

}  // namespace marketsim::api
