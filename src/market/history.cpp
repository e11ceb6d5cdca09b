// Parsing of the vega-datasets history files into exact prices. Runs once at start-up on the
// thread that builds the provider; pure apart from read_text_file/load_history.
#include "marketsim/market/history.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace marketsim::market {
namespace {

std::optional<day_number> make_day(int y, unsigned m, unsigned d) noexcept {
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<day_number>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

template <class T>
std::optional<T> parse_int(std::string_view text) noexcept {
  T value{};
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The files hold float32 renderings of cent prices ("1455.219971"): read as double, then round.
std::optional<price_e4> parse_dollars(std::string_view text) noexcept {
  double value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || value <= 0 || value > 1e9) return std::nullopt;
  const price_e4 p = round_to_cents(value);
  if (p <= 0) return std::nullopt;
  return p;
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(sep, start);
    out.push_back(line.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// Walks the lines of a text with their 1-based numbers, tolerating CRLF and a missing final
// newline (sp500-2000.csv has none).
class line_reader {
 public:
  explicit line_reader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  [[nodiscard]] int number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int number_ = 0;
};

std::unexpected<error> row_error(std::string_view file, int line, std::string_view what) {
  return fail(errc::parse_error, fmt::format("{}:{}: {}", file, line, what));
}

// Finds each wanted column in the header so that column order (or extra columns) do not matter.
template <std::size_t N>
result<std::array<std::size_t, N>> columns(std::string_view header, std::string_view file,
                                           const std::array<std::string_view, N>& names) {
  const auto cells = split(header, ',');
  std::array<std::size_t, N> idx{};
  for (std::size_t i = 0; i < N; ++i) {
    auto it = std::find(cells.begin(), cells.end(), names[i]);
    if (it == cells.end()) {
      return row_error(file, 1, fmt::format("header lacks column '{}'", names[i]));
    }
    idx[i] = static_cast<std::size_t>(it - cells.begin());
  }
  return idx;
}

}  // namespace

std::optional<day_number> parse_iso_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = parse_int<int>(text.substr(0, 4));
  auto m = parse_int<unsigned>(text.substr(5, 2));
  auto d = parse_int<unsigned>(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  return make_day(*y, *m, *d);
}

std::optional<day_number> parse_month_day_year(std::string_view text) noexcept {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::size_t s1 = text.find(' ');
  if (s1 == std::string_view::npos) return std::nullopt;
  const std::size_t s2 = text.find(' ', s1 + 1);
  if (s2 == std::string_view::npos) return std::nullopt;
  const auto month = std::find(months.begin(), months.end(), text.substr(0, s1));
  if (month == months.end()) return std::nullopt;
  auto d = parse_int<unsigned>(text.substr(s1 + 1, s2 - s1 - 1));
  auto y = parse_int<int>(text.substr(s2 + 1));
  if (!d || !y || *y < 1900 || *y > 2999) return std::nullopt;
  return make_day(*y, static_cast<unsigned>(month - months.begin()) + 1, *d);
}

std::string format_iso_date(day_number day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

day_number day_of_ms(std::int64_t ts_ms) noexcept {
  std::int64_t d = ts_ms / ms_per_day;
  if (ts_ms % ms_per_day < 0) --d;
  return static_cast<day_number>(d);
}

result<std::vector<daily_bar>> parse_index_csv(std::string_view text, std::string_view file) {
  line_reader lines(text);
  std::string_view line;
  if (!lines.next(line)) return row_error(file, 1, "empty file");
  auto cols = columns<6>(line, file, {"date", "open", "high", "low", "close", "volume"});
  if (!cols) return std::unexpected(cols.error());
  std::vector<daily_bar> out;
  while (lines.next(line)) {
    if (line.empty()) continue;
    const int n = lines.number();
    const auto cells = split(line, ',');
    for (std::size_t c : *cols) {
      if (c >= cells.size()) return row_error(file, n, "too few columns");
    }
    daily_bar bar;
    auto day = parse_iso_date(cells[(*cols)[0]]);
    if (!day) return row_error(file, n, fmt::format("bad date '{}'", cells[(*cols)[0]]));
    bar.day = *day;
    std::array<price_e4*, 4> fields = {&bar.open, &bar.high, &bar.low, &bar.close};
    for (std::size_t i = 0; i < 4; ++i) {
      auto p = parse_dollars(cells[(*cols)[i + 1]]);
      if (!p) return row_error(file, n, fmt::format("bad price '{}'", cells[(*cols)[i + 1]]));
      *fields[i] = *p;
    }
    auto volume = parse_int<std::int64_t>(cells[(*cols)[5]]);
    if (!volume || *volume < 0) {
      return row_error(file, n, fmt::format("bad volume '{}'", cells[(*cols)[5]]));
    }
    bar.volume = *volume;
    if (bar.low > std::min(bar.open, bar.close) || bar.high < std::max(bar.open, bar.close)) {
      return row_error(file, n, "open/close outside the day's low..high");
    }
    if (!out.empty() && bar.day <= out.back().day) {
      return row_error(file, n, "dates not strictly increasing");
    }
    out.push_back(bar);
  }
  if (out.empty()) return row_error(file, lines.number(), "no data rows");
  return out;
}

result<std::map<std::string, std::vector<monthly_point>, std::less<>>> parse_stocks_csv(
    std::string_view text, std::string_view file) {
  line_reader lines(text);
  std::string_view line;
  if (!lines.next(line)) return row_error(file, 1, "empty file");
  auto cols = columns<3>(line, file, {"symbol", "date", "price"});
  if (!cols) return std::unexpected(cols.error());
  std::map<std::string, std::vector<monthly_point>, std::less<>> out;
  while (lines.next(line)) {
    if (line.empty()) continue;
    const int n = lines.number();
    const auto cells = split(line, ',');
    for (std::size_t c : *cols) {
      if (c >= cells.size()) return row_error(file, n, "too few columns");
    }
    const std::string_view symbol = cells[(*cols)[0]];
    const bool symbol_ok =
        !symbol.empty() && symbol.size() <= 10 &&
        std::all_of(symbol.begin(), symbol.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!symbol_ok) return row_error(file, n, fmt::format("bad symbol '{}'", symbol));
    auto day = parse_month_day_year(cells[(*cols)[1]]);
    if (!day) return row_error(file, n, fmt::format("bad date '{}'", cells[(*cols)[1]]));
    auto price = parse_dollars(cells[(*cols)[2]]);
    if (!price) return row_error(file, n, fmt::format("bad price '{}'", cells[(*cols)[2]]));
    auto& series = out[std::string(symbol)];
    if (!series.empty() && *day <= series.back().day) {
      return row_error(file, n, fmt::format("dates of {} not strictly increasing", symbol));
    }
    series.push_back(monthly_point{*day, *price});
  }
  if (out.empty()) return row_error(file, lines.number(), "no data rows");
  return out;
}

result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::io_error, fmt::format("cannot open {}", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail(errc::io_error, fmt::format("cannot read {}", path));
  return std::move(buffer).str();
}

result<market_history> load_history(const std::string& data_dir) {
  if (data_dir.empty()) {
    return fail(errc::config_missing,
                "market data_dir is not set (the data/ folder of the npm package vega-datasets)");
  }
  const std::string base = data_dir.back() == '/' ? data_dir : data_dir + "/";
  auto index_text = read_text_file(base + "sp500-2000.csv");
  if (!index_text) return std::unexpected(index_text.error());
  auto stocks_text = read_text_file(base + "stocks.csv");
  if (!stocks_text) return std::unexpected(stocks_text.error());
  market_history history;
  auto index = parse_index_csv(*index_text, base + "sp500-2000.csv");
  if (!index) return std::unexpected(index.error());
  history.index_days = std::move(*index);
  auto stocks = parse_stocks_csv(*stocks_text, base + "stocks.csv");
  if (!stocks) return std::unexpected(stocks.error());
  history.stocks = std::move(*stocks);
  return history;
}

}  // namespace marketsim::market
