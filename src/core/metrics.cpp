// Metrics and their text exposition (see metrics.hpp). Any thread.
#include "marketsim/core/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <mutex>

namespace marketsim::metrics {

namespace {

constexpr std::array<double, 14> latency{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};

// Prometheus reads Go's float syntax: +Inf, -Inf, NaN, or a decimal.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

void write_labels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void write_header(std::string& out, const std::string& name, const std::string& help,
                  const std::string& type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

template <class Metric>
std::vector<std::pair<std::vector<std::string>, const Metric*>> children_of(
    const std::map<std::vector<std::string>, std::unique_ptr<Metric>, labels_less>& children,
    std::shared_mutex& mutex) {
  std::shared_lock lock(mutex);
  std::vector<std::pair<std::vector<std::string>, const Metric*>> out;
  out.reserve(children.size());
  for (const auto& [labels, m] : children) out.emplace_back(labels, m.get());
  return out;
}

}  // namespace

std::span<const double> latency_buckets() noexcept {
  return latency;
}

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

histogram::histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void histogram::observe(double v) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  // The count is the +Inf bucket's, so a scrape racing an observation stays consistent.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

template <class Metric>
Metric& family<Metric>::with(std::initializer_list<std::string_view> values) {
  const std::span<const std::string_view> view(values.begin(), values.size());
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(view); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[std::vector<std::string>(values.begin(), values.end())];
  if (!slot) {
    if constexpr (std::is_same_v<Metric, histogram>)
      slot = std::make_unique<histogram>(bounds_);
    else
      slot = std::make_unique<Metric>();
  }
  return *slot;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

registry::entry* registry::find(const std::string& name) {
  for (auto& e : entries_)
    if (e->name == name) return e.get();
  return nullptr;
}

// The family in `slot` of the entry named `name`, made with its labels (and bounds) the first
// time. Holds mutex_.
template <class Metric>
family<Metric>& registry::family_of(std::unique_ptr<family<Metric>> entry::*slot, std::string name,
                                    std::string help, std::string type,
                                    std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  if (auto* e = find(name); e && (e->*slot)) return *(e->*slot);
  auto e = std::make_unique<entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = std::move(type);
  e->labels = labels;
  (e.get()->*slot).reset(new family<Metric>(std::move(labels), std::move(bounds)));
  entries_.push_back(std::move(e));
  return *(entries_.back().get()->*slot);
}

family<counter>& registry::counters(std::string name, std::string help,
                                    std::vector<std::string> labels) {
  return family_of(&entry::counters, std::move(name), std::move(help), "counter", std::move(labels),
                   {});
}

family<gauge>& registry::gauges(std::string name, std::string help,
                                std::vector<std::string> labels) {
  return family_of(&entry::gauges, std::move(name), std::move(help), "gauge", std::move(labels),
                   {});
}

family<histogram>& registry::histograms(std::string name, std::string help,
                                        std::vector<std::string> labels,
                                        std::span<const double> bounds) {
  return family_of(&entry::histograms, std::move(name), std::move(help), "histogram",
                   std::move(labels), std::vector<double>(bounds.begin(), bounds.end()));
}

void registry::collect(std::string name, std::string help, std::string type,
                       std::vector<std::string> labels, std::function<std::vector<sample>()> read) {
  std::lock_guard lock(mutex_);
  auto e = std::make_unique<entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = std::move(type);
  e->labels = std::move(labels);
  e->read = std::move(read);
  entries_.push_back(std::move(e));
}

void registry::collect(std::string name, std::string help, std::string type,
                       std::function<double()> read) {
  collect(std::move(name), std::move(help), std::move(type), {}, [read = std::move(read)] {
    return std::vector<sample>{{{}, read()}};
  });
}

std::string registry::expose() const {
  std::string out;
  out.reserve(16 << 10);
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    write_header(out, e->name, e->help, e->type);
    if (e->counters) {
      for (const auto& [labels, c] : children_of(e->counters->children_, e->counters->mutex_)) {
        out += e->name;
        write_labels(out, e->labels, labels);
        out += ' ';
        out += number(static_cast<double>(c->value()));
        out += '\n';
      }
    } else if (e->gauges) {
      for (const auto& [labels, g] : children_of(e->gauges->children_, e->gauges->mutex_)) {
        out += e->name;
        write_labels(out, e->labels, labels);
        out += ' ';
        out += number(g->value());
        out += '\n';
      }
    } else if (e->histograms) {
      for (const auto& [labels, h] : children_of(e->histograms->children_, e->histograms->mutex_)) {
        const auto s = h->read();
        const auto bounds = h->bounds();
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
          out += e->name;
          out += "_bucket";
          write_labels(out, e->labels, labels, "le",
                       i < bounds.size() ? number(bounds[i]) : std::string("+Inf"));
          out += ' ';
          out += number(static_cast<double>(s.cumulative[i]));
          out += '\n';
        }
        out += e->name;
        out += "_sum";
        write_labels(out, e->labels, labels);
        out += ' ';
        out += number(s.sum);
        out += '\n';
        out += e->name;
        out += "_count";
        write_labels(out, e->labels, labels);
        out += ' ';
        out += number(static_cast<double>(s.count));
        out += '\n';
      }
    } else if (e->read) {
      for (const auto& s : e->read()) {
        out += e->name;
        write_labels(out, e->labels, s.labels);
        out += ' ';
        out += number(s.value);
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace marketsim::metrics
