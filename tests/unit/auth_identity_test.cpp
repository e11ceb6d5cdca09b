// Sign-up field rules (auth/identity.hpp): email normalization (trim, lower-case, one '@', a dot
// in the domain, no spaces or control characters, length limits), user tags (3-20 of a-z 0-9 _)
// and display names (trimmed, 1-40 code points, no control characters, valid UTF-8).
#include <gtest/gtest.h>

#include <string>

#include "marketsim/auth/identity.hpp"

using namespace marketsim;
using namespace marketsim::auth;

namespace {

void expect_bad_email(std::string_view text) {
  auto r = normalize_email(text);
  ASSERT_FALSE(r) << "accepted: " << text;
  EXPECT_EQ(r.error().code, errc::invalid_email);
}

std::string repeat(std::string_view piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

}  // namespace

TEST(AuthIdentity, EmailIsTrimmedAndLowerCased) {
  EXPECT_EQ(normalize_email("alice@example.com").value_or("?"), "alice@example.com");
  EXPECT_EQ(normalize_email("  Alice@Example.COM  ").value_or("?"), "alice@example.com");
  EXPECT_EQ(normalize_email("\tBOB.Smith+tag@Mail.Example.org\t").value_or("?"),
            "bob.smith+tag@mail.example.org");
  EXPECT_EQ(normalize_email("a@b.c").value_or("?"), "a@b.c");
}

TEST(AuthIdentity, EmailShapeIsChecked) {
  expect_bad_email("");
  expect_bad_email("   ");
  expect_bad_email("alice");
  expect_bad_email("alice.example.com");       // no '@'
  expect_bad_email("alice@@example.com");      // two '@'
  expect_bad_email("alice@example@test.com");  // two '@'
  expect_bad_email("@example.com");            // empty local part
  expect_bad_email("alice@");                  // empty domain
  expect_bad_email("alice@localhost");         // no dot in the domain
  expect_bad_email("alice.smith@localhost");   // the dot must be in the domain
  expect_bad_email("alice@.com");
  expect_bad_email("alice@example.");
}

TEST(AuthIdentity, EmailRefusesSpacesAndControlCharacters) {
  expect_bad_email("alice smith@example.com");
  expect_bad_email("alice@exa mple.com");
  expect_bad_email("alice@example.com\nBcc: x@y.z");
  expect_bad_email("alice\r@example.com");
  expect_bad_email("ali\tce@example.com");
  expect_bad_email(std::string("alice\0@example.com", 18));
  expect_bad_email("alice\x01@example.com");
  expect_bad_email("alice\x7f@example.com");
  expect_bad_email("<alice@example.com>");
  expect_bad_email("alice@example.com, bob@example.com");
  expect_bad_email("alice@example.com; bob@example.com");
  expect_bad_email("\"alice\"@example.com");
  expect_bad_email("alice@example.com\xff");  // not UTF-8
}

TEST(AuthIdentity, EmailLengthLimits) {
  // 64 + 1 + 189 = 254 characters: the longest accepted.
  std::string local(64, 'l');
  std::string domain = std::string(185, 'd') + ".com";
  auto longest = local + "@" + domain;
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_EQ(normalize_email(longest).value_or("?"), longest);
  expect_bad_email(local + "@d" + domain);                  // 255
  expect_bad_email(std::string(65, 'l') + "@example.com");  // local part over 64
  expect_bad_email(std::string(300, 'a') + "@example.com");
  expect_bad_email("a@" + std::string(100'000, 'b') + ".com");
  // Surrounding blanks do not count against the limit.
  EXPECT_TRUE(normalize_email("   " + longest + "   "));
}

TEST(AuthIdentity, UserTag) {
  for (std::string_view ok : {"abc", "alice", "a_1", "___", "user_2024", "abcdefghijklmnopqrst"}) {
    EXPECT_TRUE(check_user_tag(ok)) << ok;
  }
  for (std::string_view bad : {"", "a", "ab", "abcdefghijklmnopqrstu", "Alice", "ALICE", "a-b",
                               "a.b", "a b", "ali ce", "alice!", "élan", "abc\n", " abc"}) {
    auto r = check_user_tag(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_user_tag);
  }
  EXPECT_FALSE(check_user_tag(std::string("ab\0c", 4)));
  // The bots' tags are theirs alone; "robot_1" and "bot" are a person's to take.
  EXPECT_TRUE(check_user_tag("bot_07"));  // a bot's tag, found by profile look-ups
  auto bot = check_new_user_tag("bot_07");
  ASSERT_FALSE(bot);
  EXPECT_EQ(bot.error().code, errc::invalid_user_tag);
  EXPECT_TRUE(check_new_user_tag("robot_1"));
  EXPECT_TRUE(check_new_user_tag("bot"));
  EXPECT_TRUE(check_new_user_tag("bots"));
  EXPECT_FALSE(check_new_user_tag("Alice"));
}

TEST(AuthIdentity, DisplayNameIsTrimmed) {
  EXPECT_EQ(normalize_display_name("Alice").value_or("?"), "Alice");
  EXPECT_EQ(normalize_display_name("  Alice Smith \t").value_or("?"), "Alice Smith");
  EXPECT_EQ(normalize_display_name("A").value_or("?"), "A");
  EXPECT_EQ(normalize_display_name("Zo\xc3\xab").value_or("?"), "Zo\xc3\xab");  // Zoë
}

TEST(AuthIdentity, DisplayNameLengthInCodePoints) {
  EXPECT_TRUE(normalize_display_name(std::string(40, 'x')));
  EXPECT_FALSE(normalize_display_name(std::string(41, 'x')));
  // 40 two-byte characters (80 bytes) pass; 41 do not.
  EXPECT_TRUE(normalize_display_name(repeat("\xc3\xa9", 40)));
  EXPECT_FALSE(normalize_display_name(repeat("\xc3\xa9", 41)));
  EXPECT_TRUE(normalize_display_name(repeat("\xf0\x9f\x98\x80", 40)));
  // Padding does not count.
  EXPECT_TRUE(normalize_display_name("   " + std::string(40, 'x') + "   "));
  for (std::string_view bad : {"", " ", "\t \t"}) {
    auto r = normalize_display_name(bad);
    ASSERT_FALSE(r) << "[" << bad << "]";
    EXPECT_EQ(r.error().code, errc::invalid_display_name);
  }
}

TEST(AuthIdentity, DisplayNameRefusesControlCharactersAndBadUtf8) {
  for (std::string bad :
       {std::string("Alice\nSmith"), std::string("Alice\rSmith"), std::string("Ali\tce"),
        std::string("Alice\x01"), std::string("Alice\x1b[31m"), std::string("Alice\x7f"),
        std::string("Alice\0Smith", 11), std::string("Alice\xff"), std::string("Alice\xc3")}) {
    auto r = normalize_display_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_display_name);
  }
}

// Names cannot hide behind invisible direction or line controls, nor C1 control characters.
TEST(AuthIdentity, DisplayNameRefusesInvisibleControls) {
  using marketsim::auth::normalize_display_name;
  EXPECT_FALSE(
      normalize_display_name("evil\xe2\x80\xae"
                             "txt"));  // U+202E right-to-left override
  EXPECT_FALSE(
      normalize_display_name("a\xc2\x85"
                             "b"));  // U+0085 next line (C1)
  EXPECT_FALSE(
      normalize_display_name("a\xe2\x80\x8b"
                             "b"));  // U+200B zero width space
  EXPECT_FALSE(
      normalize_display_name("a\xe2\x80\xa8"
                             "b"));  // U+2028 line separator
  EXPECT_TRUE(normalize_display_name("Zoë Ångström"));
  EXPECT_TRUE(normalize_display_name("株式 トレーダー"));
}
