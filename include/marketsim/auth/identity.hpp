// Rules for what a player types when signing up: email, user tag, display name. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/core/error.hpp"

namespace marketsim::auth {

// Trimmed and lower-cased, or errc::invalid_email. Deliberately simple (one '@', a dot in the
// domain, no spaces or control characters, length limits): the verification mail is the test.
[[nodiscard]] result<std::string> normalize_email(std::string_view text);
// 3-20 of a-z 0-9 _ (errc::invalid_user_tag).
[[nodiscard]] result<void> check_user_tag(std::string_view tag);
// A tag a person may take: check_user_tag, and not starting with bot_ (the bots' own).
[[nodiscard]] result<void> check_new_user_tag(std::string_view tag);
// 1-40 characters of valid UTF-8, no control characters, trimmed (errc::invalid_display_name).
[[nodiscard]] result<std::string> normalize_display_name(std::string_view name);

}  // namespace marketsim::auth
