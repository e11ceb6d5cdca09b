// The one mapping from an error to an answer (see answers.hpp). Pure; io threads.
#include "marketsim/api/answers.hpp"

#include <nlohmann/json.hpp>

namespace marketsim::api {

http::response error_answer(const error& e, const http::request_context& ctx) {
  return http::error_response(e, ctx.request_id);
}

http::response answer(outcome&& out, const http::request_context& ctx) {
  if (!out) return error_answer(out.error(), ctx);
  return std::move(*out);
}

http::response no_content() {
  http::response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

nlohmann::json status_item(const char* key, const std::string& name, nlohmann::json body) {
  return {{key, name}, {"status", 200}, {"body", std::move(body)}};
}

nlohmann::json status_item(const char* key, const std::string& name, const error& e) {
  return {{key, name},
          {"status", http_status(e.code)},
          {"body", {{"code", code_name(e.code)}, {"message", e.message}}}};
}

}  // namespace marketsim::api
