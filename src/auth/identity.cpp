// Sign-up field rules (see identity.hpp). Pure.
#include "marketsim/auth/identity.hpp"

#include "marketsim/auth/password.hpp"

namespace marketsim::auth {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

result<std::string> normalize_email(std::string_view text) {
  auto e = trim(text);
  auto bad = [] { return fail(errc::invalid_email, "enter a valid email address"); };
  if (e.size() < 3 || e.size() > 254) return bad();
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != e.npos)
    return bad();
  auto domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (domain.empty() || dot == 0 || dot == std::string_view::npos || domain.back() == '.')
    return bad();
  std::string out;
  out.reserve(e.size());
  for (char c : e) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '\\')
      return bad();
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (!utf8_length(out)) return bad();
  return out;
}

result<void> check_user_tag(std::string_view tag) {
  bool ok = tag.size() >= 3 && tag.size() <= 20;
  for (char c : tag)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) ok = false;
  if (!ok)
    return fail(errc::invalid_user_tag,
                "a user tag is 3 to 20 characters: lower-case letters, digits and _");
  return {};
}

result<void> check_new_user_tag(std::string_view tag) {
  if (auto ok = check_user_tag(tag); !ok) return ok;
  // The simulated traders' tags (db/bot_accounts.hpp): a person must never pass for one.
  if (tag.starts_with("bot_"))
    return fail(errc::invalid_user_tag, "user tags starting with bot_ are kept for the bots");
  return {};
}

result<std::string> normalize_display_name(std::string_view name) {
  auto n = trim(name);
  auto decoded = utf8_decode(n);
  bool ok = decoded && !decoded->empty() && decoded->size() <= 40;
  if (decoded)
    for (char32_t c : *decoded) {
      // Control characters (C0, DEL, C1), and the invisible direction and line controls that
      // would let a name disguise itself or break the layout around it.
      bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
      bool invisible = (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
                       (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;
      if (control || invisible) ok = false;
    }
  if (!ok)
    return fail(errc::invalid_display_name,
                "a display name is 1 to 40 characters, without control characters");
  return std::string(n);
}

}  // namespace marketsim::auth
