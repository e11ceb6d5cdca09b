// Market SQL (see market_repo.hpp). Runs on db pool threads or the main thread at start-up.
#include "marketsim/db/market_repo.hpp"

#include <pqxx/pqxx>
#include <pqxx/stream_to>

#include "marketsim/core/time.hpp"

namespace marketsim::db::market_repo {

namespace {

constexpr const char* upsert_instrument_sql =
    "insert into instruments (symbol, name, sector, kind) values ($1, $2, $3, $4) "
    "on conflict (symbol) do update set name = excluded.name, sector = excluded.sector, "
    "kind = excluded.kind, updated_at = now() "
    "where (instruments.name, instruments.sector, instruments.kind) is distinct from "
    "(excluded.name, excluded.sector, excluded.kind)";

constexpr const char* max_seq_sql = "select coalesce(max(seq), 0) from price_history";

constexpr const char* last_ts_sql =
    "select (extract(epoch from max(ts)) * 1000)::bigint from price_history";

constexpr const char* last_prices_sql =
    "select i.symbol, (select p.price::text from price_history p where p.symbol = i.symbol "
    "order by p.ts desc, p.seq desc limit 1) from instruments i";

constexpr const char* stored_from_sql =
    "select coalesce(max(seq), 0) from price_history where seq >= $1";

// Bucket start in ms; open/close are the first/last tick by seq within the bucket.
//
// Only the newest $6 buckets are read: `walk` steps back from the newest tick in the range one
// bucket at a time, each step one probe of price_history_symbol_ts for the newest tick before
// the bucket it is in, so finding where the page starts costs $6 probes (gaps cost nothing);
// the aggregate then reads just the ticks from there on. Without it an open-ended request
// aggregated the symbol's whole history before the limit applied.
constexpr const char* candles_sql =
    "with recursive walk(b, n) as ("
    "  select (floor(extract(epoch from ts) * 1000 / $2) * $2)::bigint, 1 from ("
    "    select ts from price_history where symbol = $1 and seq <= $3"
    "    and ts >= $4::timestamptz and ts < $5::timestamptz order by ts desc limit 1) newest"
    "  union all"
    "  select (select (floor(extract(epoch from p.ts) * 1000 / $2) * $2)::bigint"
    "          from price_history p where p.symbol = $1 and p.seq <= $3 and p.ts >= $4::timestamptz"
    "          and p.ts < timestamptz 'epoch' + w.b * interval '1 millisecond'"
    "          order by p.ts desc limit 1), w.n + 1"
    "  from walk w where w.b is not null and w.n < $6),"
    " start as (select timestamptz 'epoch' + min(b) * interval '1 millisecond' as at from walk) "
    "select b, (array_agg(price order by seq))[1]::text, max(price)::text, min(price)::text, "
    "(array_agg(price order by seq desc))[1]::text, sum(volume)::bigint from ("
    "  select (floor(extract(epoch from ts) * 1000 / $2) * $2)::bigint as b, price, seq, volume"
    "  from price_history, start where symbol = $1 and seq <= $3"
    "  and ts >= greatest($4::timestamptz, start.at) and ts < $5::timestamptz) t "
    "group by b order by b desc limit $6";

std::string ts_param(const std::optional<std::int64_t>& ms, const char* unbounded) {
  return ms ? format_time(*ms) : std::string(unbounded);
}

}  // namespace

void upsert_instruments(pqxx::connection_base& conn, const std::vector<market::instrument>& list) {
  pqxx::work tx(conn);
  for (const auto& i : list)
    tx.exec_params(upsert_instrument_sql, i.symbol, i.name, i.sector,
                   std::string(market::kind_name(i.kind)));
  tx.commit();
}

stored_state load_state(pqxx::connection_base& conn) {
  pqxx::read_transaction tx(conn);
  stored_state state;
  state.max_seq = tx.exec(max_seq_sql)[0][0].as<std::int64_t>();
  auto last = tx.exec(last_ts_sql)[0][0];
  if (!last.is_null()) state.resume.after_ts_ms = last.as<std::int64_t>();
  for (const auto& row : tx.exec(last_prices_sql)) {
    if (row[1].is_null()) continue;
    if (auto p = market::parse_price(row[1].as<std::string>()))
      state.resume.last_prices.emplace(row[0].as<std::string>(), *p);
  }
  return state;
}

std::size_t store_ticks(pqxx::connection_base& conn,
                        std::span<const market::sequenced_tick> ticks) {
  if (ticks.empty()) return 0;
  pqxx::work tx(conn);
  auto already = tx.exec_params(stored_from_sql, ticks.front().seq)[0][0].as<std::int64_t>();
  std::size_t written = 0;
  {
    pqxx::stream_to copy(tx, "price_history",
                         std::vector<std::string>{"seq", "symbol", "ts", "price", "volume"});
    for (const auto& t : ticks) {
      if (t.seq <= already) continue;
      copy << std::make_tuple(t.seq, t.data.symbol, format_time(t.data.ts_ms),
                              market::format_price(t.data.price), t.data.volume);
      ++written;
    }
    copy.complete();
  }
  tx.commit();
  return written;
}

std::vector<market::candle> candles(pqxx::connection_base& conn, const candle_query& q) {
  pqxx::read_transaction tx(conn);
  auto rows = tx.exec_params(candles_sql, q.symbol, q.interval_ms, q.max_seq,
                             ts_param(q.from_ms, "-infinity"), ts_param(q.to_ms, "infinity"),
                             static_cast<std::int64_t>(q.limit));
  std::vector<market::candle> out;
  out.reserve(rows.size());
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const auto& r = *it;
    market::candle c;
    c.start_ms = r[0].as<std::int64_t>();
    c.open = market::parse_price(r[1].as<std::string>()).value_or(0);
    c.high = market::parse_price(r[2].as<std::string>()).value_or(0);
    c.low = market::parse_price(r[3].as<std::string>()).value_or(0);
    c.close = market::parse_price(r[4].as<std::string>()).value_or(0);
    c.volume = r[5].as<std::int64_t>();
    out.push_back(c);
  }
  return out;
}

void ping(pqxx::connection_base& conn) {
  pqxx::nontransaction tx(conn);
  tx.exec("select 1");
}

}  // namespace marketsim::db::market_repo
