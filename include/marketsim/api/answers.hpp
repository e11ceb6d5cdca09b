// How every handler of api/ turns its work into an answer. A handler returns an `outcome` (the
// response, or the error that stopped it); `answering` makes it a route handler and gives each
// error the one error answer. `run` does one database step on the pool and flattens what comes
// back: the pool's failure (unavailable, database_error) and the step's own error are one
// result. Templates used by the handlers, on io threads; the steps run on the pool's threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "marketsim/core/error.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim::api {

using outcome = result<http::response>;

// The one mapping from an error to an answer: status http_status(e.code), body
// {"code","message","request_id"} (http::error_response).
[[nodiscard]] http::response error_answer(const error& e, const http::request_context& ctx);
// The response, or the error answer of the error.
[[nodiscard]] http::response answer(outcome&& out, const http::request_context& ctx);
// 204, no body and no content type.
[[nodiscard]] http::response no_content();
// An item of a 207 answer (cancel all, close all): {key: name, "status": 200, "body": body}, or
// for a failed item the status its error answers with and the body {"code","message"}.
[[nodiscard]] nlohmann::json status_item(const char* key, const std::string& name,
                                         nlohmann::json body);
[[nodiscard]] nlohmann::json status_item(const char* key, const std::string& name, const error& e);

// A JSON array of `to_json(row)` for each row.
template <class Rows, class F>
[[nodiscard]] nlohmann::json array_of(const Rows& rows, F to_json) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) out.push_back(to_json(row));
  return out;
}

// `f(ctx) -> awaitable<outcome>` as a route handler. f is kept in the handler, which the router
// owns for the server's life, so f's captures outlive every request.
template <class F>
[[nodiscard]] http::handler answering(F f) {
  return [f = std::move(f)](http::request_context& ctx) -> boost::asio::awaitable<http::response> {
    auto out = co_await f(ctx);
    co_return answer(std::move(out), ctx);
  };
}

namespace detail {
template <class T>
struct flat {
  using type = T;
};
template <class T>
struct flat<result<T>> {
  using type = T;
};
}  // namespace detail

// What `run` answers for a step that returns T: result<T>, or result<U> when T is result<U>.
template <class T>
using step_result = result<typename detail::flat<T>::type>;

// Runs `work(connection&)` on the pool. It returns nothing, a value or a result; pool failures
// and the step's own error come back alike. As with pool.query, `work` should capture by
// reference: the caller awaits it at once, and GCC 12 destroys a temporary inside a co_await
// expression twice, which only trivially destructible captures survive.
template <class F>
[[nodiscard]] boost::asio::awaitable<step_result<std::invoke_result_t<F&, db::connection&>>> run(
    db::pool& pool, F work) {
  using value_t = std::invoke_result_t<F&, db::connection&>;
  if constexpr (std::is_void_v<value_t>) {
    db::job_fn job = std::move(work);
    co_return co_await pool.execute(std::move(job));
  } else {
    auto out = co_await pool.query(std::move(work));
    if (!out) co_return std::unexpected(out.error());
    co_return std::move(*out);
  }
}

// Inside a step: a row the route cannot do without, or the error to answer when it is missing.
template <class T>
[[nodiscard]] result<T> or_fail(std::optional<T> found, errc code, std::string_view message) {
  if (!found) return fail(code, std::string(message));
  return std::move(*found);
}
[[nodiscard]] inline result<void> or_fail(bool done, errc code, std::string_view message) {
  if (!done) return fail(code, std::string(message));
  return {};
}

}  // namespace marketsim::api
