// GET /api/openapi.json (issue 13): the OpenAPI 3.1 description of every route, built into the
// binary from docs/openapi.json (cmake/embed_openapi.cmake), so it always describes the server
// that answers it. Public, read-only; io threads, no lock: the text is a constant.
#include "marketsim/api/routes.hpp"

namespace marketsim::api {

void register_openapi_routes(http::router& routes) {
  routes.add("GET", "/api/openapi.json",
             [](http::request_context&) -> boost::asio::awaitable<http::response> {
               http::response r;
               r.body = std::string(openapi_document());
               // It changes only with the binary: caches may keep it a few minutes.
               r.headers.emplace_back("Cache-Control", "public, max-age=300");
               co_return r;
             });
}

}  // namespace marketsim::api
