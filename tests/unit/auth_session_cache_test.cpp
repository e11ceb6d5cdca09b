// The session cache (auth/session_cache.hpp): put/find, erase, erase_user (all of one user's
// sessions, no one else's), update_user seen through every session of the user, touch's
// "store the last-seen time at most every N ms" rule, and the capacity bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "marketsim/auth/session_cache.hpp"

using namespace marketsim::auth;

namespace {

std::shared_ptr<const user_record> user(std::int64_t id, std::string name = "someone",
                                        role r = role::user) {
  auto u = std::make_shared<user_record>();
  u->id = id;
  u->email = "u" + std::to_string(id) + "@example.com";
  u->user_tag = "user" + std::to_string(id);
  u->display_name = std::move(name);
  u->user_role = r;
  u->status = user_status::active;
  return u;
}

session_record session(std::string hash, std::int64_t user_id, std::int64_t now = 1'000) {
  return session_record{std::move(hash), user_id, now, now, now + 3'600'000};
}

}  // namespace

TEST(AuthSessionCache, PutFindErase) {
  session_cache c(16);
  EXPECT_FALSE(c.find("h1"));
  c.put(session("h1", 7), user(7, "Alice"), 1'000);
  auto hit = c.find("h1");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->session.id_hash, "h1");
  EXPECT_EQ(hit->session.user_id, 7);
  EXPECT_EQ(hit->session.expires_ms, 1'000 + 3'600'000);
  ASSERT_TRUE(hit->user);
  EXPECT_EQ(hit->user->id, 7);
  EXPECT_EQ(hit->user->display_name, "Alice");
  EXPECT_EQ(c.size(), 1u);
  EXPECT_FALSE(c.find("h2"));
  EXPECT_FALSE(c.find(""));

  c.erase("h1");
  EXPECT_FALSE(c.find("h1"));
  EXPECT_EQ(c.size(), 0u);
  c.erase("h1");  // twice is harmless
  c.erase("never");
  EXPECT_EQ(c.size(), 0u);
}

TEST(AuthSessionCache, ErasingOneSessionKeepsTheUsersOthers) {
  session_cache c(16);
  c.put(session("a1", 1), user(1, "Alice"), 0);
  c.put(session("a2", 1), user(1, "Alice"), 0);
  c.erase("a1");
  auto hit = c.find("a2");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->user->display_name, "Alice");
  // The user's record is still known for the remaining session.
  c.update_user(user(1, "Alice B."));
  EXPECT_EQ(c.find("a2")->user->display_name, "Alice B.");
}

TEST(AuthSessionCache, EraseUserReturnsAllItsSessionsAndNoOthers) {
  session_cache c(16);
  c.put(session("a1", 1), user(1), 0);
  c.put(session("a2", 1), user(1), 0);
  c.put(session("a3", 1), user(1), 0);
  c.put(session("b1", 2), user(2), 0);
  c.put(session("c1", 3), user(3), 0);
  auto gone = c.erase_user(1);
  std::sort(gone.begin(), gone.end());
  EXPECT_EQ(gone, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_FALSE(c.find("a1"));
  EXPECT_FALSE(c.find("a2"));
  EXPECT_FALSE(c.find("a3"));
  EXPECT_TRUE(c.find("b1"));
  EXPECT_TRUE(c.find("c1"));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.erase_user(1).empty());
  EXPECT_TRUE(c.erase_user(99).empty());
  EXPECT_EQ(c.erase_user(2), std::vector<std::string>{"b1"});
  EXPECT_EQ(c.size(), 1u);
}

TEST(AuthSessionCache, UpdateUserIsSeenByEverySession) {
  session_cache c(16);
  c.put(session("a1", 1), user(1, "Alice"), 0);
  c.put(session("a2", 1), user(1, "Alice"), 0);
  c.put(session("b1", 2), user(2, "Bob"), 0);
  auto promoted = std::make_shared<user_record>(*user(1, "Alice Admin", role::admin));
  c.update_user(promoted);
  for (auto h : {"a1", "a2"}) {
    auto hit = c.find(h);
    ASSERT_TRUE(hit) << h;
    EXPECT_EQ(hit->user->user_role, role::admin) << h;
    EXPECT_EQ(hit->user->display_name, "Alice Admin") << h;
    EXPECT_EQ(hit->session.user_id, 1);
  }
  EXPECT_EQ(c.find("b1")->user->display_name, "Bob");
  EXPECT_EQ(c.find("b1")->user->user_role, role::user);

  auto disabled = std::make_shared<user_record>(*user(2, "Bob"));
  disabled->status = user_status::disabled;
  c.update_user(disabled);
  EXPECT_EQ(c.find("b1")->user->status, user_status::disabled);

  // A user with no cached session is not added by an update.
  c.update_user(user(5, "Eve"));
  EXPECT_EQ(c.size(), 3u);
  c.put(session("e1", 5), user(5, "Eve again"), 0);
  EXPECT_EQ(c.find("e1")->user->display_name, "Eve again");
}

TEST(AuthSessionCache, PutOfANewSessionRefreshesTheUser) {
  session_cache c(16);
  c.put(session("a1", 1), user(1, "Old"), 0);
  c.put(session("a2", 1), user(1, "New"), 0);
  EXPECT_EQ(c.find("a1")->user->display_name, "New");
}

TEST(AuthSessionCache, TouchStoresAtMostEveryInterval) {
  session_cache c(16);
  c.put(session("h", 1, 10'000), user(1), 10'000);
  EXPECT_FALSE(c.touch("h", 10'500, 60'000));
  EXPECT_FALSE(c.touch("h", 69'999, 60'000));
  EXPECT_EQ(c.find("h")->session.last_seen_ms, 69'999);  // the cache has the exact time
  EXPECT_TRUE(c.touch("h", 70'001, 60'000));             // stored 60 s ago: write it
  EXPECT_FALSE(c.touch("h", 70'002, 60'000));            // counted as written
  EXPECT_FALSE(c.touch("h", 130'000, 60'000));
  EXPECT_TRUE(c.touch("h", 130'002, 60'000));
  EXPECT_EQ(c.find("h")->session.last_seen_ms, 130'002);
  // Time never goes backwards in the cache.
  EXPECT_FALSE(c.touch("h", 5, 60'000));
  EXPECT_EQ(c.find("h")->session.last_seen_ms, 130'002);
  EXPECT_FALSE(c.touch("unknown", 1'000'000, 60'000));
}

TEST(AuthSessionCache, TouchUsesTheStoredTimeGivenToPut) {
  // A session read from the database with an old stored last-seen time is due at once.
  session_cache c(16);
  c.put(session("h", 1, 0), user(1), 0);
  EXPECT_TRUE(c.touch("h", 100'000, 60'000));
  session_cache d(16);
  d.put(session("h", 1, 0), user(1), 99'000);
  EXPECT_FALSE(d.touch("h", 100'000, 60'000));
}

TEST(AuthSessionCache, CapacityIsBounded) {
  session_cache c(2);
  c.put(session("h1", 1), user(1), 0);
  c.put(session("h2", 2), user(2), 0);
  EXPECT_EQ(c.size(), 2u);
  c.put(session("h3", 3), user(3), 0);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.find("h3"));
  EXPECT_EQ(static_cast<int>(c.find("h1").has_value()) + static_cast<int>(c.find("h2").has_value()),
            1);
  // The evicted session's user went with it: erase_user reports only what is still cached.
  std::size_t remaining = c.erase_user(1).size() + c.erase_user(2).size();
  EXPECT_EQ(remaining, 1u);
  EXPECT_EQ(c.size(), 1u);

  for (int i = 0; i < 100; ++i) {
    c.put(session("x" + std::to_string(i), i % 5), user(i % 5), 0);
    ASSERT_LE(c.size(), 2u);
  }
  EXPECT_TRUE(c.find("x99"));
}

TEST(AuthSessionCache, ReplacingACachedSessionDoesNotEvict) {
  session_cache c(2);
  c.put(session("h1", 1), user(1), 0);
  c.put(session("h2", 2), user(2), 0);
  c.put(session("h1", 1, 5'000), user(1), 5'000);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.find("h2"));
  ASSERT_TRUE(c.find("h1"));
  EXPECT_EQ(c.find("h1")->session.created_ms, 5'000);
}

TEST(AuthSessionCache, ZeroCapacityCachesNothing) {
  session_cache c(0);
  c.put(session("h1", 1), user(1), 0);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.find("h1"));
}

// A session read from the database while some user's sessions were being ended is not cached:
// it may be one of the ended ones.
TEST(AuthSessionCache, ReadRacingARevocationIsNotCached) {
  marketsim::auth::session_cache cache(10);
  marketsim::auth::session_record s;
  s.id_hash = std::string(32, 'r');
  s.user_id = 7;
  marketsim::auth::user_record record;
  record.id = 7;
  auto user = std::make_shared<const marketsim::auth::user_record>(record);
  auto before = cache.revocations();
  (void)cache.erase_user(7);  // a password change or disable, meanwhile
  cache.put_unless_revoked(s, user, 0, before);
  EXPECT_FALSE(cache.find(s.id_hash));
  cache.put_unless_revoked(s, user, 0, cache.revocations());
  EXPECT_TRUE(cache.find(s.id_hash));
}
