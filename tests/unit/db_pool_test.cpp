// db::with_application_name (db/pool.hpp): the instance and pool's name in either form of a
// libpq connection string, escaped so no name can break out of it.
#include "marketsim/db/pool.hpp"

#include <gtest/gtest.h>

namespace marketsim::db {
namespace {

TEST(DbPool, AnApplicationNameJoinsAUriAsAQueryParameter) {
  EXPECT_EQ(
      with_application_name("postgresql://m@/db?host=/tmp/s&port=5433", "marketsim h:1 requests"),
      "postgresql://m@/db?host=/tmp/s&port=5433&application_name=marketsim%20h%3A1%20requests");
  EXPECT_EQ(with_application_name("postgres://m@localhost/db", "a/b&c"),
            "postgres://m@localhost/db?application_name=a%2Fb%26c");
}

TEST(DbPool, AnApplicationNameJoinsKeywordsQuotedAndEscaped) {
  EXPECT_EQ(with_application_name("host=/tmp dbname=m", "it's a \\ name"),
            "host=/tmp dbname=m application_name='it\\'s a \\\\ name'");
  EXPECT_EQ(with_application_name("", "x"), "application_name='x'");
}

}  // namespace
}  // namespace marketsim::db
