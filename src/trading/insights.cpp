// A player's Insights: the statistics of a period (see insights.hpp). Pure; any thread.
#include "marketsim/trading/insights.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "marketsim/trading/execution_plan.hpp"

namespace marketsim::trading::insights {

namespace {

const double annual = std::sqrt(trading_days_per_year);

// Below this a deviation is rounding noise: the series did not move.
constexpr double still = 1e-12;

std::optional<double> covariance(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size() || a.size() < 2) return std::nullopt;
  const double ma = mean(a), mb = mean(b);
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - ma) * (b[i] - mb);
  return sum / static_cast<double>(a.size() - 1);
}

}  // namespace

std::optional<std::vector<double>> simple_returns(std::span<const money_e4> equity) {
  std::vector<double> out;
  for (std::size_t i = 1; i < equity.size(); ++i) {
    if (equity[i - 1] <= 0) return std::nullopt;
    out.push_back(static_cast<double>(equity[i] - equity[i - 1]) /
                  static_cast<double>(equity[i - 1]));
  }
  return out;
}

double mean(std::span<const double> xs) {
  if (xs.empty()) return 0;
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

std::optional<double> sample_deviation(std::span<const double> xs) {
  auto v = covariance(xs, xs);
  if (!v) return std::nullopt;
  return std::sqrt(*v);
}

std::optional<double> annualized_volatility(std::span<const double> returns) {
  auto d = sample_deviation(returns);
  if (!d) return std::nullopt;
  return *d > still ? *d * annual : 0.0;
}

std::optional<double> annualized_sharpe(std::span<const double> returns) {
  auto d = sample_deviation(returns);
  if (!d) return std::nullopt;
  if (!(*d > still)) return 0.0;
  return mean(returns) / *d * annual;
}

std::optional<double> annualized_sortino(std::span<const double> returns) {
  if (returns.size() < 2) return std::nullopt;
  double squares = 0;
  for (double r : returns) squares += r < 0 ? r * r : 0.0;
  const double downside = std::sqrt(squares / static_cast<double>(returns.size()));
  const double m = mean(returns);
  if (!(downside > still)) {
    if (m > still) return std::nullopt;
    return 0.0;
  }
  return m / downside * annual;
}

std::optional<double> beta(std::span<const double> portfolio, std::span<const double> index) {
  auto cov = covariance(portfolio, index);
  auto var = covariance(index, index);
  if (!cov || !var || !(*var > still * still)) return std::nullopt;
  return *cov / *var;
}

std::optional<double> correlation(std::span<const double> portfolio,
                                  std::span<const double> index) {
  auto cov = covariance(portfolio, index);
  auto dp = sample_deviation(portfolio);
  auto di = sample_deviation(index);
  if (!cov || !dp || !di || !(*dp > still) || !(*di > still)) return std::nullopt;
  return std::clamp(*cov / (*dp * *di), -1.0, 1.0);
}

std::optional<std::vector<double>> step_returns(std::span<const point> points) {
  std::vector<double> out;
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (points[i - 1].equity <= 0) return std::nullopt;
    out.push_back(static_cast<double>(points[i].equity - points[i].flow - points[i - 1].equity) /
                  static_cast<double>(points[i - 1].equity));
  }
  return out;
}

std::optional<double> time_weighted_return(std::span<const point> points) {
  if (points.size() < 2) return std::nullopt;
  auto steps = step_returns(points);
  if (!steps) return std::nullopt;
  double growth = 1;
  for (double r : *steps) growth *= 1 + r;
  return growth - 1;
}

std::optional<double> money_weighted_return(money_e4 start, std::int64_t start_ms,
                                            std::span<const dated_flow> flows, money_e4 end,
                                            std::int64_t end_ms) {
  const double span = static_cast<double>(end_ms - start_ms);
  if (!(span > 0) || start <= 0) return std::nullopt;
  // What the money in the account would be at the end if it grew by x = 1 + g over the whole
  // period: each amount grows for the part of the period it was in.
  auto grown = [&](double x) {
    double sum = static_cast<double>(start) * x;
    for (const auto& f : flows) {
      const double part =
          1.0 - std::clamp(static_cast<double>(f.at_ms - start_ms) / span, 0.0, 1.0);
      sum += static_cast<double>(f.amount) * std::pow(x, part);
    }
    return sum - static_cast<double>(end);
  };
  // Bisection in x over (0, 1e6]: with deposits only, grown() rises with x and crosses zero
  // once; a withdrawal can bend it, and the bracket still finds a root where the signs differ.
  double lo = 1e-9, hi = 1e6;
  double f_lo = grown(lo), f_hi = grown(hi);
  if (f_lo == 0) return lo - 1;
  if ((f_lo < 0) == (f_hi < 0)) return std::nullopt;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    const double f_mid = grown(mid);
    if ((f_mid < 0) == (f_lo < 0)) {
      lo = mid;
      f_lo = f_mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2 - 1;
}

std::optional<drawdown_report> max_drawdown(std::span<const point> points) {
  if (points.empty()) return std::nullopt;
  auto steps = step_returns(points);
  if (!steps) return std::nullopt;
  drawdown_report out;
  double growth = 1, peak = 1;
  std::int64_t peak_ms = points[0].at_ms;
  bool in_max = false;  // the deepest fall found so far has not been regained yet
  out.peak_ms = out.trough_ms = points[0].at_ms;
  out.series.push_back(0);
  for (std::size_t i = 1; i < points.size(); ++i) {
    growth *= 1 + (*steps)[i - 1];
    if (growth >= peak) {
      if (in_max && !out.recovered_ms) out.recovered_ms = points[i].at_ms;
      in_max = false;
      peak = growth;
      peak_ms = points[i].at_ms;
      out.series.push_back(0);
      continue;
    }
    const double dd = 1 - growth / peak;
    out.series.push_back(-dd);
    if (dd > out.max) {
      out.max = dd;
      out.peak_ms = peak_ms;
      out.trough_ms = points[i].at_ms;
      out.recovered_ms.reset();
      in_max = true;
    }
  }
  return out;
}

trade_replay replay_fills(std::span<const account_fill> fills, std::int64_t from_ms,
                          std::int64_t to_ms) {
  struct held {
    symbol_trades t;
    std::int64_t qty = 0;
    money_e4 cost = 0;
    std::int64_t opened_ms = 0;
    money_e4 trip_realized = 0;
    bool started = false;  // the period's start has been passed for this symbol
  };
  std::map<std::string, held, std::less<>> by_symbol;
  trade_replay out;
  for (const auto& f : fills) {
    if (f.at_ms > to_ms) continue;
    auto& h = by_symbol[f.symbol];
    h.t.symbol = f.symbol;
    const bool in_period = f.at_ms >= from_ms;
    if (in_period && !h.started) {
      h.t.qty_at_start = h.qty;
      h.t.cost_at_start = h.cost;
      h.started = true;
    }
    const money_e4 value = f.qty * f.price;
    if (in_period) {
      ++out.fills;
      out.traded += value;
    }
    if (f.buy) {
      if (h.qty == 0) {
        h.opened_ms = f.at_ms;
        h.trip_realized = 0;
      }
      h.qty += f.qty;
      h.cost += value;
      if (in_period) h.t.bought += value;
      continue;
    }
    const std::int64_t qty = std::min(f.qty, h.qty);  // the ledger never lets a sell exceed it
    const money_e4 removed = cost_removed(h.cost, h.qty, qty);
    const money_e4 realized = qty * f.price - removed;
    h.qty -= qty;
    h.cost -= removed;
    h.trip_realized += realized;
    out.realized_total += realized;
    if (in_period) {
      h.t.sold += qty * f.price;
      h.t.realized += realized;
    }
    if (h.qty == 0 && in_period)
      out.closed.push_back({f.symbol, h.opened_ms, f.at_ms, h.trip_realized});
  }
  for (auto& [symbol, h] : by_symbol) {
    if (!h.started) {  // no fill in the period: held throughout as it stood
      h.t.qty_at_start = h.qty;
      h.t.cost_at_start = h.cost;
    }
    h.t.qty_at_end = h.qty;
    h.t.cost_at_end = h.cost;
    out.symbols.push_back(h.t);
  }
  return out;
}

trade_statistics statistics_of(const trade_replay& r, std::span<const point> points) {
  trade_statistics s;
  s.round_trips = static_cast<std::int64_t>(r.closed.size());
  std::int64_t held_ms = 0, timed = 0;
  for (const auto& t : r.closed) {
    if (t.realized > 0) ++s.wins;
    if (t.opened_ms > 0) {
      held_ms += t.closed_ms - t.opened_ms;
      ++timed;
    }
  }
  if (s.round_trips > 0)
    s.win_rate = static_cast<double>(s.wins) / static_cast<double>(s.round_trips);
  if (timed > 0)
    s.average_hold_days = static_cast<double>(held_ms) / static_cast<double>(timed) / 86'400'000.0;
  if (!points.empty()) {
    double sum = 0;
    for (const auto& p : points) sum += static_cast<double>(p.equity);
    const double average = sum / static_cast<double>(points.size());
    if (average > 0) s.turnover = static_cast<double>(r.traded) / average;
  }
  return s;
}

std::vector<contribution> contributions(const trade_replay& r,
                                        std::span<const holding_values> values,
                                        money_e4 start_equity) {
  std::vector<contribution> out;
  for (const auto& t : r.symbols) {
    money_e4 start = 0, end = 0;
    for (const auto& v : values)
      if (v.symbol == t.symbol) {
        start = v.start_value;
        end = v.end_value;
      }
    // A symbol neither held nor traded in the period contributed nothing to it.
    if (t.qty_at_start == 0 && t.qty_at_end == 0 && t.bought == 0 && t.sold == 0) continue;
    contribution c{t.symbol, end - start - t.bought + t.sold, std::nullopt};
    if (start_equity > 0) c.share = static_cast<double>(c.pl) / static_cast<double>(start_equity);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const contribution& a, const contribution& b) {
    if (a.pl != b.pl) return a.pl > b.pl;
    return a.symbol < b.symbol;
  });
  return out;
}

}  // namespace marketsim::trading::insights
