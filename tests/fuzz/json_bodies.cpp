// Fuzz target: every JSON body the API accepts. The first byte picks the kind of body (the
// table below: an order, an order change, a sign-up, ...), the rest is the body, handed to that
// route's real handler with Content-Type application/json and, where the route needs one, a
// signed-in player or admin, exactly as it arrives after the auth guard. So the body goes
// through the same code as in production: api/json_body, http::parse_json_body with its depth
// limit, trading::parse_order_request, the auth identity rules, watchlist and key checks, up to
// the first database step (which answers `unavailable`). Aborts on a 500, on an answer that is
// not JSON, and on an error answer without a code. Add a new body kind at the END of the table
// (the committed corpus names kinds by their index).
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "wiring.hpp"

using namespace marketsim;

namespace {

enum class caller { anyone, player, admin };

struct body_kind {
  const char* name;
  const char* method;
  const char* path;  // a concrete path the route's pattern matches
  caller who;
};

// Append only: the first byte of each corpus file indexes this table.
constexpr body_kind kinds[] = {
    {"order", "POST", "/v2/orders", caller::player},
    {"order_replace", "PATCH", "/v2/orders/61f0c404-5cb3-11e7-907b-a6006ad3dba0", caller::player},
    {"register", "POST", "/api/auth/register", caller::anyone},
    {"login", "POST", "/api/auth/login", caller::anyone},
    {"verify", "POST", "/api/auth/verify", caller::anyone},
    {"password", "POST", "/api/auth/password", caller::player},
    {"profile", "PATCH", "/api/account/profile", caller::player},
    {"watchlist", "POST", "/v2/watchlists", caller::player},
    {"watchlist_replace", "PUT", "/v2/watchlists/3", caller::player},
    {"watchlist_add", "POST", "/v2/watchlists/3", caller::player},
    {"error_report", "POST", "/api/errors", caller::anyone},
    {"admin_role", "POST", "/api/admin/users/7/role", caller::admin},
    {"api_key", "POST", "/api/account/keys", caller::player},
    {"password_reset", "POST", "/api/auth/password-reset", caller::anyone},
    {"password_reset_confirm", "POST", "/api/auth/password-reset/confirm", caller::anyone},
};
constexpr std::size_t kind_count = sizeof kinds / sizeof kinds[0];

void drain(boost::asio::io_context& ioc) {
  for (;;) {
    ioc.restart();
    if (ioc.poll() == 0) break;
  }
}

[[noreturn]] void fail_input(const body_kind& k, const http::response& r, const char* why) {
  std::fprintf(stderr, "fuzz: %s %s (%s): %s: status %d, body %s\n", k.method, k.path, k.name, why,
               r.status, r.body.c_str());
  std::abort();
}

struct json_wiring {
  boost::asio::io_context ioc;
  fuzz::wiring w{ioc};
};

json_wiring& wired() {
  static json_wiring j;
  return j;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  // A stale table (a route renamed) would quietly fuzz a 404: refuse to start instead.
  auto& w = wired().w;
  for (const auto& k : kinds) {
    if (!std::holds_alternative<http::router::match>(w.routes.find(k.method, k.path))) {
      std::fprintf(stderr, "fuzz: body kind %s: no route %s %s\n", k.name, k.method, k.path);
      std::abort();
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const body_kind& kind = kinds[data[0] % kind_count];
  auto& [ioc, w] = wired();
  w.restore();
  auto found = w.routes.find(kind.method, kind.path);
  auto* m = std::get_if<http::router::match>(&found);
  if (m == nullptr) std::abort();  // checked at start-up

  boost::beast::http::fields headers;
  headers.set(boost::beast::http::field::content_type, "application/json");
  http::request_context ctx;
  ctx.method = kind.method;
  ctx.path = kind.path;
  ctx.params = m->params;
  ctx.headers = &headers;
  ctx.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  ctx.request_id = "fuzz";
  ctx.remote_address = ctx.client_address = "127.0.0.1";
  if (kind.who == caller::player) ctx.principal = w.player.who;
  if (kind.who == caller::admin) ctx.principal = w.admin.who;

  std::optional<http::response> answer;
  std::exception_ptr failure;
  boost::asio::co_spawn(ioc, m->handler->fn(ctx), [&](std::exception_ptr e, http::response r) {
    failure = e;
    if (!e) answer = std::move(r);
  });
  drain(ioc);
  if (failure) std::rethrow_exception(failure);
  if (!answer) {
    std::fprintf(stderr, "fuzz: %s: the handler never finished\n", kind.name);
    std::abort();
  }
  const auto& r = *answer;
  static const bool print = std::getenv("MARKETSIM_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "%s: %d %s\n", kind.name, r.status, r.body.c_str());
  if (r.status == 500) fail_input(kind, r, "server error");
  if (r.status == 204) return 0;
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded()) fail_input(kind, r, "answer is not JSON");
  if (r.status >= 400 && !(body.is_object() && body.contains("code")))
    fail_input(kind, r, "error answer without a code");
  return 0;
}
