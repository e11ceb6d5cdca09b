// Window movers and sector performance (see performance.hpp). Pure; any thread.
#include "marketsim/market/performance.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace marketsim::market {

namespace {

// x grew faster than y: x.to/x.from > y.to/y.from, i.e. x.to*y.from > y.to*x.from (positive
// prices), exact for any two prices.
int compare_growth(const growth& x, const growth& y) {
  const __int128 lhs = static_cast<__int128>(x.to) * y.from;
  const __int128 rhs = static_cast<__int128>(y.to) * x.from;
  return lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
}

double round2(double v) {
  return std::round(v * 100.0) / 100.0;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

double growth_percent(const growth& g) noexcept {
  if (g.from <= 0) return 0;
  return round2((static_cast<double>(g.to) / static_cast<double>(g.from) - 1.0) * 100.0);
}

std::vector<growth> rank_growth(std::vector<growth> list, std::size_t count, bool fastest) {
  std::erase_if(list, [](const growth& g) { return g.from <= 0 || g.to <= 0; });
  std::sort(list.begin(), list.end(), [fastest](const growth& x, const growth& y) {
    const int c = compare_growth(x, y);
    if (c != 0) return fastest ? c > 0 : c < 0;
    return x.symbol < y.symbol;
  });
  if (list.size() > count) list.resize(count);
  return list;
}

std::vector<sector_move> sector_performance(const std::vector<quote>& quotes) {
  struct acc {
    sector_move move;
    double sum = 0;
    growth best, worst;
  };
  std::map<std::string, acc, std::less<>> by_sector;
  for (const auto& q : quotes) {
    if (q.info.kind == instrument_kind::index || !q.price || !q.previous_close) continue;
    if (*q.price <= 0 || *q.previous_close <= 0) continue;
    const growth g{q.info.symbol, *q.previous_close, *q.price};
    auto& a = by_sector[q.info.sector];
    a.move.sector = q.info.sector;
    if (a.move.stocks == 0 || compare_growth(g, a.best) > 0) a.best = g;
    if (a.move.stocks == 0 || compare_growth(g, a.worst) < 0) a.worst = g;
    ++a.move.stocks;
    if (g.to > g.from) ++a.move.advancing;
    if (g.to < g.from) ++a.move.declining;
    a.sum += (static_cast<double>(g.to) / static_cast<double>(g.from) - 1.0) * 100.0;
  }
  std::vector<sector_move> out;
  out.reserve(by_sector.size());
  for (auto& [name, a] : by_sector) {
    a.move.change_percent = round2(a.sum / static_cast<double>(a.move.stocks));
    a.move.best = a.best.symbol;
    a.move.worst = a.worst.symbol;
    out.push_back(std::move(a.move));
  }
  // The mean is only shown rounded: ranking on the rounded figure keeps the order what a
  // reader sees (ties by name).
  std::stable_sort(out.begin(), out.end(), [](const sector_move& x, const sector_move& y) {
    return x.change_percent > y.change_percent;
  });
  return out;
}

std::string find_sector(const std::vector<quote>& quotes, std::string_view name) {
  for (const auto& q : quotes)
    if (q.info.kind != instrument_kind::index && equal_ignoring_case(q.info.sector, name))
      return q.info.sector;
  return {};
}

}  // namespace marketsim::market
