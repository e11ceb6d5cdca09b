// Strict JSON body reading (see json_body.hpp). Pure.
#include "marketsim/api/json_body.hpp"

#include <fmt/format.h>

#include <charconv>

namespace marketsim::api {

result<nlohmann::json> object_body(const http::request_context& ctx,
                                   std::initializer_list<std::string_view> allowed) {
  auto body = http::parse_json_body(ctx);
  if (!body) return body;
  if (!body->is_object()) return fail(errc::bad_request, "send a JSON object");
  for (const auto& [key, value] : body->items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) return fail(errc::bad_request, fmt::format("unknown field '{}'", key));
  }
  return body;
}

result<std::string> required_string(const nlohmann::json& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null())
    return fail(errc::bad_request, fmt::format("{} is required", key));
  if (!it->is_string()) return fail(errc::bad_request, fmt::format("{} must be a string", key));
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_field_bytes)
    return fail(errc::bad_request, fmt::format("{} is too long", key));
  return s;
}

std::vector<std::string> split_symbols(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.push_back(upper_ascii(part));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string upper_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::optional<std::int64_t> parse_int_param(std::string_view text, std::int64_t min,
                                            std::int64_t max) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v < min || v > max)
    return std::nullopt;
  return v;
}

}  // namespace marketsim::api
