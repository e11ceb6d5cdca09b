// Configuration parsing: every typed error and the defaults.
#include <gtest/gtest.h>

#include "marketsim/core/config.hpp"

using namespace marketsim;

namespace {
std::map<std::string, std::string> base_env() {
  return {{"MARKETSIM_DATABASE_URL", "postgresql:///x"}, {"PATH", "/usr/bin"}};
}
}  // namespace

TEST(Config, DefaultsApplyWhenOnlyTheDatabaseIsGiven) {
  auto cfg = parse_config(base_env(), "");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->port, 8080);
  EXPECT_EQ(cfg->market.provider, "replay");
  EXPECT_EQ(cfg->market.tick_interval, std::chrono::seconds(1));
  EXPECT_EQ(cfg->flush_interval, std::chrono::minutes(2));
  EXPECT_EQ(cfg->market.replay_day_duration, std::chrono::minutes(5));
}

TEST(Config, MissingRequiredValue) {
  auto cfg = parse_config({{"MARKETSIM_PORT", "9000"}}, "");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::config_missing);
  EXPECT_NE(cfg.error().message.find("MARKETSIM_DATABASE_URL"), std::string::npos);
}

TEST(Config, ValueGivenTwiceInEnvironmentAndDotenv) {
  auto cfg = parse_config(base_env(), "MARKETSIM_PORT=1\nMARKETSIM_DATABASE_URL=postgresql:///y\n");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::config_duplicate);
}

TEST(Config, ValueGivenTwiceInDotenv) {
  auto cfg = parse_config({}, "MARKETSIM_DATABASE_URL=a\nMARKETSIM_PORT=1\nMARKETSIM_PORT=2\n");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::config_duplicate);
}

TEST(Config, DotenvSuppliesValuesWithQuotesAndComments) {
  auto cfg = parse_config(
      {}, "# comment\nexport MARKETSIM_DATABASE_URL=\"postgresql:///z\"\n\nMARKETSIM_PORT=9001\n");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->database_url, "postgresql:///z");
  EXPECT_EQ(cfg->port, 9001);
}

TEST(Config, MalformedNumberDurationAndPort) {
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"MARKETSIM_PORT", "80a"},
           {"MARKETSIM_PORT", "70000"},
           {"MARKETSIM_PORT", "-1"},
           {"MARKETSIM_DB_POOL", "many"},
           {"MARKETSIM_DB_POOL", "0"},
           {"MARKETSIM_TICK_INTERVAL", "fast"},
           {"MARKETSIM_TICK_INTERVAL", "10"},
           {"MARKETSIM_TICK_INTERVAL", "0s"},
           {"MARKETSIM_FLUSH_INTERVAL", "2 minutes"},
           {"MARKETSIM_PROVIDER", "random"},
           {"MARKETSIM_REPLAY_START", "2005/01/03"},
           {"MARKETSIM_HTTP_URL", "ftp://x"},
       }) {
    auto env = base_env();
    env[key] = value;
    auto cfg = parse_config(env, "");
    ASSERT_FALSE(cfg) << key << "=" << value;
    EXPECT_EQ(cfg.error().code, errc::config_malformed) << key << "=" << value;
    EXPECT_NE(cfg.error().message.find(key), std::string::npos) << cfg.error().message;
  }
}

TEST(Config, UnknownMarketsimKeyIsALikelyTypo) {
  auto env = base_env();
  env["MARKETSIM_PROT"] = "8080";
  auto cfg = parse_config(env, "");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::config_unknown_key);
  EXPECT_NE(cfg.error().message.find("MARKETSIM_PROT"), std::string::npos);
}

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration("250ms").value(), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("5s").value(), std::chrono::seconds(5));
  EXPECT_EQ(parse_duration("2m").value(), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1h").value(), std::chrono::hours(1));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_EQ(parse_duration("7d").value(), std::chrono::hours(168));
  EXPECT_FALSE(parse_duration("1w"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

TEST(Config, HelpListsEveryKeyAndSecretsAreMasked) {
  auto help = config_help();
  for (auto key : {"MARKETSIM_DATABASE_URL", "MARKETSIM_PORT", "MARKETSIM_PROVIDER",
                   "MARKETSIM_FLUSH_INTERVAL"})
    EXPECT_NE(help.find(key), std::string::npos) << key;
  EXPECT_EQ(mask_secrets("postgresql://bob:hunter2@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("host=db password=hunter2 user=bob"), "host=db password=**** user=bob");
  auto env = base_env();
  env["MARKETSIM_DATABASE_URL"] = "postgresql://bob:hunter2@db/x?password=hunter2";
  auto cfg = parse_config(env, "");
  ASSERT_TRUE(cfg);
  for (const auto& line : describe(*cfg))
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
}
