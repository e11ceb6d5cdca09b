// Fuzz target: request targets, query strings and the header values the server reads itself.
// The input is a request target ("/v2/orders?symbols=aapl,msft&limit=5"): its path is decoded
// and looked up in the real route table, its query parsed as the server does, and every value
// goes through each parameter reader the handlers use (split_symbols, parse_int_param,
// parse_time, the SSE Last-Event-ID parse). The whole input is also read as a Last-Event-ID,
// X-Forwarded-For, X-Request-Id and Cookie header (cookie_value, the signed session, CSRF and
// device cookies, base64url and hex). Besides sanitizer reports, it aborts when a reader
// breaks its own contract: a number outside the asked range, a time that does not survive
// format_time, a symbol with spaces or lower case, a cookie value that is not from the header.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "marketsim/api/json_body.hpp"
#include "marketsim/auth/tokens.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/core/url.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/sse/event.hpp"
#include "wiring.hpp"

using namespace marketsim;

namespace {

void check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: %s (input %zu bytes: %.*s)\n", what, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void read_value(std::string_view v) {
  for (const auto& sym : api::split_symbols(v)) {
    check(!sym.empty() && sym.front() != ' ' && sym.back() != ' ', "symbol with spaces", v);
    check(sym.find(',') == std::string::npos, "symbol with a comma", v);
    for (char c : sym) check(!(c >= 'a' && c <= 'z'), "symbol not upper case", v);
  }
  if (auto n = api::parse_int_param(v, 1, 500)) check(*n >= 1 && *n <= 500, "int out of range", v);
  if (auto n = api::parse_int_param(v, INT64_MIN, INT64_MAX))
    check(!v.empty() && v.front() != '+' && v.front() != ' ', "int from a non-number", v);
  if (auto t = parse_time(v)) {
    // Years 0001-9999 print back as ISO 8601 and must read back as the same instant.
    if (*t > -62135596800000 && *t < 253402300800000)
      check(parse_time(format_time(*t)) == *t, "time does not round-trip", v);
  }
  if (auto id = sse::parse_last_event_id(v)) check(*id >= 0, "negative Last-Event-ID", v);
}

const fuzz::wiring& routes_only() {
  static boost::asio::io_context ioc;
  static const fuzz::wiring w(ioc);
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  (void)routes_only();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& w = routes_only();

  // As the server splits a request target.
  auto qmark = input.find('?');
  auto path = percent_decode(input.substr(0, qmark));
  check(path.size() <= input.size(), "decoding grew the path", input);
  for (std::string_view method : {"GET", "POST", "DELETE"}) {
    auto found = w.routes.find(method, path);
    if (auto* m = std::get_if<http::router::match>(&found))
      for (const auto& [name, value] : m->params)
        check(!value.empty(), "empty path parameter", input);
  }
  (void)w.routes.has_path(path);
  auto query = qmark == std::string_view::npos ? std::string_view{} : input.substr(qmark + 1);
  for (const auto& [key, value] : http::parse_query(query)) {
    check(value.size() <= query.size(), "decoding grew a value", input);
    read_value(key);
    read_value(value);
  }
  read_value(input);

  // The same bytes as the header values the server reads before any handler.
  auto client = http::client_address("127.0.0.1", input, {"127.0.0.1", "10.0.0.1"});
  check(client == "127.0.0.1" || (client.size() <= 64 && input.find(client) != input.npos),
        "client address not from X-Forwarded-For", input);
  check(http::is_plain_request_id(http::choose_request_id(input)), "request id not plain", input);

  for (std::string_view name : {"ms_session", "ms_csrf", "ms_device"}) {
    auto value = auth::cookie_value(input, name);
    if (!value) continue;
    check(within(*value, input), "cookie value not from the header", input);
    (void)w.sign.open_session_cookie(*value);
    (void)w.sign.check_anonymous_csrf(*value);
    (void)w.sign.open_device_cookie(*value);
    (void)w.sessions.session_hash_of(input);
  }
  (void)w.sign.check_session_csrf(std::string(32, 'p'), input);
  if (auto raw = from_base64url(input))
    check(base64url(*raw).size() <= input.size(), "base64url grew", input);
  if (auto raw = from_hex(input)) check(raw->size() * 2 == input.size(), "hex size", input);
  return 0;
}
