// Password storage and policy (auth/password.hpp): argon2id hashing and exact verification with
// the test-minimal parameters only (the real ones are too slow and memory-hungry for unit
// tests; needs_rehash only parses the stored string), the strength names, UTF-8 length
// counting, and the policy: length in code points, invalid UTF-8, the common-password list
// (comments skipped, case-insensitive) and, when installed, john's real list.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "marketsim/auth/password.hpp"

using namespace marketsim;
using namespace marketsim::auth;

namespace {

hash_params minimal() {
  return params_for(hash_strength::test_minimal);
}

std::string repeated(std::string_view piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

}  // namespace

TEST(AuthPassword, HashAndVerify) {
  auto h = hash_password("correct horse", minimal());
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->starts_with("$argon2id$")) << *h;
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(*h, "correct horse"));
  EXPECT_FALSE(verify_password(*h, "wrong horse"));
  EXPECT_FALSE(verify_password(*h, ""));
  EXPECT_FALSE(verify_password(*h, "Correct horse"));

  // A fresh salt each time: two hashes of one password differ, and both verify.
  auto again = hash_password("correct horse", minimal());
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *h);
  EXPECT_TRUE(verify_password(*again, "correct horse"));
}

TEST(AuthPassword, VerifiesExactlyTheBytesSent) {
  auto h = hash_password("correct horse", minimal());
  ASSERT_TRUE(h);
  EXPECT_FALSE(verify_password(*h, "correct horse "));
  EXPECT_FALSE(verify_password(*h, " correct horse"));
  EXPECT_FALSE(verify_password(*h, "correct hors"));
  EXPECT_FALSE(verify_password(*h, "correct"));
  EXPECT_FALSE(verify_password(*h, std::string("correct horse\0", 14)));

  // An embedded NUL is part of the password, not its end.
  std::string with_nul("abc\0defgh", 9);
  auto hn = hash_password(with_nul, minimal());
  ASSERT_TRUE(hn);
  EXPECT_TRUE(verify_password(*hn, with_nul));
  EXPECT_FALSE(verify_password(*hn, "abc"));
}

TEST(AuthPassword, LongPasswordsAreNotTruncated) {
  std::string long_pw;
  for (int i = 0; i < 200; ++i) long_pw += static_cast<char>('a' + i % 26);
  ASSERT_EQ(long_pw.size(), 200u);
  auto h = hash_password(long_pw, minimal());
  ASSERT_TRUE(h);
  EXPECT_TRUE(verify_password(*h, long_pw));
  EXPECT_FALSE(verify_password(*h, long_pw.substr(0, 199)));
  EXPECT_FALSE(verify_password(*h, long_pw.substr(0, 128)));
  EXPECT_FALSE(verify_password(*h, long_pw.substr(0, 72)));  // bcrypt's limit
  auto last_changed = long_pw;
  last_changed.back() = 'Z';
  EXPECT_FALSE(verify_password(*h, last_changed));
  EXPECT_FALSE(verify_password(*h, long_pw + "a"));
}

TEST(AuthPassword, GarbageStoredHashesNeverVerify) {
  EXPECT_FALSE(verify_password("", ""));
  EXPECT_FALSE(verify_password("", "password"));
  EXPECT_FALSE(verify_password("not a hash", "not a hash"));
  EXPECT_FALSE(verify_password(std::string(10'000, '$'), "x"));
  auto h = hash_password("correct horse", minimal());
  ASSERT_TRUE(h);
  EXPECT_FALSE(verify_password(h->substr(0, h->size() - 4), "correct horse"));
  EXPECT_FALSE(verify_password(*h + std::string(200, 'A'), "correct horse"));
}

TEST(AuthPassword, NeedsRehash) {
  auto h = hash_password("correct horse", minimal());
  ASSERT_TRUE(h);
  EXPECT_FALSE(needs_rehash(*h, minimal()));
  EXPECT_TRUE(needs_rehash(*h, params_for(hash_strength::interactive)));
  EXPECT_TRUE(needs_rehash(*h, params_for(hash_strength::moderate)));
  EXPECT_TRUE(needs_rehash(*h, params_for(hash_strength::sensitive)));
  EXPECT_TRUE(needs_rehash("", minimal()));
  EXPECT_TRUE(needs_rehash("not a hash", minimal()));
  EXPECT_TRUE(needs_rehash(std::string(10'000, 'x'), minimal()));
}

TEST(AuthPassword, StrengthNames) {
  struct {
    std::string_view name;
    hash_strength s;
  } cases[] = {{"interactive", hash_strength::interactive},
               {"moderate", hash_strength::moderate},
               {"sensitive", hash_strength::sensitive},
               {"test-minimal", hash_strength::test_minimal}};
  for (const auto& c : cases) {
    auto parsed = parse_hash_strength(c.name);
    ASSERT_TRUE(parsed) << c.name;
    EXPECT_EQ(*parsed, c.s);
    EXPECT_EQ(strength_name(c.s), c.name);
  }
  for (std::string_view bad :
       {"", "Interactive", "test_minimal", "minimal", "strong", " moderate"}) {
    auto parsed = parse_hash_strength(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, errc::config_malformed);
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

TEST(AuthPassword, StrengthsAreOrdered) {
  auto t = params_for(hash_strength::test_minimal);
  auto i = params_for(hash_strength::interactive);
  auto m = params_for(hash_strength::moderate);
  auto s = params_for(hash_strength::sensitive);
  EXPECT_LT(t.memlimit, i.memlimit);
  EXPECT_LE(t.opslimit, i.opslimit);
  EXPECT_LT(i.memlimit, m.memlimit);
  EXPECT_LT(i.opslimit, m.opslimit);
  EXPECT_LT(m.memlimit, s.memlimit);
  EXPECT_LT(m.opslimit, s.opslimit);
}

TEST(AuthPassword, Utf8Length) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("h\xc3\xa9llo"), 5u);          // é
  EXPECT_EQ(utf8_length("\xe2\x82\xac"), 1u);          // €
  EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);      // 😀
  EXPECT_EQ(utf8_length(std::string("a\0b", 3)), 3u);  // NUL is a character
  EXPECT_FALSE(utf8_length("\xff"));
  EXPECT_FALSE(utf8_length("\x80"));                  // a lone continuation byte
  EXPECT_FALSE(utf8_length("abc\xc3"));               // cut short
  EXPECT_FALSE(utf8_length("\xe2\x82"));              // cut short
  EXPECT_FALSE(utf8_length("\xf0\x9f\x98"));          // cut short
  EXPECT_FALSE(utf8_length("\xc3\x28"));              // not a continuation
  EXPECT_FALSE(utf8_length("\xf8\x88\x80\x80\x80"));  // 5-byte form
}

// RFC 3629 forbids overlong forms, UTF-16 surrogates and code points above U+10FFFF.
TEST(AuthPassword, Utf8LengthRefusesOverlongSurrogatesAndOutOfRange) {
  EXPECT_FALSE(utf8_length("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(utf8_length("\xc1\xbf"));          // overlong
  EXPECT_FALSE(utf8_length("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(utf8_length("\xed\xa0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(utf8_length("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(utf8_length("\xf5\x80\x80\x80"));  // beyond any code point
}

TEST(AuthPasswordPolicy, LengthIsCountedInCodePoints) {
  auto policy = password_policy::from_list("");
  EXPECT_EQ(policy.common_count(), 0u);
  EXPECT_TRUE(policy.check("abcdefgh"));
  auto short_ascii = policy.check("abcdefg");
  ASSERT_FALSE(short_ascii);
  EXPECT_EQ(short_ascii.error().code, errc::password_policy);
  EXPECT_NE(short_ascii.error().message.find('8'), std::string::npos)
      << short_ascii.error().message;
  EXPECT_FALSE(policy.check(""));

  // 8 two-byte characters pass; 7 (14 bytes) do not.
  EXPECT_TRUE(policy.check(repeated("\xc3\xa9", 8)));
  auto seven = policy.check(repeated("\xc3\xa9", 7));
  ASSERT_FALSE(seven);
  EXPECT_EQ(seven.error().code, errc::password_policy);
  EXPECT_TRUE(policy.check(repeated("\xf0\x9f\x98\x80", 8)));
  EXPECT_FALSE(policy.check(repeated("\xf0\x9f\x98\x80", 7)));  // 28 bytes, 7 characters

  EXPECT_TRUE(policy.check(std::string(128, 'a')));
  auto too_long = policy.check(std::string(129, 'a'));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, errc::password_policy);
  EXPECT_NE(too_long.error().message.find("128"), std::string::npos) << too_long.error().message;
  // 128 two-byte characters (256 bytes) pass; 129 do not.
  EXPECT_TRUE(policy.check(repeated("\xc3\xa9", 128)));
  EXPECT_FALSE(policy.check(repeated("\xc3\xa9", 129)));
  EXPECT_FALSE(policy.check(std::string(100'000, 'a')));
}

TEST(AuthPasswordPolicy, InvalidUtf8IsRefused) {
  auto policy = password_policy::from_list("");
  for (std::string bad :
       {std::string("abcdefgh\xff"), std::string("abcdefgh\x80"), std::string("abcdefgh\xc3"),
        std::string("abcdefgh\xe2\x82"), std::string("\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe")}) {
    auto r = policy.check(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::password_policy);
    EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos) << r.error().message;
  }
}

TEST(AuthPasswordPolicy, CommonListSkipsCommentsAndIgnoresCase) {
  auto policy = password_policy::from_list(
      "#!comment: This list has been compiled by someone\n"
      "#!comment:\n"
      "12345678\n"
      "Password1\n"
      "qwertyuiop\r\n"
      "\n"
      "letmein123");  // the last line has no newline
  EXPECT_EQ(policy.common_count(), 4u);
  for (std::string_view common : {"12345678", "password1", "PASSWORD1", "Password1", "qwertyuiop",
                                  "QwErTyUiOp", "letmein123"}) {
    auto r = policy.check(common);
    ASSERT_FALSE(r) << common;
    EXPECT_EQ(r.error().code, errc::password_policy);
    EXPECT_NE(r.error().message.find("common"), std::string::npos) << r.error().message;
  }
  // Comment lines are not passwords; near misses are not common.
  EXPECT_TRUE(policy.check("#!comment: This list has been compiled by someone"));
  EXPECT_TRUE(policy.check("#!comment:"));
  EXPECT_TRUE(policy.check("password12"));
  EXPECT_TRUE(policy.check("12345678 "));
  EXPECT_TRUE(policy.check("qwertyuiop\r"));
}

TEST(AuthPasswordPolicy, LoadErrors) {
  auto missing = password_policy::load("/nonexistent/marketsim/password.lst");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::io_error);

  auto dir = std::filesystem::path(testing::TempDir()) / "marketsim_auth_password_test";
  std::filesystem::create_directories(dir);
  auto empty = dir / "only_comments.lst";
  {
    std::ofstream out(empty);
    out << "#!comment: nothing here\n\n";
  }
  auto r = password_policy::load(empty.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::parse_error);

  auto small = dir / "small.lst";
  {
    std::ofstream out(small);
    out << "#!comment: x\nsunshine99\n";
  }
  auto loaded = password_policy::load(small.string());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->common_count(), 1u);
  EXPECT_FALSE(loaded->check("SUNSHINE99"));
  std::filesystem::remove_all(dir);
}

TEST(AuthPasswordPolicy, JohnsListRefusesCommonPasswords) {
  const std::string path = "/usr/share/john/password.lst";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed (john-data)";
  auto policy = password_policy::load(path);
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_GT(policy->common_count(), 1000u);
  for (std::string_view common : {"password1", "PASSWORD1", "123456", "12345678", "iloveyou"}) {
    auto r = policy->check(common);
    ASSERT_FALSE(r) << common;
    EXPECT_EQ(r.error().code, errc::password_policy);
  }
  EXPECT_NE(policy->check("password1").error().message.find("common"), std::string::npos);
  EXPECT_TRUE(policy->check("marketsim unit test passphrase"));
}
