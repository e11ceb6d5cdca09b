// Names of roles, statuses and access levels, as stored and as shown. Pure.
#include "marketsim/core/principal.hpp"

namespace marketsim::auth {

std::string_view role_name(role r) noexcept {
  return r == role::admin ? "admin" : "user";
}

std::optional<role> parse_role(std::string_view s) noexcept {
  if (s == "user") return role::user;
  if (s == "admin") return role::admin;
  return std::nullopt;
}

std::string_view status_name(user_status s) noexcept {
  switch (s) {
    case user_status::pending:
      return "pending";
    case user_status::active:
      return "active";
    case user_status::disabled:
      return "disabled";
  }
  return "pending";
}

std::optional<user_status> parse_status(std::string_view s) noexcept {
  if (s == "pending") return user_status::pending;
  if (s == "active") return user_status::active;
  if (s == "disabled") return user_status::disabled;
  return std::nullopt;
}

std::string_view access_name(access a) noexcept {
  switch (a) {
    case access::anyone:
      return "anyone";
    case access::user:
      return "user";
    case access::admin:
      return "admin";
  }
  return "anyone";
}

}  // namespace marketsim::auth
