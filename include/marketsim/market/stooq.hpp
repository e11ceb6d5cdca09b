// Stooq's CSV quote format ("Symbol,Date,Time,Open,High,Low,Close,Volume") and the mapping
// between catalog symbols and Stooq codes. Pure: the HTTP provider's poll thread calls it, and
// the unit tests call it on recorded-looking fixtures.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/market/types.hpp"

namespace marketsim::market {

struct stooq_quote {
  std::string symbol;  // catalog symbol: "AAPL", "SPX"
  std::string date;    // as Stooq sent it ("2024-05-10"), with time: identifies the quote
  std::string time;
  price_e4 open = 0, high = 0, low = 0, close = 0;
  std::optional<std::int64_t> volume;  // indexes may report none
};

struct stooq_batch {
  std::vector<stooq_quote> quotes;
  std::vector<std::string> unavailable;  // symbols Stooq answered "N/D" for
};

// "AAPL" → "aapl.us", "SPX" → "^spx"; a code that already has a suffix or caret is lowercased.
[[nodiscard]] std::string stooq_code(std::string_view symbol);
// "AAPL.US" → "AAPL", "^SPX" → "SPX".
[[nodiscard]] std::string symbol_from_stooq(std::string_view code);
// The request target for the quote endpoint, "/q/l/?s=aapl.us,%5Espx&f=sd2t2ohlcv&h&e=csv",
// after the base URL's own path prefix (may be empty).
[[nodiscard]] std::string stooq_target(std::string_view path_prefix,
                                       const std::vector<std::string>& symbols);
// parse_error (naming the line) for anything but the header followed by well-formed rows;
// "N/D" rows are not errors, they are listed as unavailable.
[[nodiscard]] result<stooq_batch> parse_stooq_csv(std::string_view text);

}  // namespace marketsim::market
