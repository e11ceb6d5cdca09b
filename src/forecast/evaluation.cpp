// The walk-forward evaluation and the catalog's series (evaluation.hpp). The loops add in origin
// order, as the JavaScript reference in tests/integration/forecasts.test.mjs does. Pure but for
// load_catalog_series, which reads two files; called on a pool thread.
#include "marketsim/forecast/evaluation.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <map>

#include "marketsim/market/history.hpp"

namespace marketsim::forecast {

namespace {

std::vector<double> logs_of(const std::vector<double>& prices) {
  std::vector<double> x(prices.size());
  for (std::size_t i = 0; i < prices.size(); ++i) x[i] = std::log(prices[i]);
  return x;
}

// The comma-separated fields of one line (the files quote nothing).
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::optional<double> positive_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !(v > 0) || !std::isfinite(v))
    return std::nullopt;
  return v;
}

// Calls row(line number, fields) for each non-empty line after the header, whose columns
// must start with `header`.
template <class Row>
result<void> each_row(std::string_view text, std::string_view file, std::string_view header,
                      Row row) {
  std::size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    if (line_no == 1) {
      if (!line.starts_with(header))
        return fail(errc::parse_error, fmt::format("{}:1: expected the header {}", file, header));
      continue;
    }
    if (line.empty()) continue;
    if (auto r = row(line_no, fields_of(line)); !r) return r;
  }
  return {};
}

error bad_row(std::string_view file, std::size_t line, std::string_view what) {
  return error{errc::parse_error, fmt::format("{}:{}: {}", file, line, what)};
}

// The next price of `s`: its date must come after the last one's.
result<void> append_point(series& s, std::int32_t day, double price, std::string_view file,
                          std::size_t line) {
  if (!s.days.empty() && day <= s.days.back())
    return std::unexpected(bad_row(file, line, "dates must increase (per symbol)"));
  s.days.push_back(day);
  s.prices.push_back(price);
  return {};
}

}  // namespace

std::vector<prediction> walk_forward(std::span<const double> x, int window, model m, int horizon) {
  std::vector<prediction> out;
  if (window < static_cast<int>(min_window_prices) || horizon < 1) return out;
  const std::size_t w = static_cast<std::size_t>(window);
  const std::size_t h = static_cast<std::size_t>(horizon);
  if (x.size() < w + h) return out;
  for (std::size_t t = w - 1; t + h < x.size(); ++t)
    out.push_back(*predict(m, x.subspan(t + 1 - w, w), horizon));
  return out;
}

std::optional<score> evaluate(const series& s, model m, int horizon) {
  const std::vector<double> x = logs_of(s.prices);
  const auto forecasts = walk_forward(x, s.window, m, horizon);
  if (forecasts.empty() || horizon < 1) return std::nullopt;
  const std::size_t first = static_cast<std::size_t>(s.window) - 1;
  const std::size_t h = static_cast<std::size_t>(horizon);
  score out;
  out.m = m;
  out.horizon = horizon;
  double abs_sum = 0, sq_sum = 0, naive_abs = 0, naive_sq = 0;
  std::int64_t covered = 0, ups = 0;
  for (std::size_t i = 0; i < forecasts.size(); ++i) {
    const std::size_t t = first + i;
    const prediction& p = forecasts[i];
    const double actual = s.prices[t + h];
    const double e = p.point() - actual;
    const double naive = s.prices[t] - actual;
    abs_sum += std::abs(e);
    sq_sum += e * e;
    naive_abs += std::abs(naive);
    naive_sq += naive * naive;
    const double reach = z95 * p.log_sd;
    if (x[t + h] >= p.log_point - reach && x[t + h] <= p.log_point + reach) ++covered;
    const double predicted_move = p.log_point - x[t];
    const double actual_move = actual - s.prices[t];
    if (predicted_move != 0 && actual_move != 0) {
      ++out.direction_cases;
      if ((predicted_move > 0) == (actual_move > 0)) ++out.direction_hits;
      if (actual_move > 0) ++ups;
    }
    ++out.origins;
  }
  const double count = static_cast<double>(out.origins);
  out.mae = abs_sum / count;
  out.rmse = std::sqrt(sq_sum / count);
  out.naive_mae = naive_abs / count;
  out.naive_rmse = std::sqrt(naive_sq / count);
  // A baseline with no error at all (a flat stored series) cannot be beaten: ratio 1 or worse.
  out.mae_ratio = out.naive_mae > 0 ? out.mae / out.naive_mae : (out.mae > 0 ? 1e9 : 1);
  out.rmse_ratio = out.naive_rmse > 0 ? out.rmse / out.naive_rmse : (out.rmse > 0 ? 1e9 : 1);
  if (out.direction_cases > 0) {
    const double cases = static_cast<double>(out.direction_cases);
    out.hit_rate = static_cast<double>(out.direction_hits) / cases;
    out.up_rate = static_cast<double>(ups) / cases;
  }
  out.coverage = static_cast<double>(covered) / count;
  return out;
}

std::vector<table_row> evaluate_all(const std::vector<series>& all) {
  std::vector<table_row> rows;
  for (const auto& s : all)
    for (model m : models)
      for (int h : horizons) {
        auto sc = evaluate(s, m, h);
        if (!sc) continue;
        rows.push_back({s.name, s.symbol, s.step, s.source, s.window, s.days.front(), s.days.back(),
                        s.prices.size(), *sc});
      }
  return rows;
}

result<series> parse_daily_closes(std::string_view text, std::string_view file) {
  series s{"sp500", "SPX", "day", std::string(file), {}, {}, daily_window};
  auto done =
      each_row(text, file, "date,open,high,low,close",
               [&](std::size_t line, const std::vector<std::string_view>& f) -> result<void> {
                 if (f.size() < 5) return std::unexpected(bad_row(file, line, "too few fields"));
                 auto day = market::parse_iso_date(f[0]);
                 auto close = positive_number(f[4]);
                 if (!day || !close)
                   return std::unexpected(bad_row(file, line, "bad date or close"));
                 return append_point(s, *day, *close, file, line);
               });
  if (!done) return std::unexpected(done.error());
  return s;
}

result<std::vector<series>> parse_monthly_prices(std::string_view text, std::string_view file) {
  std::vector<series> out;
  std::map<std::string, std::size_t, std::less<>> index;
  auto done =
      each_row(text, file, "symbol,date,price",
               [&](std::size_t line, const std::vector<std::string_view>& f) -> result<void> {
                 if (f.size() < 3 || f[0].empty())
                   return std::unexpected(bad_row(file, line, "too few fields"));
                 auto day = market::parse_month_day_year(f[1]);
                 auto price = positive_number(f[2]);
                 if (!day || !price)
                   return std::unexpected(bad_row(file, line, "bad date or price"));
                 auto it = index.find(f[0]);
                 if (it == index.end()) {
                   it = index.emplace(std::string(f[0]), out.size()).first;
                   out.push_back({std::string(f[0]),
                                  std::string(f[0]),
                                  "month",
                                  std::string(file),
                                  {},
                                  {},
                                  monthly_window});
                 }
                 return append_point(out[it->second], *day, *price, file, line);
               });
  if (!done) return std::unexpected(done.error());
  return out;
}

result<std::vector<series>> load_catalog_series(const std::string& data_dir) {
  auto daily_text = market::read_text_file(data_dir + "/sp500-2000.csv");
  if (!daily_text) return std::unexpected(daily_text.error());
  auto daily = parse_daily_closes(*daily_text, "sp500-2000.csv");
  if (!daily) return std::unexpected(daily.error());
  auto monthly_text = market::read_text_file(data_dir + "/stocks.csv");
  if (!monthly_text) return std::unexpected(monthly_text.error());
  auto monthly = parse_monthly_prices(*monthly_text, "stocks.csv");
  if (!monthly) return std::unexpected(monthly.error());
  std::vector<series> all{std::move(*daily)};
  for (auto& s : *monthly) all.push_back(std::move(s));
  return all;
}

series cut_at(const series& s, std::int32_t last_day) {
  series out = s;
  std::size_t keep = 0;
  while (keep < s.days.size() && s.days[keep] <= last_day) ++keep;
  out.days.resize(keep);
  out.prices.resize(keep);
  return out;
}

}  // namespace marketsim::forecast
