// Random ids, hashing and the server secret's signatures: session cookies, CSRF tokens and
// device cookies. Pure (libsodium only), thread-safe, used by io threads on every request, so
// a forged or mangled cookie is rejected here before anything touches the database.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "marketsim/core/crypto.hpp"

namespace marketsim::auth {

// The value of cookie `name` in a Cookie header, if present (the first one wins).
[[nodiscard]] std::optional<std::string_view> cookie_value(std::string_view header,
                                                           std::string_view name);

class signer {
 public:
  static constexpr std::size_t id_bytes = 32;  // 256-bit session ids

  // `secret` is the server secret (at least 32 bytes); each use gets its own derived key.
  explicit signer(std::string_view secret);

  // "<id>.<mac>" in base64url.
  [[nodiscard]] std::string session_cookie(std::string_view session_id) const;
  // The raw session id, or nullopt when the value is not exactly one of ours.
  [[nodiscard]] std::optional<std::string> open_session_cookie(std::string_view value) const;

  // Signed-in CSRF token: a MAC of the session's hash, so it dies with the session.
  [[nodiscard]] std::string csrf_for_session(std::string_view session_hash) const;
  [[nodiscard]] bool check_session_csrf(std::string_view session_hash,
                                        std::string_view token) const;
  // Anonymous CSRF token "<nonce>.<mac>" for the signed double-submit cookie.
  [[nodiscard]] std::string anonymous_csrf() const;
  [[nodiscard]] bool check_anonymous_csrf(std::string_view token) const;

  // A device cookie remembers that this browser signed in to this account, so the per-account
  // login throttle does not lock its owner out while an attacker guesses elsewhere.
  [[nodiscard]] std::string device_cookie(std::int64_t user_id) const;
  [[nodiscard]] std::optional<std::int64_t> open_device_cookie(std::string_view value) const;

 private:
  [[nodiscard]] std::string mac(const std::string& key, std::string_view data) const;
  std::string session_key_;
  std::string csrf_key_;
  std::string anon_key_;
  std::string device_key_;
};

}  // namespace marketsim::auth
