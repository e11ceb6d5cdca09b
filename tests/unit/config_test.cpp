// Configuration parsing: every typed error and the defaults.
#include <gtest/gtest.h>

#include "marketsim/app/config.hpp"

using namespace marketsim;
using namespace marketsim::app;

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
  // A live market out of the box: 30 bots, each thinking every 5 s, 40 orders/s at most.
  EXPECT_EQ(cfg->bots, 30);
  EXPECT_EQ(cfg->bot_order_rate, 40);
  EXPECT_EQ(cfg->bot_think, std::chrono::seconds(5));
  // Public profiles show fills 15 minutes late.
  EXPECT_EQ(cfg->profile_trade_delay, std::chrono::minutes(15));
}

TEST(Config, ProfileTradeDelay) {
  auto env = base_env();
  env["MARKETSIM_PROFILE_TRADE_DELAY"] = "2s";
  auto cfg = parse_config(env, "");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(api_settings_of(*cfg).profile_trade_delay_ms, 2000);
  // No delay at all would let anyone trade right behind a player: refused.
  env["MARKETSIM_PROFILE_TRADE_DELAY"] = "0s";
  EXPECT_FALSE(parse_config(env, ""));
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
           {"MARKETSIM_BOTS", "-1"},
           {"MARKETSIM_BOTS", "1001"},
           {"MARKETSIM_BOT_ORDER_RATE", "0"},
           {"MARKETSIM_BOT_THINK", "0s"},
           {"MARKETSIM_BOT_SEED", "x"},
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

TEST(ConfigMask, UserInfoEndsAtTheLastAtBeforeTheHost) {
  EXPECT_EQ(mask_secrets("postgresql://u:p@ss@host/db"), "postgresql://u:****@host/db");
  EXPECT_EQ(mask_secrets("postgres://bob:h@un@ter2@db.example:5432/x?sslmode=require"),
            "postgres://bob:****@db.example:5432/x?sslmode=require");
  EXPECT_EQ(mask_secrets("postgresql://bob:p%40ss%2Fw%3A@db/x"), "postgresql://bob:****@db/x");
  // Raw delimiters in a password: '/', '?', '#', ':'.
  EXPECT_EQ(mask_secrets("postgresql://bob:pa/ss@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("postgresql://bob:pa?ss@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("postgresql://bob:pa#ss@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("postgresql://bob:pa:ss@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("postgresql://bob:p@h/x@db/x"), "postgresql://bob:****@db/x");
  EXPECT_EQ(mask_secrets("postgresql://bob:pw@[::1]:5432/db"),
            "postgresql://bob:****@[::1]:5432/db");
  EXPECT_EQ(mask_secrets("postgresql://bob:pw@h1:5432,h2:5433/db"),
            "postgresql://bob:****@h1:5432,h2:5433/db");
  EXPECT_EQ(mask_secrets("postgresql://bob:pw@/db?host=/run/pg"),
            "postgresql://bob:****@/db?host=/run/pg");
  // No password: nothing to hide.
  for (std::string_view plain :
       {"postgresql://bob@db/x", "postgresql:///x", "postgresql://db:5432/x",
        "postgresql://marketsim@/marketsim?host=/tmp/s&port=5433", "smtp://relay:25"})
    EXPECT_EQ(mask_secrets(plain), plain);
}

TEST(ConfigMask, QueryParameters) {
  EXPECT_EQ(
      mask_secrets("postgresql://bob@db/x?sslmode=require&password=hunter2&application_name=me"),
      "postgresql://bob@db/x?sslmode=require&password=****&application_name=me");
  EXPECT_EQ(mask_secrets("postgresql:///x?pass%77ord=hunter2"), "postgresql:///x?pass%77ord=****");
  EXPECT_EQ(mask_secrets("postgresql:///x?sslpassword=hunter2#frag"),
            "postgresql:///x?sslpassword=****#frag");
  // An '@' inside the query is not the end of any user info.
  EXPECT_EQ(mask_secrets("postgresql://bob:pw@db/x?application_name=me@box"),
            "postgresql://bob:****@db/x?application_name=me@box");
  EXPECT_EQ(mask_secrets("postgresql://db/x?password=hunter2&application_name=me@box"),
            "postgresql://db/x?password=****&application_name=me@box");
  EXPECT_EQ(mask_secrets("https://quotes.example/q?apikey=hunter2&s=AAPL"),
            "https://quotes.example/q?apikey=****&s=AAPL");
}

TEST(ConfigMask, KeyValueConnectionStrings) {
  EXPECT_EQ(mask_secrets("host=db password=hunter2 user=bob"), "host=db password=**** user=bob");
  EXPECT_EQ(mask_secrets("host=db password='a b c' user=bob"), "host=db password='****' user=bob");
  EXPECT_EQ(mask_secrets("password = 'it\\'s me' user = bob"), "password = '****' user = bob");
  EXPECT_EQ(mask_secrets("password=hun\\ ter2 user=bob"), "password=**** user=bob");
  EXPECT_EQ(mask_secrets("host=db\tsslpassword=x dbname='my db'"),
            "host=db\tsslpassword=**** dbname='my db'");
  EXPECT_EQ(mask_secrets("password='never closed user=bob"), "password='****'");
  EXPECT_EQ(mask_secrets("host=db password hunter2"), "host=db password ****");
  EXPECT_EQ(mask_secrets("host=db user=bob"), "host=db user=bob");
}

TEST(ConfigMask, SmtpUrls) {
  EXPECT_EQ(mask_secrets("smtp+starttls://user:pa@ss@mail.example:587"),
            "smtp+starttls://user:****@mail.example:587");
  EXPECT_EQ(mask_secrets("smtp+starttls://me%40example.com:s3cret@mail.example:587"),
            "smtp+starttls://me%40example.com:****@mail.example:587");
}

TEST(ConfigMask, DescribeShowsNoSecretAnywhere) {
  auto env = base_env();
  env["MARKETSIM_DATABASE_URL"] = "postgresql://bob:hun%40ter2@db/x?sslpassword=hunter3";
  env["MARKETSIM_SMTP_URL"] = "smtp+starttls://user:hun@ter4@mail.example:587";
  env["MARKETSIM_HTTP_URL"] = "https://key:hunter5@quotes.example/?token=hunter6";
  env["MARKETSIM_SESSION_SECRET"] = "hunter7-0123456789abcdef0123456789abcdef";
  auto cfg = parse_config(env, "");
  ASSERT_TRUE(cfg) << cfg.error().message;
  for (const auto& line : describe(*cfg))
    for (std::string_view secret : {"hunter", "ter4", "ter2"})
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
}

TEST(Config, DatabaseUrlWithARawAtOrSlashInThePasswordIsRefused) {
  // libpq would read "ss@host" as the host and quote it in its error: a piece of the password
  // in the log.
  for (std::string url : {"postgresql://u:p@ss@host/db", "postgres://u:pa/ss@host/db"}) {
    auto env = base_env();
    env["MARKETSIM_DATABASE_URL"] = url;
    auto cfg = parse_config(env, "");
    ASSERT_FALSE(cfg) << url;
    EXPECT_EQ(cfg.error().code, errc::config_malformed);
    EXPECT_NE(cfg.error().message.find("percent-encode"), std::string::npos);
    EXPECT_EQ(cfg.error().message.find("ss@"), std::string::npos) << cfg.error().message;
    EXPECT_EQ(cfg.error().message.find("pa/"), std::string::npos) << cfg.error().message;
  }
  for (std::string url : {"postgresql://u:p%40ss@host/db", "postgresql://u@/db?host=/tmp/x",
                          "host=db password=p@ss/x", "postgresql://db/x?application_name=a@b"}) {
    auto env = base_env();
    env["MARKETSIM_DATABASE_URL"] = url;
    EXPECT_TRUE(parse_config(env, "")) << url;
  }
}

TEST(Config, PublicUrlAndAllowedOriginsMustBeOrigins) {
  auto env = base_env();
  env["MARKETSIM_PUBLIC_URL"] = "https://Marketsim.example/";
  env["MARKETSIM_ALLOWED_ORIGINS"] = "https://App.example.com/, http://127.0.0.1:3000";
  auto cfg = parse_config(env, "");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->public_url, "https://Marketsim.example");
  EXPECT_EQ(cfg->allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://127.0.0.1:3000"}));
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"MARKETSIM_PUBLIC_URL", "localhost:8080"},
           {"MARKETSIM_PUBLIC_URL", "http://bob:hunter2@example.com"},
           {"MARKETSIM_PUBLIC_URL", "http://exa mple.com"},
           {"MARKETSIM_ALLOWED_ORIGINS", "https://app.example.com/path"},
           {"MARKETSIM_ALLOWED_ORIGINS", "http://127.0.0.1:3000,*"}}) {
    auto bad = base_env();
    bad[key] = value;
    auto r = parse_config(bad, "");
    ASSERT_FALSE(r) << key << "=" << value;
    EXPECT_EQ(r.error().code, errc::config_malformed);
    EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos);
  }
}
