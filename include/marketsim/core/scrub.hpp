// Removing secrets from what gets stored for diagnosis (client error reports, server error
// context): keys that name cookies, passwords, tokens, secrets or authorization lose their
// values, and "name=value" pairs of such names inside strings (URLs, messages) do too. Pure.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace marketsim {

inline constexpr std::string_view scrubbed_marker = "[scrubbed]";

[[nodiscard]] bool is_secret_name(std::string_view name);
[[nodiscard]] std::string scrub_text(std::string_view text);
// In place, recursively.
void scrub_json(nlohmann::json& value);

}  // namespace marketsim
