// Metrics (core/metrics.hpp): the text exposition Prometheus reads, worked by hand, and counts
// that stay exact under a crowd of threads.
#include "marketsim/core/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace marketsim::metrics {
namespace {

TEST(Metrics, TheExpositionIsPrometheusTextFormat) {
  registry r;
  auto& requests =
      r.counters("marketsim_http_requests_total", "Requests answered.", {"route", "status"});
  requests.with({"/api/stocks", "200"}).inc(3);
  requests.with({"/api/x\"y", "404"}).inc();
  r.gauges("marketsim_leader", "1 while this instance leads.").only().set(1);
  const std::array<double, 2> bounds{0.1, 1};
  auto& lat = r.histograms("marketsim_step_seconds", "Step time.", {"step"}, bounds);
  lat.with({"flush"}).observe(0.05);
  lat.with({"flush"}).observe(0.5);
  lat.with({"flush"}).observe(7);
  r.collect("marketsim_open_files", "Open file descriptors.", "gauge", [] { return 12.5; });
  EXPECT_EQ(r.expose(),
            "# HELP marketsim_http_requests_total Requests answered.\n"
            "# TYPE marketsim_http_requests_total counter\n"
            "marketsim_http_requests_total{route=\"/api/stocks\",status=\"200\"} 3\n"
            "marketsim_http_requests_total{route=\"/api/x\\\"y\",status=\"404\"} 1\n"
            "# HELP marketsim_leader 1 while this instance leads.\n"
            "# TYPE marketsim_leader gauge\n"
            "marketsim_leader 1\n"
            "# HELP marketsim_step_seconds Step time.\n"
            "# TYPE marketsim_step_seconds histogram\n"
            "marketsim_step_seconds_bucket{step=\"flush\",le=\"0.1\"} 1\n"
            "marketsim_step_seconds_bucket{step=\"flush\",le=\"1\"} 2\n"
            "marketsim_step_seconds_bucket{step=\"flush\",le=\"+Inf\"} 3\n"
            "marketsim_step_seconds_sum{step=\"flush\"} 7.55\n"
            "marketsim_step_seconds_count{step=\"flush\"} 3\n"
            "# HELP marketsim_open_files Open file descriptors.\n"
            "# TYPE marketsim_open_files gauge\n"
            "marketsim_open_files 12.5\n");
}

TEST(Metrics, RegisteringANameTwiceGivesTheSameFamily) {
  registry r;
  auto& a = r.counters("marketsim_x_total", "x");
  auto& b = r.counters("marketsim_x_total", "x");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.only(), &b.only());
}

TEST(Metrics, CountsStayExactUnderACrowdOfThreads) {
  registry r;
  auto& c = r.counters("marketsim_hits_total", "hits", {"who"});
  auto& h = r.histograms("marketsim_wait_seconds", "waits", {"who"});
  std::vector<std::thread> crowd;
  for (int t = 0; t < 8; ++t)
    crowd.emplace_back([&, t] {
      const auto who = std::to_string(t % 2);
      for (int i = 0; i < 10'000; ++i) {
        c.with({who}).inc();
        h.with({who}).observe(0.001 * (i % 3));
      }
    });
  for (auto& t : crowd) t.join();
  EXPECT_EQ(c.with({"0"}).value() + c.with({"1"}).value(), 80'000u);
  const auto s = h.with({"0"}).read();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_EQ(s.cumulative.back(), 40'000u);
}

}  // namespace
}  // namespace marketsim::metrics
