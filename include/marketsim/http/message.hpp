// What a handler sees (request_context) and returns (response), plus the JSON helpers every
// handler uses. Handlers run as coroutines on io threads and must not block.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/core/principal.hpp"
#include "marketsim/http/router.hpp"

namespace marketsim::sse {
class subscriber;
}

namespace marketsim::http {

using query_params = std::map<std::string, std::string, std::less<>>;

// The first value of the header `name` (any case): a scan of the request's few fields, which
// costs less than the fields' own search tree, whose every step compares names case-blind.
[[nodiscard]] std::optional<std::string_view> find_header(const boost::beast::http::fields& fields,
                                                          std::string_view name);
// How many times the header `name` (any case) occurs, by the same scan.
[[nodiscard]] std::size_t count_header(const boost::beast::http::fields& fields,
                                       std::string_view name);

struct request_context {
  std::string method;
  std::string path;  // without the query string, percent-decoded
  std::string raw_query;
  query_params query;
  path_params params;
  const boost::beast::http::fields* headers = nullptr;
  std::string body;
  std::string request_id;
  const std::string* route = nullptr;  // the matched route's pattern (none: static or unrouted)
  // When the request began to be read (steady clock); zero for contexts made up in-process.
  std::chrono::steady_clock::time_point started{};
  std::string remote_address;  // the TCP peer
  std::string client_address;  // the peer, or the client a trusted proxy forwarded for
  // Set by the auth middleware when the request carries a live session.
  std::shared_ptr<const auth::principal> principal;
  bool by_api_key = false;  // the principal came from APCA-API-KEY-ID headers, not a cookie
  // Headers the middleware adds to whatever the handler answers (a rotated session cookie).
  std::vector<std::pair<std::string, std::string>> response_headers;

  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  [[nodiscard]] std::optional<std::string_view> query_value(std::string_view name) const;
};

struct response {
  int status = 200;
  std::string body;
  // A body shared with a cache (the stock list, a page of the web app), sent as it is without a
  // copy per answer; when set it is the answer's body and `body` stays empty.
  std::shared_ptr<const std::string> shared_body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Set by stream handlers: the session switches to Server-Sent Events for this subscriber and
  // calls on_stream_end when the stream is over.
  std::shared_ptr<sse::subscriber> stream;
  std::function<void()> on_stream_end;
  // What went wrong inside, for the server-side error report of a 500; never sent.
  std::string diagnostic;
};

using handler = std::function<boost::asio::awaitable<response>(request_context&)>;

// A route's handler and what it takes to call it; the server checks access (401/403) and, on
// state-changing methods, the Origin and CSRF token before the handler runs.
struct endpoint {
  handler fn;
  auth::access need = auth::access::anyone;
  bool csrf = true;       // only test hooks opt out
  bool api_keys = false;  // programs may call it with an API key (the /v2 routes)

  endpoint() = default;
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, endpoint>)
  endpoint(F&& f, auth::access a = auth::access::anyone) : fn(std::forward<F>(f)), need(a) {}
};
using router = basic_router<endpoint>;

[[nodiscard]] response json_response(int status, const nlohmann::json& body);
// {"code","message","request_id"} with the status http_status(e.code).
[[nodiscard]] response error_response(const error& e, std::string_view request_id);
// Adds Retry-After in whole seconds (at least 1, rounded up).
[[nodiscard]] response with_retry_after(response r, std::chrono::milliseconds wait);
// Short (1-64) and only letters, digits, '-', '_', '.': safe to echo and to store.
[[nodiscard]] bool is_plain_request_id(std::string_view id) noexcept;
// Content-Type must be JSON (415 otherwise) and the body must parse, nested at most
// max_json_depth deep (400 invalid_json).
[[nodiscard]] result<nlohmann::json> parse_json_body(const request_context& ctx);
// Deeper than any body the API takes. Parsing is iterative, but copying, dumping and scrubbing
// a document recurse once per level: a body nested thousands deep would exhaust the stack.
inline constexpr int max_json_depth = 64;
// True when the arrays and objects of `text` nest deeper than `max_depth` (brackets inside
// strings do not count). Checked before parsing, so a refused body costs no document.
[[nodiscard]] bool json_nesting_exceeds(std::string_view text, int max_depth) noexcept;

// "a=1&b=x%20y" → {a:1, b:"x y"}; '+' is a space; a repeated key keeps the first value.
[[nodiscard]] query_params parse_query(std::string_view query);

// The client's address: the peer itself, unless the peer is a trusted proxy, in which case the
// right-most X-Forwarded-For entry that is not a trusted proxy.
[[nodiscard]] std::string client_address(std::string_view peer, std::string_view forwarded_for,
                                         const std::vector<std::string>& trusted_proxies);

}  // namespace marketsim::http
