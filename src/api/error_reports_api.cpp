// Error reports (the author's item 4.5): the web app posts its uncaught errors and failed
// requests to POST /api/errors, and every 500 the server answers is stored too, with its
// request id, in one table admins read (admin_api.cpp). Secrets are scrubbed before storing.
// io threads; inserts go through the db pool.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/account_route.hpp"
#include "marketsim/api/answers.hpp"
#include "marketsim/core/scrub.hpp"
#include "marketsim/db/account_repo.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
namespace account_repo = db::account_repo;
using http::request_context;
using http::response;
using json = nlohmann::json;

namespace {

constexpr std::size_t max_report_bytes = 16 << 10;

std::string text_field(const json& report, std::string_view key, std::size_t max) {
  auto it = report.find(key);
  if (it == report.end() || !it->is_string()) return {};
  auto s = it->get<std::string>();
  if (s.size() > max) s.resize(max);
  // Cut at a character boundary so the text stays valid UTF-8.
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  return s;
}

asio::awaitable<void> store_server_report(db::pool& pool, std::optional<std::int64_t> user,
                                          std::string page, std::string rid, std::string message,
                                          std::string stored) {
  auto done = co_await run(pool, [&](db::connection& c) {
    (void)account_repo::insert_error_report(c, "server", user, page, rid, message, stored);
  });
  if (!done)
    spdlog::warn("errors: could not store the report of request {}: {}", rid, done.error().message);
}

}  // namespace

void register_error_report_routes(http::router& routes, account_services s) {
  routes.add("POST", "/api/errors",
             answering([s](request_context& ctx) -> asio::awaitable<outcome> {
               if (ctx.body.size() > max_report_bytes)
                 co_return fail(errc::payload_too_large, "an error report may be at most 16 KiB");
               if (auto refused = rate_limited(s.report_limit, {address_key(ctx)}, s.clock.now_ms(),
                                               ctx, "too many error reports"))
                 co_return std::move(*refused);
               auto body = http::parse_json_body(ctx);
               if (!body) co_return std::unexpected(body.error());
               if (!body->is_object())
                 co_return fail(errc::bad_request, "send the report as a JSON object");
               scrub_json(*body);
               auto message = text_field(*body, "message", 2000);
               auto page = text_field(*body, "page", 500);
               auto request_id = text_field(*body, "request_id", 64);
               if (!http::is_plain_request_id(request_id)) request_id.clear();
               std::optional<std::int64_t> user;
               if (ctx.principal) user = ctx.principal->user->id;
               auto stored = body->dump(-1, ' ', false, json::error_handler_t::replace);
               auto id = co_await run(s.pool, [&](db::connection& c) {
                 return account_repo::insert_error_report(c, "client", user, page, request_id,
                                                          message, stored);
               });
               if (!id) co_return std::unexpected(id.error());
               co_return http::json_response(202, {{"id", *id}});
             }));
}

std::function<void(const request_context&, const response&)> server_error_recorder(
    asio::io_context& ioc, db::pool& pool) {
  return [&ioc, &pool](const request_context& ctx, const response& r) {
    if (r.status != 500) return;
    json report{{"status", r.status},
                {"method", ctx.method},
                {"path", ctx.path},
                {"query", scrub_text(ctx.raw_query)},
                {"diagnostic", scrub_text(r.diagnostic)}};
    std::optional<std::int64_t> user;
    if (ctx.principal) user = ctx.principal->user->id;
    auto page = ctx.method + " " + ctx.path;
    auto message = r.diagnostic.empty() ? std::string("internal error") : scrub_text(r.diagnostic);
    asio::co_spawn(
        ioc,
        store_server_report(pool, user, std::move(page), ctx.request_id, std::move(message),
                            report.dump(-1, ' ', false, json::error_handler_t::replace)),
        asio::detached);
  };
}

void register_test_hooks(http::router& routes, account_clock& clock) {
  http::endpoint move_clock{answering([&clock](request_context& ctx) -> asio::awaitable<outcome> {
    auto body = http::parse_json_body(ctx);
    if (!body) co_return std::unexpected(body.error());
    auto it = body->find("advance_ms");
    if (it == body->end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
      co_return fail(errc::bad_request, "advance_ms must be a whole number >= 0");
    clock.advance(std::chrono::milliseconds(it->get<std::int64_t>()));
    co_return http::json_response(200, {{"now_ms", clock.now_ms()}});
  })};
  move_clock.csrf = false;
  routes.add("POST", "/api/test/clock", std::move(move_clock));
  routes.add("GET", "/api/test/crash", [](request_context&) -> asio::awaitable<response> {
    throw std::runtime_error("test crash with password=hunter2 in it");
    co_return response{};
  });
}

}  // namespace marketsim::api
