// SQL of the market: catalog upserts, tick history COPY, candle aggregation, resume state.
// Blocking functions that take a libpqxx connection: call them inside db::pool jobs (or on the
// main thread at start-up), never on io threads.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "marketsim/market/candles.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/provider.hpp"

namespace pqxx {
class connection_base;
}

namespace marketsim::db::market_repo {

void upsert_instruments(pqxx::connection_base& conn, const std::vector<market::instrument>& list);

struct stored_state {
  std::int64_t max_seq = 0;
  market::resume_point resume;
};
[[nodiscard]] stored_state load_state(pqxx::connection_base& conn);

// Writes ticks with COPY in one transaction. Ticks already stored (a retry after a lost
// commit acknowledgement) are skipped, so each seq is stored exactly once. Returns rows written.
std::size_t store_ticks(pqxx::connection_base& conn, std::span<const market::sequenced_tick> ticks);

struct candle_query {
  std::string symbol;
  std::int64_t interval_ms = 60'000;
  std::optional<std::int64_t> from_ms;  // inclusive
  std::optional<std::int64_t> to_ms;    // exclusive
  std::int64_t max_seq = 0;             // only ticks at or below the flushed watermark
  std::size_t limit = 500;              // newest buckets
};
[[nodiscard]] std::vector<market::candle> candles(pqxx::connection_base& conn,
                                                  const candle_query& q);

void ping(pqxx::connection_base& conn);

}  // namespace marketsim::db::market_repo
