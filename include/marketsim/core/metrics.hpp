// Metrics the Prometheus way (issue 13): counters, gauges and histograms, each a family of
// children by label values, and their text exposition (format 0.0.4) for GET /metrics.
//
// Updating a metric is lock-free (relaxed atomics): io threads, the pool's threads and the
// strands all record into them. Finding a labelled child takes a shared lock (a unique one only
// the first time a label set is seen); hot paths keep the child they found. Values that live
// elsewhere (the pool's queue, the process's RSS) are read at scrape time by collectors: each
// must be cheap, thread-safe and never block, since a scrape runs on an io thread.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim::metrics {

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Seconds, from half a millisecond to ten seconds: request and step latencies.
[[nodiscard]] std::span<const double> latency_buckets() noexcept;

class histogram {
 public:
  explicit histogram(std::span<const double> bounds);
  void observe(double v) noexcept;
  struct snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  [[nodiscard]] snapshot read() const;
  [[nodiscard]] std::span<const double> bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// One sample as a collector reports it: label values (in the family's label order) and a value.
struct sample {
  std::vector<std::string> labels;
  double value = 0;
};

class registry;

// Orders label sets, and finds one by string_views without building a key (no allocation on
// the hot path once a child exists).
struct labels_less {
  using is_transparent = void;
  using key = std::vector<std::string>;
  using view = std::span<const std::string_view>;
  bool operator()(const key& a, const key& b) const { return a < b; }
  bool operator()(const key& a, view b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
  bool operator()(view a, const key& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// A metric's children by label values. Children live as long as the registry (never removed).
template <class Metric>
class family {
 public:
  // The child of these label values (as many as the family has labels).
  Metric& with(std::initializer_list<std::string_view> values);
  Metric& only() { return with({}); }

 private:
  friend class registry;
  family(std::vector<std::string> labels, std::vector<double> bounds)
      : labels_(std::move(labels)), bounds_(std::move(bounds)) {}
  std::vector<std::string> labels_;
  std::vector<double> bounds_;  // histograms
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, labels_less> children_;
};

class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Names follow Prometheus's conventions (marketsim_..._total for counters, _seconds for
  // times); registering a name twice returns the first family.
  family<counter>& counters(std::string name, std::string help,
                            std::vector<std::string> labels = {});
  family<gauge>& gauges(std::string name, std::string help, std::vector<std::string> labels = {});
  family<histogram>& histograms(std::string name, std::string help,
                                std::vector<std::string> labels = {},
                                std::span<const double> bounds = latency_buckets());
  // Read at scrape time. `type` is "counter" or "gauge".
  void collect(std::string name, std::string help, std::string type,
               std::vector<std::string> labels, std::function<std::vector<sample>()> read);
  void collect(std::string name, std::string help, std::string type, std::function<double()> read);

  // The text exposition format, version 0.0.4.
  [[nodiscard]] std::string expose() const;

 private:
  struct entry {
    std::string name, help, type;
    std::vector<std::string> labels;
    std::unique_ptr<family<counter>> counters;
    std::unique_ptr<family<gauge>> gauges;
    std::unique_ptr<family<histogram>> histograms;
    std::function<std::vector<sample>()> read;
  };
  entry* find(const std::string& name);
  template <class Metric>
  family<Metric>& family_of(std::unique_ptr<family<Metric>> entry::*slot, std::string name,
                            std::string help, std::string type, std::vector<std::string> labels,
                            std::vector<double> bounds);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<entry>> entries_;
};

// A label value or help text escaped for the exposition format.
[[nodiscard]] std::string escape_label(std::string_view v);

}  // namespace marketsim::metrics
