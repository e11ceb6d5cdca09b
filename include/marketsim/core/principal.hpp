// Who is making a request: the user (as last read from the database or the session cache) and
// the session it came with. Immutable once built; shared between the request and the cache.
// auth's vocabulary (namespace marketsim::auth), kept in core so that http (a request carries
// its principal) and db (which stores users and sessions) can name it without depending on auth.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace marketsim::auth {

enum class role { user, admin };
enum class user_status { pending, active, disabled };

[[nodiscard]] std::string_view role_name(role r) noexcept;
[[nodiscard]] std::optional<role> parse_role(std::string_view s) noexcept;
[[nodiscard]] std::string_view status_name(user_status s) noexcept;
[[nodiscard]] std::optional<user_status> parse_status(std::string_view s) noexcept;

struct user_record {
  std::int64_t id = 0;
  std::string email;
  std::string user_tag;
  std::string display_name;
  role user_role = role::user;
  user_status status = user_status::pending;
  bool public_profile = false;
  std::int64_t created_ms = 0;
  std::int64_t last_login_ms = 0;  // 0: never
  std::string bot_strategy;        // a simulated trader's strategy; empty for people
};

struct session_record {
  std::string id_hash;  // SHA-256 of the session id (32 raw bytes)
  std::int64_t user_id = 0;
  std::int64_t created_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::int64_t expires_ms = 0;   // absolute end
  role issued_for = role::user;  // the user's role when this id was issued
};

struct principal {
  std::shared_ptr<const user_record> user;
  std::string session_hash;
  std::string csrf_token;
};

// Access a route needs: checked before its handler runs.
enum class access { anyone, user, admin };
[[nodiscard]] std::string_view access_name(access a) noexcept;

}  // namespace marketsim::auth
