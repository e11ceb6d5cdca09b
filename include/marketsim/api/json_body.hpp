// Reading small JSON request bodies strictly: an object, only the expected keys, strings where
// strings are expected. Every refusal is a 4xx error with a stable code. Pure; io threads.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim::api {

inline constexpr std::size_t max_field_bytes = 1024;

// The body as a JSON object whose keys are all in `allowed` (415, 400 invalid_json, 400
// bad_request otherwise).
[[nodiscard]] result<nlohmann::json> object_body(const http::request_context& ctx,
                                                 std::initializer_list<std::string_view> allowed);
// body[key] as a string of at most max_field_bytes; 400 bad_request when missing or not one.
[[nodiscard]] result<std::string> required_string(const nlohmann::json& body, std::string_view key);

// A body of exactly these string fields, each required: object_body(ctx, {keys...}), then
// required_string of each key in order (the first refusal is the answer). Their values, in the
// keys' order, for a structured binding.
template <class... Keys>
[[nodiscard]] result<std::array<std::string, sizeof...(Keys)>> string_fields(
    const http::request_context& ctx, Keys... keys) {
  auto body = object_body(ctx, {std::string_view(keys)...});
  if (!body) return std::unexpected(body.error());
  std::array<std::string, sizeof...(Keys)> out;
  std::size_t i = 0;
  for (std::string_view key : {std::string_view(keys)...}) {
    auto value = required_string(*body, key);
    if (!value) return std::unexpected(value.error());
    out[i++] = std::move(*value);
  }
  return out;
}

}  // namespace marketsim::api

namespace marketsim::api {
// Symbols and other case-insensitive path parameters: ASCII letters upper-cased.
[[nodiscard]] std::string upper_ascii(std::string_view text);
// "aapl, MSFT,,ibm" → {"AAPL", "MSFT", "IBM"}: a comma-separated symbol list, upper-cased,
// empty entries dropped (callers check the symbols exist).
[[nodiscard]] std::vector<std::string> split_symbols(std::string_view text);
// A whole decimal number within [min, max], or nullopt.
[[nodiscard]] std::optional<std::int64_t> parse_int_param(std::string_view text, std::int64_t min,
                                                          std::int64_t max);
}  // namespace marketsim::api
