// Loading the real price history shipped in the npm package vega-datasets (its data/ folder):
// sp500-2000.csv (daily OHLCV of the S&P 500) and stocks.csv (monthly closes of five stocks).
// Parsing is pure and takes the text, so malformed rows are unit-tested without files. Called
// once at start-up by make_provider, on the thread that builds the provider.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

// Dates are whole days since 1970-01-01 (UTC), the unit every replay computation uses.
using day_number = std::int32_t;
inline constexpr std::int64_t ms_per_day = 86'400'000;

// "2005-01-03" → day number; nullopt unless a real calendar date in exactly that shape.
[[nodiscard]] std::optional<day_number> parse_iso_date(std::string_view text) noexcept;
// "Jan 1 2000" (stocks.csv's shape) → day number.
[[nodiscard]] std::optional<day_number> parse_month_day_year(std::string_view text) noexcept;
[[nodiscard]] std::string format_iso_date(day_number day);
[[nodiscard]] day_number day_of_ms(std::int64_t ts_ms) noexcept;

struct daily_bar {
  day_number day = 0;
  price_e4 open = 0, high = 0, low = 0, close = 0;  // rounded to cents
  std::int64_t volume = 0;
};

struct monthly_point {
  day_number day = 0;  // the calendar date in the file (often not a trading day)
  price_e4 price = 0;  // rounded to cents
};

struct market_history {
  std::vector<daily_bar> index_days;  // strictly increasing days
  std::map<std::string, std::vector<monthly_point>, std::less<>> stocks;  // increasing days
};

// `file` only names the source in error messages ("sp500-2000.csv:12: ...").
[[nodiscard]] result<std::vector<daily_bar>> parse_index_csv(std::string_view text,
                                                             std::string_view file);
[[nodiscard]] result<std::map<std::string, std::vector<monthly_point>, std::less<>>>
parse_stocks_csv(std::string_view text, std::string_view file);

[[nodiscard]] result<std::string> read_text_file(const std::string& path);
// Reads and parses both files from data_dir; io_error when a file is missing.
[[nodiscard]] result<market_history> load_history(const std::string& data_dir);

}  // namespace marketsim::market
