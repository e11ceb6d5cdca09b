// Random bytes, SHA-256, hex and base64, and constant-time comparison: the primitives that
// session ids, API keys, mail tokens, order ids and static-file ETags are made of. Pure
// (libsodium only) and thread-safe; any thread.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace marketsim {

[[nodiscard]] std::string random_bytes(std::size_t n);
[[nodiscard]] std::string base64url(std::string_view raw);  // no padding
[[nodiscard]] std::string base64(std::string_view raw);     // standard alphabet, padded
[[nodiscard]] std::optional<std::string> from_base64url(std::string_view text);
[[nodiscard]] std::string sha256(std::string_view data);  // 32 raw bytes
[[nodiscard]] std::string hex(std::string_view raw);
[[nodiscard]] std::optional<std::string> from_hex(std::string_view text);
// Constant-time comparison (false when the sizes differ).
[[nodiscard]] bool same_bytes(std::string_view a, std::string_view b);

}  // namespace marketsim
