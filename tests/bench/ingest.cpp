// History ingest benchmark for marketsim (not part of the pass/fail suite).
//
// Times the app's own COPY path, db::market_repo::store_ticks (the function the history flusher
// calls: one transaction, libpqxx stream_to into price_history), on N generated ticks, and
// writes the very same rows as CSV (same text for every column) so that scripts/bench can time
// psql's `\copy` of them into the same table. price_history must exist (migrations applied) and
// instruments must hold the catalog (a server ran once against the database).
//
//   ingest --db URL --rows N --csv FILE      writes FILE, prints the symbols used
//   ingest --db URL --rows N --app           truncates price_history, times store_ticks
//
// Built by scripts/bench against build-bench/libmarketsim_lib.a.
#include <pqxx/pqxx>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/time.hpp"
#include "marketsim/db/market_repo.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/types.hpp"

namespace {

// Deterministic rows: symbols of the catalog in turn, one second apart, prices walking around
// 100, volumes 100..9999.
std::vector<marketsim::market::sequenced_tick> make_ticks(const std::vector<std::string>& symbols,
                                                          std::size_t rows) {
  std::vector<marketsim::market::sequenced_tick> out;
  out.reserve(rows);
  std::uint64_t x = 88172645463325252ULL;  // xorshift64
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const std::int64_t t0 = 1104762600000;  // 2005-01-03T14:30:00Z
  for (std::size_t i = 0; i < rows; ++i) {
    marketsim::market::sequenced_tick t;
    t.seq = static_cast<std::int64_t>(i) + 1;
    t.data.symbol = symbols[i % symbols.size()];
    t.data.ts_ms = t0 + static_cast<std::int64_t>(i / symbols.size()) * 1000;
    t.data.price = 1'000'000 + static_cast<std::int64_t>(next() % 200'000);  // 100.0000..119.9999
    t.data.volume = 100 + static_cast<std::int64_t>(next() % 9900);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, csv;
  std::size_t rows = 200'000;
  bool app = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--db" && i + 1 < argc)
      db = argv[++i];
    else if (a == "--rows" && i + 1 < argc)
      rows = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--csv" && i + 1 < argc)
      csv = argv[++i];
    else if (a == "--app")
      app = true;
    else {
      std::fprintf(stderr, "usage: ingest --db URL --rows N (--csv FILE | --app)\n");
      return 2;
    }
  }
  if (db.empty() || rows == 0 || (csv.empty() == !app)) {
    std::fprintf(stderr, "usage: ingest --db URL --rows N (--csv FILE | --app)\n");
    return 2;
  }
  try {
    pqxx::connection conn(db);
    std::vector<std::string> symbols;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& r : tx.exec("SELECT symbol FROM instruments ORDER BY symbol"))
        symbols.push_back(r[0].as<std::string>());
    }
    if (symbols.empty()) {
      std::fprintf(stderr, "ingest: no instruments in the database (run the server once)\n");
      return 1;
    }
    auto ticks = make_ticks(symbols, rows);
    if (!csv.empty()) {
      // The same text the app's COPY sends for each column.
      std::ofstream f(csv, std::ios::binary);
      for (const auto& t : ticks)
        f << t.seq << ',' << t.data.symbol << ',' << marketsim::format_time(t.data.ts_ms) << ','
          << marketsim::market::format_price(t.data.price) << ',' << t.data.volume << '\n';
      if (!f) {
        std::fprintf(stderr, "ingest: cannot write %s\n", csv.c_str());
        return 1;
      }
      std::printf("RESULT csv_rows=%zu\nRESULT symbols=%zu\n", rows, symbols.size());
      return 0;
    }
    {
      pqxx::work tx(conn);
      tx.exec0("TRUNCATE price_history");
      tx.commit();
    }
    auto start = std::chrono::steady_clock::now();
    auto written = marketsim::db::market_repo::store_ticks(conn, ticks);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("app store_ticks: %zu rows in %.3f s = %.0f rows/s\n", written, s,
                double(written) / s);
    std::printf("RESULT app_rows=%zu\nRESULT app_seconds=%.4f\n", written, s);
    return written == rows ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingest: %s\n", e.what());
    return 1;
  }
}
