// Request/response helpers (see message.hpp). Pure; any io thread.
#include "marketsim/http/message.hpp"

#include <nlohmann/json.hpp>

#include "marketsim/core/url.hpp"

namespace marketsim::http {

std::optional<std::string_view> find_header(const boost::beast::http::fields& fields,
                                            std::string_view name) {
  for (const auto& f : fields) {
    auto n = f.name_string();
    if (n.size() == name.size() && boost::beast::iequals(n, name)) return f.value();
  }
  return std::nullopt;
}

std::size_t count_header(const boost::beast::http::fields& fields, std::string_view name) {
  std::size_t count = 0;
  for (const auto& f : fields) {
    auto n = f.name_string();
    if (n.size() == name.size() && boost::beast::iequals(n, name)) ++count;
  }
  return count;
}

std::optional<std::string_view> request_context::header(std::string_view name) const {
  if (headers == nullptr) return std::nullopt;
  return find_header(*headers, name);
}

std::optional<std::string_view> request_context::query_value(std::string_view name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

response json_response(int status, const nlohmann::json& body) {
  response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

response error_response(const error& e, std::string_view request_id) {
  auto r = json_response(
      http_status(e.code),
      {{"code", code_name(e.code)}, {"message", e.message}, {"request_id", request_id}});
  // A full hashing queue (or one client's share of it) drains within a second or two: tell
  // clients when to come back. Callers that know better replace it with with_retry_after.
  if (e.code == errc::busy || e.code == errc::too_many_requests)
    return with_retry_after(std::move(r), std::chrono::seconds(1));
  return r;
}

response with_retry_after(response r, std::chrono::milliseconds wait) {
  auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Retry-After"; });
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

bool is_plain_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

result<nlohmann::json> parse_json_body(const request_context& ctx) {
  auto type = ctx.header("Content-Type").value_or("");
  auto semi = type.find(';');
  auto base = type.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lower(base);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "application/json")
    return fail(errc::unsupported_media_type, "send the body as application/json");
  if (json_nesting_exceeds(ctx.body, max_json_depth))
    return fail(errc::invalid_json, "the request body nests arrays or objects more than " +
                                        std::to_string(max_json_depth) + " levels deep");
  auto parsed = nlohmann::json::parse(ctx.body, nullptr, false);
  if (parsed.is_discarded()) return fail(errc::invalid_json, "the request body is not valid JSON");
  return parsed;
}

bool json_nesting_exceeds(std::string_view text, int max_depth) noexcept {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

query_params parse_query(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      out.try_emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  auto trusted = [&](std::string_view a) {
    for (const auto& t : trusted_proxies)
      if (t == a) return true;
    return false;
  };
  if (!trusted(peer) || forwarded_for.empty()) return std::string(peer);
  // Walk from the right: each trusted hop vouches for the one before it.
  std::string candidate(peer);
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    auto part = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty() || part.size() > 64) break;
    candidate = std::string(part);
    if (!trusted(part)) break;
  }
  return candidate;
}

}  // namespace marketsim::http
