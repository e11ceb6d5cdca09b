// Password storage (argon2id through libsodium's crypto_pwhash_str) and the password policy.
// Hashing and verifying block for tens of milliseconds and take tens of MiB: they run only on
// the hash_pool's threads (and at start-up), never on io threads. The policy check is cheap.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "marketsim/core/error.hpp"

namespace marketsim::auth {

enum class hash_strength { test_minimal, interactive, moderate, sensitive };

struct hash_params {
  unsigned long long opslimit;
  std::size_t memlimit;
};

[[nodiscard]] hash_params params_for(hash_strength s) noexcept;
[[nodiscard]] result<hash_strength> parse_hash_strength(std::string_view name);
[[nodiscard]] std::string_view strength_name(hash_strength s) noexcept;

// The argon2id string (algorithm, parameters, salt and hash) for storage.
[[nodiscard]] result<std::string> hash_password(std::string_view password, hash_params p);
// Verifies exactly the bytes sent, whatever their length (the policy bounds it separately).
[[nodiscard]] bool verify_password(std::string_view stored, std::string_view password);
// True when `stored` was made with other parameters than `p` (or is not argon2id).
[[nodiscard]] bool needs_rehash(std::string_view stored, hash_params p);

class password_policy {
 public:
  static constexpr std::size_t min_chars = 8;
  static constexpr std::size_t max_chars = 128;

  // One password per line; lines starting with "#!comment:" (john's format) are skipped.
  // Compared case-insensitively.
  [[nodiscard]] static result<password_policy> load(const std::string& path);
  [[nodiscard]] static password_policy from_list(std::string_view text);

  // errc::password_policy with a message a player can act on.
  [[nodiscard]] result<void> check(std::string_view password) const;
  [[nodiscard]] std::size_t common_count() const { return common_.size(); }

 private:
  std::unordered_set<std::string> common_;
};

// Code points of UTF-8 text, or nullopt when it is not valid UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
[[nodiscard]] std::optional<std::u32string> utf8_decode(std::string_view text);
// Characters (Unicode code points) in UTF-8 text; nullopt when it is not valid UTF-8.
[[nodiscard]] std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace marketsim::auth
