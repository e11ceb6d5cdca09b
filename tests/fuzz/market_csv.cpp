// Fuzz target: the market data readers. The whole input is read as a Stooq quote CSV (what the
// HTTP provider polls), as vega-datasets' sp500-2000.csv (daily index bars) and as its
// stocks.csv (monthly closes). Split at a line "%%", the part before is the index file and the
// part after the stocks file (else a small built-in stocks file is used); when both parse, the
// replay provider is built from them and replays a few trading days. Besides sanitizer reports
// it aborts when a reader breaks its contract: a quote or bar with a negative price or volume,
// bars whose days do not increase, a replayed tick that is not positive.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "marketsim/market/history.hpp"
#include "marketsim/market/provider.hpp"
#include "marketsim/market/replay.hpp"
#include "marketsim/market/stooq.hpp"

using namespace marketsim;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

constexpr std::string_view default_stocks =
    "symbol,date,price\n"
    "MSFT,Jan 1 2005,25.1\nMSFT,Feb 1 2005,26\n"
    "AAPL,Jan 1 2005,38.45\nAAPL,Feb 1 2005,44.86\n";

void replay(std::string_view index_text, std::string_view stocks_text) {
  auto index = market::parse_index_csv(index_text, "index");
  auto stocks = market::parse_stocks_csv(stocks_text, "stocks");
  if (!index || !stocks) return;
  market::market_history history{std::move(*index), std::move(*stocks)};
  market::market_settings settings;
  settings.tick_interval = std::chrono::milliseconds(1000);
  settings.replay_day_duration = std::chrono::milliseconds(4000);  // four steps a day
  settings.simulated_companies = 2;
  settings.replay_start = history.index_days.empty()
                              ? "2005-01-03"
                              : market::format_iso_date(history.index_days.front().day);
  auto provider = market::replay_provider::create(std::move(history), settings, {});
  if (!provider) return;
  for (std::int64_t wall = 0; wall <= 12'000; wall += 1000)
    for (const auto& t : (*provider)->next_batch(wall))
      check(t.price > 0 && t.volume >= 0, "replayed tick with a bad price or volume");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto batch = market::parse_stooq_csv(input)) {
    for (const auto& q : batch->quotes) {
      check(!q.symbol.empty(), "stooq quote without a symbol");
      check(q.open >= 0 && q.high >= 0 && q.low >= 0 && q.close >= 0, "stooq negative price");
      check(!q.volume || *q.volume >= 0, "stooq negative volume");
    }
  }
  if (auto bars = market::parse_index_csv(input, "fuzz")) {
    for (std::size_t i = 0; i < bars->size(); ++i) {
      const auto& b = (*bars)[i];
      check(b.open >= 0 && b.high >= 0 && b.low >= 0 && b.close >= 0 && b.volume >= 0,
            "index bar with a negative value");
      check(i == 0 || (*bars)[i - 1].day < b.day, "index days not increasing");
      check(market::parse_iso_date(market::format_iso_date(b.day)) == b.day,
            "index day does not round-trip");
    }
  }
  if (auto stocks = market::parse_stocks_csv(input, "fuzz")) {
    for (const auto& [symbol, points] : *stocks) {
      check(!symbol.empty(), "stock without a symbol");
      for (std::size_t i = 0; i < points.size(); ++i) {
        check(points[i].price >= 0, "stock with a negative price");
        check(i == 0 || points[i - 1].day < points[i].day, "stock days not increasing");
      }
    }
  }
  (void)market::parse_iso_date(input);
  (void)market::parse_month_day_year(input);

  if (auto split = input.find("\n%%\n"); split != std::string_view::npos)
    replay(input.substr(0, split + 1), input.substr(split + 4));
  else
    replay(input, default_stocks);
  return 0;
}
