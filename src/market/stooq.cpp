// Parsing of Stooq's CSV quotes. Pure; runs on the HTTP provider's poll thread.
#include "marketsim/market/stooq.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "marketsim/market/catalog.hpp"

namespace marketsim::market {
namespace {

constexpr std::string_view expected_header = "Symbol,Date,Time,Open,High,Low,Close,Volume";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(',', start);
    out.push_back(line.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::unexpected<error> bad(int line, std::string_view what) {
  return fail(errc::parse_error, fmt::format("stooq:{}: {}", line, what));
}

}  // namespace

std::string stooq_code(std::string_view symbol) {
  if (symbol == index_symbol) return "^spx";
  if (symbol.find('.') != std::string_view::npos || symbol.starts_with('^')) return lower(symbol);
  return lower(symbol) + ".us";
}

std::string symbol_from_stooq(std::string_view code) {
  std::string s = upper(code);
  if (s == "^SPX") return std::string(index_symbol);
  if (s.ends_with(".US")) s.resize(s.size() - 3);
  return s;
}

std::string stooq_target(std::string_view path_prefix, const std::vector<std::string>& symbols) {
  std::string list;
  for (const std::string& symbol : symbols) {
    if (!list.empty()) list += ',';
    // '^' is not allowed raw in a URI query; Stooq decodes the escape.
    for (char c : stooq_code(symbol)) {
      if (c == '^') {
        list += "%5E";
      } else {
        list += c;
      }
    }
  }
  return fmt::format("{}/q/l/?s={}&f=sd2t2ohlcv&h&e=csv", path_prefix, list);
}

result<stooq_batch> parse_stooq_csv(std::string_view text) {
  stooq_batch batch;
  std::size_t pos = 0;
  int number = 0;
  bool header_seen = false;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!header_seen) {
      // Stooq answers errors and rate limits with HTML or prose; the header tells them apart.
      if (line != expected_header) return bad(number, "missing the Stooq CSV header");
      header_seen = true;
      continue;
    }
    if (line.empty()) continue;
    const auto cells = split(line);
    if (cells.size() != 8) return bad(number, fmt::format("{} columns, expected 8", cells.size()));
    const std::string symbol = symbol_from_stooq(cells[0]);
    // A bare ".US" names nothing either (found by fuzzing).
    if (symbol.empty()) return bad(number, "empty symbol");
    if (std::any_of(cells.begin() + 1, cells.begin() + 7,
                    [](std::string_view c) { return c == "N/D"; })) {
      batch.unavailable.push_back(symbol);
      continue;
    }
    stooq_quote q;
    q.symbol = symbol;
    q.date = std::string(cells[1]);
    q.time = std::string(cells[2]);
    price_e4* fields[] = {&q.open, &q.high, &q.low, &q.close};
    for (int i = 0; i < 4; ++i) {
      auto p = parse_price(cells[3 + i]);
      if (!p || *p <= 0) return bad(number, fmt::format("bad price '{}'", cells[3 + i]));
      *fields[i] = *p;
    }
    const std::string_view vol = cells[7];
    if (!vol.empty() && vol != "N/D") {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(vol.data(), vol.data() + vol.size(), v);
      if (ec != std::errc{} || p != vol.data() + vol.size() || v < 0) {
        return bad(number, fmt::format("bad volume '{}'", vol));
      }
      q.volume = v;
    }
    batch.quotes.push_back(std::move(q));
  }
  if (!header_seen) return bad(1, "empty response");
  return batch;
}

}  // namespace marketsim::market
