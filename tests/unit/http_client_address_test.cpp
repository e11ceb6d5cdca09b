// http::client_address: whose address a request is counted under (login throttling, rate
// limits). An untrusted peer is taken as is, whatever X-Forwarded-For claims; behind trusted
// proxies the right-most X-Forwarded-For entry that is not itself a trusted proxy wins, so a
// client cannot pick its own address by sending the header; empty or garbage entries stop the
// walk at the last trusted hop.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "marketsim/http/message.hpp"

using marketsim::http::client_address;

namespace {
const std::vector<std::string> none;
const std::vector<std::string> one_proxy{"10.0.0.1"};
const std::vector<std::string> two_proxies{"10.0.0.1", "10.0.0.2"};
}  // namespace

TEST(ClientAddress, UntrustedPeerIgnoresForwardedFor) {
  EXPECT_EQ(client_address("203.0.113.7", "", none), "203.0.113.7");
  EXPECT_EQ(client_address("203.0.113.7", "1.2.3.4", none), "203.0.113.7");
  EXPECT_EQ(client_address("203.0.113.7", "1.2.3.4", one_proxy), "203.0.113.7");
  EXPECT_EQ(client_address("203.0.113.7", "10.0.0.1", one_proxy), "203.0.113.7");
}

TEST(ClientAddress, TrustedPeerTakesTheRightMostEntry) {
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.9", one_proxy), "198.51.100.9");
  // A client-supplied entry on the left is not believed: the proxy appended the real one.
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6, 198.51.100.9", one_proxy), "198.51.100.9");
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6,198.51.100.9", one_proxy), "198.51.100.9");
  EXPECT_EQ(client_address("10.0.0.1", "  198.51.100.9  ", one_proxy), "198.51.100.9");
  EXPECT_EQ(client_address("10.0.0.1", "2001:db8::1", one_proxy), "2001:db8::1");
}

TEST(ClientAddress, ChainOfTrustedProxies) {
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2", two_proxies),
            "198.51.100.9");
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.9, 10.0.0.2, 10.0.0.1", two_proxies),
            "198.51.100.9");
  // Only trusted hops: the left-most of them is the best we know.
  EXPECT_EQ(client_address("10.0.0.1", "10.0.0.2", two_proxies), "10.0.0.2");
  // An untrusted hop in the middle ends the walk there.
  EXPECT_EQ(client_address("10.0.0.1", "10.0.0.2, 7.7.7.7, 10.0.0.2", two_proxies), "7.7.7.7");
}

TEST(ClientAddress, EmptyHeaderMeansThePeer) {
  EXPECT_EQ(client_address("10.0.0.1", "", one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "", two_proxies), "10.0.0.1");
}

TEST(ClientAddress, GarbageStopsAtTheLastTrustedHop) {
  EXPECT_EQ(client_address("10.0.0.1", ",", one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", " , ,", one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.9,", one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.9, ", one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "    ", one_proxy), "10.0.0.1");
  // An entry too long to be an address is not taken.
  std::string huge(100, '9');
  EXPECT_EQ(client_address("10.0.0.1", huge, one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "1.2.3.4, " + huge, one_proxy), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "1.2.3.4, " + huge + ", 10.0.0.2", two_proxies), "10.0.0.2");
  std::string long_list;
  for (int i = 0; i < 10'000; ++i) long_list += "10.0.0.2, ";
  long_list += "10.0.0.2";
  EXPECT_EQ(client_address("10.0.0.1", long_list, two_proxies), "10.0.0.2");
}
