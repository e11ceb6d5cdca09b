// Unit tests of Stooq CSV parsing and of the HTTP provider against a fake Stooq served on
// 127.0.0.1 (port 0) by a thread of the test: good answers, N/D rows, HTTP 500, a hang past the
// timeout and garbage. The provider's own poll thread runs concurrently; every wait is bounded.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "marketsim/market/history.hpp"
#include "marketsim/market/http_provider.hpp"
#include "test_support.hpp"

namespace marketsim::market {
namespace {

using namespace std::chrono_literals;

std::string fixture(std::string_view name) {
  auto text = read_text_file(std::string(test_support::source_dir) + "/tests/fixtures/" +
                             std::string(name));
  EXPECT_TRUE(text) << name;
  return text.value_or("");
}

TEST(MarketHttp, StooqCodes) {
  EXPECT_EQ(stooq_code("AAPL"), "aapl.us");
  EXPECT_EQ(stooq_code("SPX"), "^spx");
  EXPECT_EQ(stooq_code("BRK.B"), "brk.b");
  EXPECT_EQ(symbol_from_stooq("AAPL.US"), "AAPL");
  EXPECT_EQ(symbol_from_stooq("^SPX"), "SPX");
  EXPECT_EQ(stooq_target("", {"AAPL", "MSFT", "SPX"}),
            "/q/l/?s=aapl.us,msft.us,%5Espx&f=sd2t2ohlcv&h&e=csv");
  EXPECT_EQ(stooq_target("/proxy", {"IBM"}), "/proxy/q/l/?s=ibm.us&f=sd2t2ohlcv&h&e=csv");
}

TEST(MarketHttp, ParsesRecordedQuotes) {
  auto batch = parse_stooq_csv(fixture("stooq_ok.csv"));
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->quotes.size(), 6u);
  EXPECT_TRUE(batch->unavailable.empty());
  const stooq_quote& aapl = batch->quotes[0];
  EXPECT_EQ(aapl.symbol, "AAPL");
  EXPECT_EQ(aapl.date, "2024-05-10");
  EXPECT_EQ(aapl.time, "22:00:09");
  EXPECT_EQ(aapl.open, 1'849'000);
  EXPECT_EQ(aapl.close, 1'830'500);
  EXPECT_EQ(aapl.volume, 50'759'496);
  EXPECT_EQ(batch->quotes[5].symbol, "SPX");
  EXPECT_FALSE(batch->quotes[5].volume);  // the index reports no volume
}

TEST(MarketHttp, NdRowsAreUnavailableNotErrors) {
  auto batch = parse_stooq_csv(fixture("stooq_nd.csv"));
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->quotes.size(), 1u);
  EXPECT_EQ(batch->quotes[0].symbol, "AAPL");
  EXPECT_EQ(batch->unavailable, (std::vector<std::string>{"AMZN", "GOOG", "IBM", "MSFT", "SPX"}));
}

TEST(MarketHttp, GarbageAndMalformedRowsAreParseErrors) {
  auto garbage = parse_stooq_csv(fixture("stooq_garbage.txt"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, errc::parse_error);
  EXPECT_FALSE(parse_stooq_csv(""));
  const std::string header = "Symbol,Date,Time,Open,High,Low,Close,Volume\n";
  for (std::string row : {"AAPL.US,2024-05-10,22:00:09,184.9,185.09,182.13,abc,1",
                          "AAPL.US,2024-05-10,22:00:09,184.9,185.09,182.13,183.05",
                          "AAPL.US,2024-05-10,22:00:09,184.9,185.09,182.13,0,1",
                          "AAPL.US,2024-05-10,22:00:09,184.9,185.09,182.13,183.05,-1",
                          ",2024-05-10,22:00:09,184.9,185.09,182.13,183.05,1"}) {
    auto r = parse_stooq_csv(header + row + "\n");
    ASSERT_FALSE(r) << row;
    EXPECT_NE(r.error().message.find("stooq:2:"), std::string::npos) << r.error().message;
  }
  auto header_only = parse_stooq_csv(header);
  ASSERT_TRUE(header_only);
  EXPECT_TRUE(header_only->quotes.empty());
}

TEST(MarketHttp, BaseUrls) {
  auto plain = parse_base_url("http://127.0.0.1:8080/");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, "8080");
  EXPECT_EQ(plain->path_prefix, "");
  auto tls = parse_base_url("https://stooq.com");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, "443");
  auto prefixed = parse_base_url("https://example.test/stooq/");
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->path_prefix, "/stooq");
  for (std::string_view bad :
       {"ftp://stooq.com", "stooq.com", "http://", "http://h:port", "http://h:123456"}) {
    auto r = parse_base_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::config_malformed);
  }
}

// A one-connection-at-a-time HTTP server on a loopback port chosen by the kernel. `respond`
// decides what each request gets; "hang" holds the connection open without answering.
class fake_stooq {
 public:
  enum class mode { ok, ok_later, nd, error_500, hang, garbage };

  fake_stooq() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ok_ = fixture("stooq_ok.csv");
    later_ = fixture("stooq_ok_later.csv");
    nd_ = fixture("stooq_nd.csv");
    garbage_ = fixture("stooq_garbage.txt");
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_stooq() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set(mode m) { mode_ = m; }
  [[nodiscard]] int requests() const { return requests_; }
  [[nodiscard]] std::string last_target() const {
    std::lock_guard lock(mutex_);
    return last_target_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
  }

  void handle(int client) {
    std::string request;
    char buf[2048];
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (request.find("\r\n\r\n") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline && !stop_) {
      pollfd p{client, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const auto n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      const auto sp1 = request.find(' ');
      last_target_ = request.substr(sp1 + 1, request.find(' ', sp1 + 1) - sp1 - 1);
    }
    const mode m = mode_;
    if (m == mode::hang) {
      // Longer than the provider's timeout, but bounded so the server can always stop.
      for (int i = 0; i < 40 && !stop_; ++i) std::this_thread::sleep_for(10ms);
      ++requests_;
      return;
    }
    std::string status = "200 OK", body;
    switch (m) {
      case mode::ok:
        body = ok_;
        break;
      case mode::ok_later:
        body = later_;
        break;
      case mode::nd:
        body = nd_;
        break;
      case mode::garbage:
        body = garbage_;
        break;
      case mode::error_500:
        status = "500 Internal Server Error", body = "oops";
        break;
      case mode::hang:
        break;
    }
    const std::string response = "HTTP/1.1 " + status +
                                 "\r\nContent-Type: text/csv\r\nConnection: close\r\n"
                                 "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body;
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    ++requests_;
  }

  int fd_ = -1;
  int port_ = 0;
  std::string ok_, later_, nd_, garbage_;
  std::atomic<mode> mode_{mode::ok};
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::string last_target_;
  std::thread thread_;
};

// Polls `done` every few milliseconds for at most `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

market_settings http_settings(const std::string& url) {
  market_settings s;
  s.provider = "http";
  s.http_base_url = url;
  s.http_poll_interval = 20ms;
  s.http_timeout = 200ms;
  return s;
}

std::map<std::string, tick> last_by_symbol(const std::vector<tick>& ticks) {
  std::map<std::string, tick> out;
  for (const tick& t : ticks) out[t.symbol] = t;
  return out;
}

TEST(MarketHttp, KeepsLastGoodQuoteThroughFailuresAndRecovers) {
  fake_stooq server;
  auto made = http_provider::create(http_settings(server.url()));
  ASSERT_TRUE(made) << made.error().message;
  http_provider& p = **made;
  EXPECT_EQ(p.name(), "http");
  ASSERT_EQ(p.instruments().size(), 6u);

  ASSERT_TRUE(eventually([&] { return p.last_quote("SPX").has_value(); }));
  EXPECT_EQ(server.last_target(),
            "/q/l/?s=aapl.us,amzn.us,goog.us,ibm.us,msft.us,%5Espx&f=sd2t2ohlcv&h&e=csv");
  auto first = last_by_symbol(p.next_batch(1'000));
  ASSERT_EQ(first.size(), 6u);
  EXPECT_EQ(first["AAPL"].price, 1'830'500);
  EXPECT_EQ(first["AAPL"].volume, 50'759'496);
  EXPECT_EQ(first["AAPL"].ts_ms, 1'000);
  EXPECT_EQ(first["SPX"].price, 52'226'800);
  EXPECT_EQ(first["SPX"].volume, 0);
  EXPECT_FALSE(p.previous_close("AAPL"));

  // Unchanged quotes produce no ticks.
  const auto good = p.good_polls();
  ASSERT_TRUE(eventually([&] { return p.good_polls() > good; }));
  EXPECT_TRUE(p.next_batch(2'000).empty());

  for (auto bad :
       {fake_stooq::mode::error_500, fake_stooq::mode::hang, fake_stooq::mode::garbage}) {
    server.set(bad);
    const auto failed = p.failed_polls();
    ASSERT_TRUE(eventually([&] { return p.failed_polls() > failed; }))
        << "mode " << static_cast<int>(bad);
    EXPECT_TRUE(p.next_batch(3'000).empty());
    ASSERT_TRUE(p.last_quote("AAPL"));
    EXPECT_EQ(p.last_quote("AAPL")->close, 1'830'500);
  }

  // N/D for all but AAPL: AAPL moves, the others keep their last good quote.
  server.set(fake_stooq::mode::nd);
  ASSERT_TRUE(eventually([&] { return p.last_quote("AAPL")->close == 1'835'500; }));
  auto nd = p.next_batch(4'000);
  ASSERT_EQ(nd.size(), 1u);
  EXPECT_EQ(nd[0].symbol, "AAPL");
  EXPECT_EQ(nd[0].volume, 50'812'233 - 50'759'496);
  EXPECT_EQ(p.last_quote("MSFT")->close, 4'147'400);

  // Recovery with fresh quotes; AAPL's cumulative volume fell (a new session): no volume.
  server.set(fake_stooq::mode::ok_later);
  ASSERT_TRUE(eventually([&] { return p.last_quote("MSFT")->close == 4'130'200; }));
  auto later = last_by_symbol(p.next_batch(5'000));
  ASSERT_EQ(later.size(), 6u);
  EXPECT_EQ(later["AAPL"].price, 1'867'200);
  EXPECT_EQ(later["AAPL"].volume, 0);
  EXPECT_EQ(later["MSFT"].price, 4'130'200);
}

TEST(MarketHttp, StopsPromptlyDuringAHangingRequest) {
  fake_stooq server;
  server.set(fake_stooq::mode::hang);
  auto s = http_settings(server.url());
  s.http_timeout = 5s;  // destruction must not wait for it
  auto made = http_provider::create(s);
  ASSERT_TRUE(made);
  ASSERT_TRUE(eventually([&] { return !server.last_target().empty(); }));
  const auto start = std::chrono::steady_clock::now();
  made->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(MarketHttp, UnreachableServerIsAFailureNotACrash) {
  std::string url;
  {
    fake_stooq closed;  // take a free port, then close it again
    url = closed.url();
  }
  auto made = http_provider::create(http_settings(url));
  ASSERT_TRUE(made);
  ASSERT_TRUE(eventually([&] { return (*made)->failed_polls() >= 1; }));
  EXPECT_TRUE((*made)->next_batch(0).empty());
}

TEST(MarketHttp, ConfigErrorsAndExtraSymbols) {
  auto s = http_settings("gopher://stooq.com");
  auto bad_url = make_provider(s, {});
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().code, errc::config_malformed);
  s = http_settings("http://127.0.0.1:9");
  s.http_symbols = {"tsla", "AAPL", "NMBQ"};
  s.http_poll_interval = 1h;  // no traffic needed for this test
  auto made = make_provider(s, {});
  ASSERT_TRUE(made) << made.error().message;
  const auto& list = (*made)->instruments();
  ASSERT_EQ(list.size(), 8u);
  EXPECT_EQ(list[6].symbol, "TSLA");
  EXPECT_EQ(list[7].name, "Nimbrel Systems");
  s.http_symbols = {"BAD SYMBOL"};
  auto bad_symbol = make_provider(s, {});
  ASSERT_FALSE(bad_symbol);
  EXPECT_EQ(bad_symbol.error().code, errc::config_malformed);
}

}  // namespace
}  // namespace marketsim::market
