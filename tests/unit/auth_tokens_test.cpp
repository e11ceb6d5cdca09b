// Tokens and signatures (auth/tokens.hpp): base64url, SHA-256 and hex helpers, constant-time
// comparison, Cookie header parsing, and the signer's four token kinds (session cookie, session
// CSRF token, anonymous CSRF token, device cookie): each round-trips, and a forged, mangled,
// truncated, oversized or foreign-keyed value is refused; the purposes do not mix.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "marketsim/auth/tokens.hpp"

using namespace marketsim;
using namespace marketsim::auth;

namespace {

const std::string secret_a(32, 'a');
const std::string secret_b = "another server secret, 32+ bytes long";

// Splits "<a>.<b>" at the first dot.
std::pair<std::string, std::string> halves(const std::string& v) {
  auto dot = v.find('.');
  EXPECT_NE(dot, std::string::npos) << v;
  return {v.substr(0, dot), v.substr(dot + 1)};
}

}  // namespace

TEST(AuthTokens, Base64UrlRoundTripsEverySize) {
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 16u, 31u, 32u, 33u, 100u}) {
    auto raw = random_bytes(n);
    ASSERT_EQ(raw.size(), n);
    auto text = base64url(raw);
    EXPECT_EQ(text.find_first_of("+/=\n"), std::string::npos) << text;
    auto back = from_base64url(text);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, raw);
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  auto back = from_base64url(base64url(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(AuthTokens, Base64UrlUsesTheUrlAlphabetWithoutPadding) {
  EXPECT_EQ(base64url(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(from_base64url("Zg").value_or("?"), "f");
  EXPECT_FALSE(from_base64url("+/8"));   // the standard alphabet is not ours
  EXPECT_FALSE(from_base64url("Zg=="));  // no padding
  EXPECT_FALSE(from_base64url("Zm9v YmFy"));
  EXPECT_FALSE(from_base64url("Z"));   // not a whole byte
  EXPECT_FALSE(from_base64url("Zh"));  // non-zero leftover bits: not canonical
  EXPECT_EQ(from_base64url("").value_or("?"), "");
}

TEST(AuthTokens, Sha256AndHex) {
  EXPECT_EQ(sha256("abc").size(), 32u);
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(hex(""), "");
}

TEST(AuthTokens, RandomBytesDiffer) {
  EXPECT_NE(random_bytes(32), random_bytes(32));
  EXPECT_EQ(random_bytes(0), "");
}

TEST(AuthTokens, SameBytes) {
  EXPECT_TRUE(same_bytes("abc", "abc"));
  EXPECT_TRUE(same_bytes("", ""));
  EXPECT_FALSE(same_bytes("abc", "abd"));
  EXPECT_FALSE(same_bytes("abc", "ab"));
  EXPECT_FALSE(same_bytes("ab", "abc"));
  EXPECT_FALSE(same_bytes("", "a"));
  EXPECT_FALSE(same_bytes(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_TRUE(same_bytes(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(same_bytes(std::string("a\0b", 3), "a"));
}

TEST(AuthTokens, CookieValueFindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("ms_session=xyz", "ms_session").value_or("?"), "xyz");
  EXPECT_EQ(cookie_value("a=1; ms_session=xyz; b=2", "ms_session").value_or("?"), "xyz");
  EXPECT_EQ(cookie_value("a=1; ms_session=xyz; b=2", "a").value_or("?"), "1");
  EXPECT_EQ(cookie_value("a=1; ms_session=xyz; b=2", "b").value_or("?"), "2");
  EXPECT_EQ(cookie_value("a=1;ms_session=xyz", "ms_session").value_or("?"), "xyz");
  EXPECT_EQ(cookie_value("a=1;\tms_session=xyz", "ms_session").value_or("?"), "xyz");
  EXPECT_EQ(cookie_value("   ms_session=xyz   ", "ms_session").value_or("?"), "xyz");
  EXPECT_EQ(cookie_value("ms_session=\"quoted\"", "ms_session").value_or("?"), "quoted");
  EXPECT_EQ(cookie_value("ms_session=\"", "ms_session").value_or("?"), "\"");
  EXPECT_EQ(cookie_value("ms_session=", "ms_session").value_or("?"), "");
  // A value may itself contain '=' (base64 with padding, for instance).
  EXPECT_EQ(cookie_value("t=ab==; x=1", "t").value_or("?"), "ab==");
}

TEST(AuthTokens, CookieValueFirstOneWins) {
  EXPECT_EQ(cookie_value("ms_session=first; ms_session=second", "ms_session").value_or("?"),
            "first");
}

TEST(AuthTokens, CookieValueMissingOrOnlyASimilarName) {
  EXPECT_FALSE(cookie_value("", "ms_session"));
  EXPECT_FALSE(cookie_value("a=1; b=2", "ms_session"));
  EXPECT_FALSE(cookie_value("ms_session2=nope", "ms_session"));
  EXPECT_FALSE(cookie_value("xms_session=nope", "ms_session"));
  EXPECT_FALSE(cookie_value("ms_sessio=nope", "ms_session"));
  EXPECT_FALSE(cookie_value("ms_session", "ms_session"));  // no '='
  EXPECT_FALSE(cookie_value("a=ms_session=x", "ms_session"));
  EXPECT_FALSE(cookie_value("MS_SESSION=x", "ms_session"));  // names are case-sensitive
  EXPECT_EQ(cookie_value("ms_session2=nope; ms_session=yes", "ms_session").value_or("?"), "yes");
  EXPECT_EQ(cookie_value("ms_session=yes; ms_session2=nope", "ms_session2").value_or("?"), "nope");
}

TEST(AuthTokens, SessionCookieRoundTrip) {
  signer s(secret_a);
  auto id = random_bytes(signer::id_bytes);
  auto cookie = s.session_cookie(id);
  EXPECT_EQ(cookie.find_first_of(" ;,\"=+/"), std::string::npos) << cookie;
  auto opened = s.open_session_cookie(cookie);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, id);
  // Deterministic: the same id gives the same cookie; another id another one.
  EXPECT_EQ(s.session_cookie(id), cookie);
  EXPECT_NE(s.session_cookie(random_bytes(signer::id_bytes)), cookie);
  // The same secret in another signer (a restarted server) still opens it.
  signer again(secret_a);
  EXPECT_EQ(again.open_session_cookie(cookie).value_or(""), id);
}

TEST(AuthTokens, SessionCookieForgeriesAreRefused) {
  signer s(secret_a);
  auto id = random_bytes(signer::id_bytes);
  auto cookie = s.session_cookie(id);
  auto [id_part, mac_part] = halves(cookie);

  // Another id under the original MAC.
  auto other_id = random_bytes(signer::id_bytes);
  EXPECT_FALSE(s.open_session_cookie(base64url(other_id) + "." + mac_part));
  // The original id under a made-up MAC, or an all-zero one.
  EXPECT_FALSE(s.open_session_cookie(id_part + "." + base64url(random_bytes(32))));
  EXPECT_FALSE(s.open_session_cookie(id_part + "." + base64url(std::string(32, '\0'))));
  // One character of the MAC changed (the first, which carries only data bits).
  auto flipped = mac_part;
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(s.open_session_cookie(id_part + "." + flipped));
  // Swapped halves.
  EXPECT_FALSE(s.open_session_cookie(mac_part + "." + id_part));
  // The MAC of another signer (another server secret).
  signer other(secret_b);
  EXPECT_FALSE(other.open_session_cookie(cookie));
  EXPECT_FALSE(s.open_session_cookie(other.session_cookie(id)));
  // A correctly signed id of the wrong size.
  EXPECT_FALSE(s.open_session_cookie(s.session_cookie(random_bytes(16))));
  EXPECT_FALSE(s.open_session_cookie(s.session_cookie("")));
}

TEST(AuthTokens, SessionCookieMalformedValuesAreRefused) {
  signer s(secret_a);
  auto cookie = s.session_cookie(random_bytes(signer::id_bytes));
  auto dot = cookie.find('.');
  EXPECT_FALSE(s.open_session_cookie(""));
  EXPECT_FALSE(s.open_session_cookie("."));
  EXPECT_FALSE(s.open_session_cookie(".."));
  EXPECT_FALSE(s.open_session_cookie(cookie.substr(0, cookie.size() - 1)));
  EXPECT_FALSE(s.open_session_cookie(cookie.substr(0, dot)));
  EXPECT_FALSE(s.open_session_cookie(cookie.substr(0, dot + 1)));
  EXPECT_FALSE(s.open_session_cookie(cookie.substr(dot)));
  EXPECT_FALSE(s.open_session_cookie(cookie + "A"));
  EXPECT_FALSE(s.open_session_cookie(cookie + "."));
  EXPECT_FALSE(s.open_session_cookie(cookie + " "));
  EXPECT_FALSE(s.open_session_cookie(" " + cookie));
  EXPECT_FALSE(s.open_session_cookie("\"" + cookie + "\""));
  EXPECT_FALSE(s.open_session_cookie(cookie + "." + cookie));
  EXPECT_FALSE(s.open_session_cookie(std::string(100 * 1024, 'A')));
  EXPECT_FALSE(s.open_session_cookie(cookie + std::string(100 * 1024, 'A')));
  EXPECT_FALSE(
      s.open_session_cookie(std::string(50 * 1024, 'A') + "." + std::string(50 * 1024, 'A')));
  std::string with_nul = cookie;
  with_nul[3] = '\0';
  EXPECT_FALSE(s.open_session_cookie(with_nul));
}

TEST(AuthTokens, SessionCsrfTokenIsBoundToItsSession) {
  signer s(secret_a);
  auto hash = sha256(random_bytes(signer::id_bytes));
  auto other_hash = sha256(random_bytes(signer::id_bytes));
  auto token = s.csrf_for_session(hash);
  EXPECT_FALSE(token.empty());
  EXPECT_TRUE(s.check_session_csrf(hash, token));
  EXPECT_EQ(s.csrf_for_session(hash), token);  // stable for the session's life
  EXPECT_FALSE(s.check_session_csrf(other_hash, token));
  EXPECT_NE(s.csrf_for_session(other_hash), token);

  auto mangled = token;
  mangled[0] = mangled[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(s.check_session_csrf(hash, mangled));
  EXPECT_FALSE(s.check_session_csrf(hash, token.substr(0, token.size() - 1)));
  EXPECT_FALSE(s.check_session_csrf(hash, token + "A"));
  EXPECT_FALSE(s.check_session_csrf(hash, token + token));
  EXPECT_FALSE(s.check_session_csrf(hash, ""));
  EXPECT_FALSE(s.check_session_csrf(hash, "."));
  EXPECT_FALSE(s.check_session_csrf(hash, std::string(100 * 1024, 'A')));
  EXPECT_FALSE(s.check_session_csrf(hash, s.anonymous_csrf()));
  EXPECT_FALSE(s.check_session_csrf(hash, base64url(hash)));  // not just the hash itself
  signer other(secret_b);
  EXPECT_FALSE(s.check_session_csrf(hash, other.csrf_for_session(hash)));
  EXPECT_FALSE(other.check_session_csrf(hash, token));
}

TEST(AuthTokens, AnonymousCsrfTokenIsSignedAndRandom) {
  signer s(secret_a);
  auto token = s.anonymous_csrf();
  EXPECT_TRUE(s.check_anonymous_csrf(token));
  EXPECT_NE(s.anonymous_csrf(), token);  // a fresh nonce each time
  auto [nonce, mac] = halves(token);
  EXPECT_EQ(from_base64url(nonce).value_or("").size(), 16u);

  EXPECT_FALSE(s.check_anonymous_csrf(base64url(random_bytes(16)) + "." + mac));
  EXPECT_FALSE(s.check_anonymous_csrf(nonce + "." + base64url(random_bytes(32))));
  EXPECT_FALSE(
      s.check_anonymous_csrf(base64url(random_bytes(16)) + "." + base64url(random_bytes(32))));
  signer other(secret_b);
  EXPECT_FALSE(s.check_anonymous_csrf(other.anonymous_csrf()));
  EXPECT_FALSE(other.check_anonymous_csrf(token));
  EXPECT_FALSE(s.check_anonymous_csrf(""));
  EXPECT_FALSE(s.check_anonymous_csrf("."));
  EXPECT_FALSE(s.check_anonymous_csrf(token.substr(0, token.size() - 1)));
  EXPECT_FALSE(s.check_anonymous_csrf(token + "A"));
  EXPECT_FALSE(s.check_anonymous_csrf(std::string(100 * 1024, 'A')));
  EXPECT_FALSE(s.check_anonymous_csrf(s.csrf_for_session(sha256("x"))));
}

TEST(AuthTokens, DeviceCookieRoundTripAndForgery) {
  signer s(secret_a);
  for (std::int64_t id : {std::int64_t{1}, std::int64_t{42}, std::int64_t{9'000'000'000},
                          std::numeric_limits<std::int64_t>::max()}) {
    auto cookie = s.device_cookie(id);
    EXPECT_LE(cookie.size(), 128u);
    auto opened = s.open_device_cookie(cookie);
    ASSERT_TRUE(opened) << id;
    EXPECT_EQ(*opened, id);
  }
  auto cookie = s.device_cookie(42);
  EXPECT_NE(s.device_cookie(42), cookie);  // a random part in each
  auto [payload, mac] = halves(cookie);

  // The payload rewritten to another user id, under the original MAC.
  auto raw = from_base64url(payload).value_or("");
  ASSERT_TRUE(raw.starts_with("42:")) << raw;
  auto forged = "1:" + raw.substr(3);
  EXPECT_FALSE(s.open_device_cookie(base64url(forged) + "." + mac));
  EXPECT_FALSE(s.open_device_cookie(base64url("1:abc") + "." + base64url(random_bytes(32))));
  EXPECT_FALSE(s.open_device_cookie(payload + "." + base64url(random_bytes(32))));
  signer other(secret_b);
  EXPECT_FALSE(other.open_device_cookie(cookie));
  EXPECT_FALSE(s.open_device_cookie(other.device_cookie(42)));
  EXPECT_FALSE(s.open_device_cookie(""));
  EXPECT_FALSE(s.open_device_cookie("."));
  EXPECT_FALSE(s.open_device_cookie(payload));
  EXPECT_FALSE(s.open_device_cookie(cookie.substr(0, cookie.size() - 1)));
  EXPECT_FALSE(s.open_device_cookie(cookie + "A"));
  EXPECT_FALSE(s.open_device_cookie(std::string(100 * 1024, 'A')));
}

TEST(AuthTokens, PurposesDoNotMix) {
  // Each token kind is signed with its own derived key: one never passes for another.
  signer s(secret_a);
  auto id = random_bytes(signer::id_bytes);
  auto session = s.session_cookie(id);
  auto anon = s.anonymous_csrf();
  auto device = s.device_cookie(7);
  EXPECT_FALSE(s.open_device_cookie(session));
  EXPECT_FALSE(s.check_anonymous_csrf(session));
  EXPECT_FALSE(s.open_session_cookie(anon));
  EXPECT_FALSE(s.open_device_cookie(anon));
  EXPECT_FALSE(s.open_session_cookie(device));
  EXPECT_FALSE(s.check_anonymous_csrf(device));
  // A session CSRF token for hash H is not the MAC the session cookie carries for id H.
  auto [id_part, mac_part] = halves(session);
  EXPECT_FALSE(s.check_session_csrf(id, mac_part));
}
