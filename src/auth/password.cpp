// Password hashing and policy (see password.hpp). Hashing runs on hash_pool threads.
#include "marketsim/auth/password.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <fstream>
#include <sstream>

namespace marketsim::auth {

hash_params params_for(hash_strength s) noexcept {
  switch (s) {
    case hash_strength::test_minimal:
      return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    case hash_strength::interactive:
      return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    case hash_strength::moderate:
      return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
    case hash_strength::sensitive:
      return {crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
  }
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

result<hash_strength> parse_hash_strength(std::string_view name) {
  if (name == "interactive") return hash_strength::interactive;
  if (name == "moderate") return hash_strength::moderate;
  if (name == "sensitive") return hash_strength::sensitive;
  if (name == "test-minimal") return hash_strength::test_minimal;
  return fail(errc::config_malformed,
              fmt::format("'{}' is not interactive, moderate, sensitive or test-minimal", name));
}

std::string_view strength_name(hash_strength s) noexcept {
  switch (s) {
    case hash_strength::test_minimal:
      return "test-minimal";
    case hash_strength::interactive:
      return "interactive";
    case hash_strength::moderate:
      return "moderate";
    case hash_strength::sensitive:
      return "sensitive";
  }
  return "interactive";
}

result<std::string> hash_password(std::string_view password, hash_params p) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), p.opslimit, p.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail(errc::busy, "out of memory while hashing a password");
  return std::string(out);
}

bool verify_password(std::string_view stored, std::string_view password) {
  if (stored.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(stored);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view stored, hash_params p) {
  if (stored.size() >= crypto_pwhash_STRBYTES) return true;
  std::string terminated(stored);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), p.opslimit, p.memlimit) != 0;
}

std::optional<std::u32string> utf8_decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > text.size()) return std::nullopt;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // RFC 3629: the shortest form only, no UTF-16 surrogates, nothing above U+10FFFF.
    constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::optional<std::size_t> utf8_length(std::string_view text) {
  auto decoded = utf8_decode(text);
  if (!decoded) return std::nullopt;
  return decoded->size();
}

namespace {
std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace

password_policy password_policy::from_list(std::string_view text) {
  password_policy p;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    while (!line.empty() && (line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line.starts_with("#!comment:")) continue;
    p.common_.insert(lower_ascii(line));
  }
  return p;
}

result<password_policy> password_policy::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return fail(
        errc::io_error,
        fmt::format("cannot read the common-password list {} (Debian package john-data)", path));
  std::ostringstream text;
  text << file.rdbuf();
  auto p = from_list(text.str());
  if (p.common_.empty())
    return fail(errc::parse_error, fmt::format("the common-password list {} is empty", path));
  return p;
}

result<void> password_policy::check(std::string_view password) const {
  auto chars = utf8_length(password);
  if (!chars) return fail(errc::password_policy, "the password is not valid UTF-8 text");
  if (*chars < min_chars)
    return fail(errc::password_policy,
                fmt::format("use at least {} characters for the password", min_chars));
  if (*chars > max_chars)
    return fail(errc::password_policy,
                fmt::format("use at most {} characters for the password", max_chars));
  if (common_.contains(lower_ascii(password)))
    return fail(errc::password_policy,
                "that password is among the most common ones; choose another");
  return {};
}

}  // namespace marketsim::auth
