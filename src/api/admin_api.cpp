// Admin endpoints (see account_api.hpp and docs/api.md): users, the outbox, error reports,
// trading halts, metrics. Every route here needs the admin role; the guard checks it before the
// handler runs. io threads; SQL on the db pool.
#include <nlohmann/json.hpp>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/account_repo.hpp"
#include "marketsim/db/integrity.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;
using http::response;
using json = nlohmann::json;

namespace {

json admin_user_json(const auth::user_record& u) {
  auto j = user_json(u, true);
  j["status"] = auth::status_name(u.status);
  j["last_login_at"] = u.last_login_ms ? json(format_time(u.last_login_ms)) : json(nullptr);
  return j;
}

// ?limit= (1..200, default 50) and a cursor parameter; 400 on anything else.
result<std::pair<int, std::int64_t>> page_params(const request_context& ctx,
                                                 std::string_view cursor,
                                                 std::int64_t cursor_default) {
  int limit = 50;
  std::int64_t at = cursor_default;
  if (auto l = ctx.query_value("limit")) {
    auto v = parse_int_param(*l, 1, 200);
    if (!v) return fail(errc::bad_request, "limit must be 1 to 200");
    limit = static_cast<int>(*v);
  }
  if (auto c = ctx.query_value(cursor)) {
    auto v = parse_int_param(*c, 0, INT64_MAX);
    if (!v) return fail(errc::bad_request, std::string(cursor) + " must be a record id");
    at = *v;
  }
  return std::pair{limit, at};
}

constexpr std::string_view no_user = "no such user";

result<std::int64_t> user_id_param(const request_context& ctx) {
  auto v = parse_int_param(ctx.params.at("id"), 1, INT64_MAX);
  if (!v) return fail(errc::not_found, std::string(no_user));
  return *v;
}

}  // namespace

void register_admin_routes(http::router& routes, account_services s) {
  constexpr auto admin = auth::access::admin;

  routes.add("GET", "/api/admin/users",
             {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                auto page = page_params(ctx, "after", 0);
                if (!page) co_return std::unexpected(page.error());
                std::string q(ctx.query_value("q").value_or(""));
                if (q.size() > 200) co_return fail(errc::bad_request, "q is too long");
                auto found = co_await run(s.pool, [&](db::connection& c) {
                  return account_repo::list_users(c, q, page->first, page->second);
                });
                if (!found) co_return std::unexpected(found.error());
                json users = json::array();
                for (const auto& u : found->users) users.push_back(admin_user_json(u));
                co_return http::json_response(
                    200, {{"users", std::move(users)},
                          {"next", found->next ? json(*found->next) : json(nullptr)}});
              }),
              admin});

  auto set_status = [s](auth::user_status status) {
    return answering([s, status](request_context& ctx) -> asio::awaitable<outcome> {
      auto id = user_id_param(ctx);
      if (!id) co_return std::unexpected(id.error());
      if (*id == ctx.principal->user->id && status == auth::user_status::disabled)
        co_return fail(errc::bad_request, "you cannot disable yourself");
      auto updated = co_await run(s.pool, [&](db::connection& c) {
        return or_fail(account_repo::set_status(c, *id, status), errc::not_found, no_user);
      });
      if (!updated) co_return std::unexpected(updated.error());
      if (status == auth::user_status::disabled) {
        // Every session and stream of the user ends now, not at their next request.
        auto ended = co_await s.sessions.end_all(*id);
        if (!ended) co_return std::unexpected(ended.error());
      }
      s.sessions.user_changed(*updated);
      co_return http::json_response(200, {{"user", admin_user_json(*updated)}});
    });
  };
  routes.add("POST", "/api/admin/users/{id}/disable",
             {set_status(auth::user_status::disabled), admin});
  routes.add("POST", "/api/admin/users/{id}/enable",
             {set_status(auth::user_status::active), admin});

  routes.add("POST", "/api/admin/users/{id}/role",
             {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                auto id = user_id_param(ctx);
                if (!id) co_return std::unexpected(id.error());
                auto body = object_body(ctx, {"role"});
                if (!body) co_return std::unexpected(body.error());
                auto text = required_string(*body, "role");
                if (!text) co_return std::unexpected(text.error());
                auto role = auth::parse_role(*text);
                if (!role) co_return fail(errc::bad_request, "role must be user or admin");
                if (*id == ctx.principal->user->id)
                  co_return fail(errc::bad_request,
                                 "ask another administrator to change your own role");
                auto updated = co_await run(s.pool, [&](db::connection& c) {
                  return or_fail(account_repo::set_role(c, *id, *role), errc::not_found, no_user);
                });
                if (!updated) co_return std::unexpected(updated.error());
                s.sessions.user_changed(*updated);
                co_return http::json_response(200, {{"user", admin_user_json(*updated)}});
              }),
              admin});

  routes.add("GET", "/api/admin/outbox",
             {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
                auto page = page_params(ctx, "before", INT64_MAX);
                if (!page) co_return std::unexpected(page.error());
                auto found = co_await run(s.pool, [&](db::connection& c) {
                  return account_repo::list_outbox(c, page->first, page->second);
                });
                if (!found) co_return std::unexpected(found.error());
                json list = json::array();
                for (const auto& m : *found)
                  list.push_back(
                      {{"id", m.id},
                       {"to", m.to},
                       {"subject", m.subject},
                       {"body", m.body},
                       {"created_at", format_time(m.created_ms)},
                       {"sent_at", m.sent_ms ? json(format_time(m.sent_ms)) : json(nullptr)},
                       {"attempts", m.attempts},
                       {"last_error", m.last_error.empty() ? json(nullptr) : json(m.last_error)}});
                json next = static_cast<int>(found->size()) == page->first && !found->empty()
                                ? json(found->back().id)
                                : json(nullptr);
                co_return http::json_response(200, {{"messages", std::move(list)}, {"next", next}});
              }),
              admin});

  routes.add(
      "GET", "/api/admin/errors",
      {answering([s](request_context& ctx) -> asio::awaitable<outcome> {
         auto page = page_params(ctx, "before", INT64_MAX);
         if (!page) co_return std::unexpected(page.error());
         std::string source(ctx.query_value("source").value_or(""));
         if (!source.empty() && source != "client" && source != "server")
           co_return fail(errc::bad_request, "source must be client or server");
         std::string q(ctx.query_value("q").value_or(""));
         if (q.size() > 200) co_return fail(errc::bad_request, "q is too long");
         auto found = co_await run(s.pool, [&](db::connection& c) {
           return account_repo::list_error_reports(c, source, q, page->first, page->second);
         });
         if (!found) co_return std::unexpected(found.error());
         json list = json::array();
         for (const auto& e : *found)
           list.push_back({{"id", e.id},
                           {"created_at", format_time(e.created_ms)},
                           {"source", e.source},
                           {"user_tag", e.user_tag.empty() ? json(nullptr) : json(e.user_tag)},
                           {"page", e.page},
                           {"request_id", e.request_id},
                           {"message", e.message},
                           {"report", json::parse(e.report_json, nullptr, false)}});
         json next = static_cast<int>(found->size()) == page->first && !found->empty()
                         ? json(found->back().id)
                         : json(nullptr);
         co_return http::json_response(200, {{"reports", std::move(list)}, {"next", next}});
       }),
       admin});

  // The integrity scan's flags (db/integrity.hpp), newest first: who, what, and the evidence.
  routes.add("GET", "/api/admin/flags",
             {answering([s](request_context&) -> asio::awaitable<outcome> {
                auto found = co_await run(s.pool, [&](db::connection& c) {
                  return db::integrity_repo::read_flags(c, 500);
                });
                if (!found) co_return std::unexpected(found.error());
                json list = json::array();
                for (const auto& f : *found)
                  list.push_back({{"account_id", f.account_id},
                                  {"user_id", f.user_id},
                                  {"user_tag", f.user_tag},
                                  {"display_name", f.display_name},
                                  {"kind", f.kind},
                                  {"detail", json::parse(f.detail, nullptr, false)},
                                  {"first_seen", format_time(f.first_seen_ms)},
                                  {"updated_at", format_time(f.updated_ms)}});
                co_return http::json_response(200, {{"flags", std::move(list)}});
              }),
              admin});

  auto set_halt = [s](bool halted) {
    return answering([s, halted](request_context& ctx) -> asio::awaitable<outcome> {
      auto symbol = upper_ascii(ctx.params.at("symbol"));
      const auto unknown = "unknown symbol " + symbol;
      auto found = co_await run(s.pool, [&](db::connection& c) {
        return or_fail(account_repo::set_halted(c, symbol, halted), errc::not_found, unknown);
      });
      if (!found) co_return std::unexpected(found.error());
      s.halts.set(symbol, halted);
      co_return http::json_response(200, {{"symbol", symbol}, {"halted", halted}});
    });
  };
  routes.add("POST", "/api/admin/symbols/{symbol}/halt", {set_halt(true), admin});
  routes.add("POST", "/api/admin/symbols/{symbol}/resume", {set_halt(false), admin});

  routes.add("GET", "/api/admin/runtime",
             {[s](request_context&) -> asio::awaitable<response> {
                if (!s.runtime)
                  co_return http::error_response(
                      {errc::unavailable, "the runtime view is not running"}, "");
                co_return http::json_response(200, s.runtime());
              },
              admin});
  routes.add("GET", "/api/admin/metrics",
             {[s](request_context&) -> asio::awaitable<response> {
                auto h = s.hashes.snapshot();
                co_return http::json_response(
                    200, {{"password_verifications", s.metrics.password_verifications.load()},
                          {"password_hashes", s.metrics.password_hashes.load()},
                          {"hash_pool",
                           {{"threads", h.threads},
                            {"queued", h.queued},
                            {"in_flight", h.in_flight},
                            {"peak_in_flight", h.peak_in_flight},
                            {"rejected", h.rejected},
                            {"over_share", h.over_share}}},
                          {"throttled", s.metrics.throttled.load()},
                          {"sessions_cached", s.sessions.cached()},
                          {"db_jobs", s.pool.jobs_run()}});
              },
              admin});
}

}  // namespace marketsim::api
