// Method + path routing with {name} parameters. Pure and templated on the handler type, so it
// is unit-tested without sockets. Built at start-up, then only read (by io threads).
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace marketsim::http {

using path_params = std::map<std::string, std::string, std::less<>>;

template <class Handler>
class basic_router {
 public:
  struct match {
    const Handler* handler = nullptr;
    path_params params;
    const std::string* pattern = nullptr;  // the route's, as registered; lives with the router
  };
  struct method_not_allowed {
    std::string allow;  // e.g. "GET, HEAD"
  };
  struct not_found {};
  using outcome = std::variant<match, method_not_allowed, not_found>;

  // pattern like "/api/stocks/{symbol}/candles"; a repeated method+pattern replaces the earlier.
  void add(std::string method, std::string_view pattern, Handler handler) {
    auto segs = split(pattern);
    for (auto& r : routes_)
      if (r.method == method && r.segments == segs) {
        r.handler = std::move(handler);
        return;
      }
    std::string joined;
    for (const auto& seg : segs) joined += "/" + seg;
    // A route without parameters is also found by its exact path, unless an earlier route with
    // parameters matches that path too (the first registered wins, as in the scan).
    bool literal = true;
    for (const auto& seg : segs)
      if (is_parameter(seg)) literal = false;
    if (literal && method != "HEAD") {
      path_params ignored;
      bool shadowed = false;
      for (const auto& r : routes_)
        if (r.method == method && matches(r.segments, segs, ignored)) shadowed = true;
      if (!shadowed) exact_.emplace(method + " " + joined, routes_.size());
    }
    routes_.push_back(
        route{std::move(method), std::move(segs), std::move(handler), std::move(joined)});
  }

  [[nodiscard]] outcome find(std::string_view method, std::string_view path) const {
    // Most requests name a route without parameters exactly: one lookup, no split.
    if (method.size() + 1 + path.size() <= 256) {
      char key_text[256];
      auto key_end = std::copy(method.begin(), method.end(), key_text);
      *key_end++ = ' ';
      key_end = std::copy(path.begin(), path.end(), key_end);
      if (auto it = exact_.find(std::string_view(key_text, key_end)); it != exact_.end()) {
        const auto& r = routes_[it->second];
        return match{&r.handler, {}, &r.pattern};
      }
    }
    auto parts = split(path);
    std::string allow;
    for (const auto& r : routes_) {
      path_params params;
      if (!matches(r.segments, parts, params)) continue;
      bool same = r.method == method || (method == "HEAD" && r.method == "GET");
      if (same) return match{&r.handler, std::move(params), &r.pattern};
      append_allow(allow, r.method);
      if (r.method == "GET") append_allow(allow, "HEAD");
    }
    if (!allow.empty()) return method_not_allowed{std::move(allow)};
    return not_found{};
  }

  // Every route as (method, pattern, handler), in registration order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& r : routes_) {
      std::string pattern;
      for (const auto& seg : r.segments) pattern += "/" + seg;
      f(r.method, pattern, r.handler);
    }
  }

  // True when some route's pattern matches the path (whatever the method).
  [[nodiscard]] bool has_path(std::string_view path) const {
    auto parts = split(path);
    path_params ignored;
    for (const auto& r : routes_)
      if (matches(r.segments, parts, ignored)) return true;
    return false;
  }

 private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    std::string pattern;  // "/api/stocks/{symbol}": the metrics' route label
  };

  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
      if (path.front() == '/') {
        path.remove_prefix(1);
        continue;
      }
      auto slash = path.find('/');
      out.emplace_back(path.substr(0, slash));
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash);
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string>& parts, path_params& params) {
    if (pattern.size() != parts.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (is_parameter(p)) {
        if (parts[i].empty()) return false;
        params.emplace(p.substr(1, p.size() - 2), parts[i]);
      } else if (p != parts[i]) {
        return false;
      }
    }
    return true;
  }

  static void append_allow(std::string& allow, std::string_view method) {
    // Keep the list free of repeats ("GET, HEAD, POST").
    std::string_view rest = allow;
    while (!rest.empty()) {
      auto comma = rest.find(", ");
      if (rest.substr(0, comma) == method) return;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 2);
    }
    if (!allow.empty()) allow += ", ";
    allow += method;
  }

  static bool is_parameter(std::string_view seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
  }

  std::vector<route> routes_;
  std::map<std::string, std::size_t, std::less<>> exact_;  // "GET /api/stocks" -> its route
};

}  // namespace marketsim::http
