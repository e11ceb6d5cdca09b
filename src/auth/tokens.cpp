// Tokens and signatures (see tokens.hpp). Pure; any thread.
#include "marketsim/auth/tokens.hpp"

#include <sodium.h>

#include <charconv>

namespace marketsim::auth {

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      auto value = pair.substr(eq + 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

namespace {

std::string derive(std::string_view secret, std::string_view purpose) {
  std::string key(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()),
                                purpose.size());
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

// Splits "<a>.<b>" with both halves decoding to exactly the given sizes.
std::optional<std::pair<std::string, std::string>> split_signed(std::string_view value,
                                                                std::size_t first_bytes,
                                                                std::size_t second_bytes) {
  // Reject oversized input before decoding anything.
  auto max_len = sodium_base64_ENCODED_LEN(first_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
                 sodium_base64_ENCODED_LEN(second_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (value.size() > max_len) return std::nullopt;
  auto dot = value.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto a = from_base64url(value.substr(0, dot));
  auto b = from_base64url(value.substr(dot + 1));
  if (!a || !b || a->size() != first_bytes || b->size() != second_bytes) return std::nullopt;
  return std::pair{std::move(*a), std::move(*b)};
}

constexpr std::size_t mac_bytes = crypto_auth_hmacsha256_BYTES;

}  // namespace

signer::signer(std::string_view secret)
    : session_key_(derive(secret, "marketsim session cookie v1")),
      csrf_key_(derive(secret, "marketsim csrf session v1")),
      anon_key_(derive(secret, "marketsim csrf anonymous v1")),
      device_key_(derive(secret, "marketsim device cookie v1")) {}

std::string signer::mac(const std::string& key, std::string_view data) const {
  std::string out(mac_bytes, '\0');
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string signer::session_cookie(std::string_view session_id) const {
  return base64url(session_id) + "." + base64url(mac(session_key_, session_id));
}

std::optional<std::string> signer::open_session_cookie(std::string_view value) const {
  auto parts = split_signed(value, id_bytes, mac_bytes);
  if (!parts || !same_bytes(parts->second, mac(session_key_, parts->first))) return std::nullopt;
  return std::move(parts->first);
}

std::string signer::csrf_for_session(std::string_view session_hash) const {
  return base64url(mac(csrf_key_, session_hash));
}

bool signer::check_session_csrf(std::string_view session_hash, std::string_view token) const {
  auto raw = token.size() <= 64 ? from_base64url(token) : std::nullopt;
  return raw && same_bytes(*raw, mac(csrf_key_, session_hash));
}

std::string signer::anonymous_csrf() const {
  auto nonce = random_bytes(16);
  return base64url(nonce) + "." + base64url(mac(anon_key_, nonce));
}

bool signer::check_anonymous_csrf(std::string_view token) const {
  auto parts = split_signed(token, 16, mac_bytes);
  return parts && same_bytes(parts->second, mac(anon_key_, parts->first));
}

std::string signer::device_cookie(std::int64_t user_id) const {
  std::string payload = std::to_string(user_id) + ":" + base64url(random_bytes(12));
  return base64url(payload) + "." + base64url(mac(device_key_, payload));
}

std::optional<std::int64_t> signer::open_device_cookie(std::string_view value) const {
  if (value.size() > 128) return std::nullopt;
  auto dot = value.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = from_base64url(value.substr(0, dot));
  auto tag = from_base64url(value.substr(dot + 1));
  if (!payload || !tag || !same_bytes(*tag, mac(device_key_, *payload))) return std::nullopt;
  auto colon = payload->find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(payload->data(), payload->data() + colon, id);
  if (ec != std::errc{} || p != payload->data() + colon) return std::nullopt;
  return id;
}

}  // namespace marketsim::auth
