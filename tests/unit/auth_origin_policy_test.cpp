// The Host and Origin rules (auth/origin_policy.hpp) and the URL shapes under them
// (core/url.hpp): a DNS rebinding page's requests name the attacker's host and are refused on
// every state-changing method; the configured origins and the loopback names on the bound port
// are accepted; an Origin must be one of ours exactly, whatever Host the request named.
#include <gtest/gtest.h>

#include "marketsim/auth/origin_policy.hpp"
#include "marketsim/core/url.hpp"

using namespace marketsim;
using namespace marketsim::auth;

TEST(OriginPolicy, ParseOrigin) {
  auto o = parse_origin("HTTPS://App.Example.com:443/");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme, "https");
  EXPECT_EQ(o->host, "app.example.com");
  EXPECT_EQ(o->port, 443);
  EXPECT_EQ(o->serialize(), "https://app.example.com");
  EXPECT_EQ(parse_origin("http://127.0.0.1:3000")->serialize(), "http://127.0.0.1:3000");
  EXPECT_EQ(parse_origin("http://[::1]:8080")->serialize(), "http://[::1]:8080");
  EXPECT_EQ(parse_origin("http://example.com:443")->serialize(), "http://example.com:443");
  EXPECT_EQ(parse_origin("https://example.com/app/", true)->serialize(), "https://example.com");
  for (std::string_view bad :
       {"", "example.com", "ftp://example.com", "http://", "http://:80", "http://a:b", "http://a:0",
        "http://a:65536", "http://a:80:80", "http://u:p@example.com", "http://example.com/app",
        "http://example.com?x", "http://example.com#x", "http://exa mple.com", "http://[::1",
        "http://ex\nample.com"})
    EXPECT_FALSE(parse_origin(bad)) << bad;
  // A message about a URL with user info does not repeat it.
  auto refused = parse_origin("https://bob:hunter2@example.com");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find("hunter2"), std::string::npos);
}

TEST(OriginPolicy, ParseHost) {
  auto h = parse_host("LocalHost:8080");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "localhost");
  EXPECT_EQ(h->port, 8080);
  EXPECT_FALSE(parse_host("example.com")->port);
  EXPECT_EQ(parse_host("[::1]:80")->host, "[::1]");
  for (std::string_view bad : {"", ":80", "a:", "a:x", "a:99999", "a:080000", "a b", "a/b", "u@a",
                               "a:80/x", "[::1", "[zz]:80", "a\r\nb"})
    EXPECT_FALSE(parse_host(bad)) << bad;
}

class OriginPolicyDefaults : public ::testing::Test {
 protected:
  // The defaults tests run with: MARKETSIM_PUBLIC_URL unset, MARKETSIM_PORT=0.
  origin_policy policy{"http://localhost:8080", {}, false};
  void SetUp() override { policy.set_bound_port(41234); }
};

TEST_F(OriginPolicyDefaults, LoopbackOnTheBoundPortAndThePublicUrlAreOurs) {
  for (std::string_view host :
       {"localhost:41234", "127.0.0.1:41234", "[::1]:41234", "LOCALHOST:41234", "localhost:8080"})
    EXPECT_TRUE(policy.host_allowed(host)) << host;
  for (std::string_view host :
       {"evil.example", "evil.example:41234", "localhost", "127.0.0.1", "127.0.0.1:8080",
        "127.0.0.2:41234", "localhost:41235", "localhost.:41234", "localhost.evil.example:41234",
        "0.0.0.0:41234", "[::ffff:127.0.0.1]:41234", "", "localhost:41234, evil.example"})
    EXPECT_FALSE(policy.host_allowed(host)) << host;
}

TEST_F(OriginPolicyDefaults, StateChangingMethodsNeedAKnownHost) {
  for (std::string_view m : {"POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "post", ""}) {
    auto refused = policy.check_host(m, "evil.example");
    ASSERT_TRUE(refused) << m;
    EXPECT_EQ(refused->code, errc::host_rejected) << m;
    EXPECT_TRUE(policy.check_host(m, std::nullopt)) << m << " without Host";
    EXPECT_FALSE(policy.check_host(m, "127.0.0.1:41234")) << m;
  }
  // Reads are never refused for their Host: a rebinding page learns only public data, and
  // without our cookies.
  for (std::string_view m : {"GET", "HEAD", "OPTIONS"}) {
    EXPECT_FALSE(policy.check_host(m, "evil.example")) << m;
    EXPECT_FALSE(policy.check_host(m, std::nullopt)) << m;
  }
}

TEST_F(OriginPolicyDefaults, OriginMustBeOursExactly) {
  for (std::string_view origin : {"http://localhost:8080", "http://127.0.0.1:41234",
                                  "http://localhost:41234", "http://[::1]:41234"})
    EXPECT_TRUE(policy.origin_allowed(origin)) << origin;
  for (std::string_view origin :
       {"http://evil.example", "http://evil.example:41234", "https://127.0.0.1:41234",
        "http://127.0.0.1:41235", "http://127.0.0.1", "http://localhost:8080/",
        "HTTP://LOCALHOST:8080", "null", "", "http://localhost:8080.evil.example"})
    EXPECT_FALSE(policy.origin_allowed(origin)) << origin;
}

TEST(OriginPolicy, NothingLoopbackBeforeThePortIsKnown) {
  origin_policy policy{"http://localhost:8080", {}, false};
  EXPECT_TRUE(policy.host_allowed("localhost:8080"));
  EXPECT_FALSE(policy.host_allowed("127.0.0.1:0"));
  EXPECT_FALSE(policy.host_allowed("127.0.0.1:41234"));
  EXPECT_FALSE(policy.origin_allowed("http://127.0.0.1:41234"));
}

TEST(OriginPolicy, PublicSiteBehindAProxy) {
  // TLS ends at the proxy; the proxy forwards the public Host.
  origin_policy policy{"https://marketsim.example", {"https://beta.marketsim.example:8443"}, false};
  policy.set_bound_port(8080);
  for (std::string_view host : {"marketsim.example", "marketsim.example:443", "MarketSim.Example",
                                "beta.marketsim.example:8443", "127.0.0.1:8080"})
    EXPECT_TRUE(policy.host_allowed(host)) << host;
  for (std::string_view host : {"marketsim.example:80", "marketsim.example:8080",
                                "beta.marketsim.example", "www.marketsim.example"})
    EXPECT_FALSE(policy.host_allowed(host)) << host;
  EXPECT_TRUE(policy.origin_allowed("https://marketsim.example"));
  EXPECT_TRUE(policy.origin_allowed("https://beta.marketsim.example:8443"));
  EXPECT_FALSE(policy.origin_allowed("http://marketsim.example"));
  EXPECT_FALSE(policy.origin_allowed("https://beta.marketsim.example"));
}

TEST(OriginPolicy, TlsLoopbackOriginsAreHttps) {
  origin_policy policy{"https://localhost:8443", {}, true};
  policy.set_bound_port(443);
  EXPECT_TRUE(policy.host_allowed("127.0.0.1"));  // port 443 implied, and bound
  EXPECT_TRUE(policy.host_allowed("127.0.0.1:443"));
  EXPECT_TRUE(policy.origin_allowed("https://127.0.0.1"));
  EXPECT_FALSE(policy.origin_allowed("http://127.0.0.1:443"));
  EXPECT_FALSE(policy.origin_allowed("https://127.0.0.1:443"));  // browsers omit the default
}

TEST(OriginPolicy, DevProxy) {
  // scripts/dev: the browser is on next dev (:3000), which proxies to the backend with the
  // backend's own address as Host and the browser's Origin.
  origin_policy policy{"http://localhost:3000", {"http://127.0.0.1:3000"}, false};
  policy.set_bound_port(8080);
  EXPECT_FALSE(policy.check_host("POST", "127.0.0.1:8080"));
  EXPECT_TRUE(policy.origin_allowed("http://localhost:3000"));
  EXPECT_TRUE(policy.origin_allowed("http://127.0.0.1:3000"));
  EXPECT_FALSE(policy.origin_allowed("http://evil.example:3000"));
}
