// Relay SQL and the follower's LISTEN loop (see tick_relay.hpp). The SQL runs on db pool or
// leader-lock threads (or the main thread at start-up); tick_listener on its own thread.
#include "marketsim/db/tick_relay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <pqxx/pqxx>

#include "marketsim/db/market_repo.hpp"

namespace marketsim::db {

namespace tick_relay {

namespace {

// One statement, so the row and the notification commit together. The guard refuses ids at
// or below any given out before: a leader never reuses one, whatever it believed.
constexpr const char* publish_sql =
    "with step as ("
    "  insert into tick_relay (first_seq, last_seq, market_ms, ticks)"
    "  select $1::bigint, $2::bigint, $3::bigint, $4::text"
    "  where not exists (select 1 from tick_relay where last_seq >= $1::bigint)"
    "    and $1::bigint > (select coalesce(max(seq), 0) from price_history)"
    "  returning last_seq) "
    "select pg_notify('marketsim_ticks', last_seq::text) from step";

constexpr const char* read_after_sql =
    "select first_seq, ticks from tick_relay where last_seq > $1 order by first_seq limit $2";

constexpr const char* read_all_sql = "select first_seq, ticks from tick_relay order by first_seq";

constexpr const char* stored_seq_sql = "select coalesce(max(seq), 0) from price_history";

constexpr const char* prune_sql =
    "delete from tick_relay where last_seq <= $1 and created_at < now() - interval '1 minute'";

std::vector<market::tick_batch> decode_rows(const pqxx::result& rows) {
  std::vector<market::tick_batch> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    auto first = row[0].as<std::int64_t>();
    auto batch = market::decode_ticks(first, row[1].c_str());
    if (!batch) {
      // Only a leader of another version could write one; it cannot be applied, so it is a gap.
      spdlog::error("cluster: relayed step at id {} unreadable: {}", first, batch.error().message);
      continue;
    }
    out.push_back(std::move(*batch));
  }
  return out;
}

}  // namespace

bool publish(pqxx::connection_base& conn, const market::tick_batch& batch) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_params(publish_sql, batch.first_seq, batch.last_seq(), batch.market_ms(),
                          market::encode_ticks(batch));
  return r.size() == 1;
}

std::vector<market::tick_batch> read_after(pqxx::connection_base& conn, std::int64_t after_seq,
                                           std::size_t limit) {
  pqxx::nontransaction tx(conn);
  return decode_rows(tx.exec_params(read_after_sql, after_seq, static_cast<std::int64_t>(limit)));
}

cluster_state load(pqxx::connection_base& conn) {
  std::vector<market::tick_batch> relayed;
  {
    pqxx::read_transaction tx(conn);
    relayed = decode_rows(tx.exec(read_all_sql));
  }
  auto stored = market_repo::load_state(conn);
  cluster_state out;
  out.stored_seq = stored.max_seq;
  out.last_seq = stored.max_seq;
  out.resume = std::move(stored.resume);
  for (auto& step : relayed) {
    out.last_seq = std::max(out.last_seq, step.last_seq());
    auto newest = step.market_ms();
    if (!out.resume.after_ts_ms || newest > *out.resume.after_ts_ms)
      out.resume.after_ts_ms = newest;
    // In id order, so the newest price of each symbol is the one left.
    for (const auto& t : step.ticks) out.resume.last_prices[t.symbol] = t.price;
    out.steps.push_back(std::move(step));
  }
  return out;
}

std::int64_t stored_seq(pqxx::connection_base& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec(stored_seq_sql)[0][0].as<std::int64_t>();
}

std::size_t prune(pqxx::connection_base& conn, std::int64_t stored_seq) {
  pqxx::nontransaction tx(conn);
  return tx.exec_params(prune_sql, stored_seq).affected_rows();
}

}  // namespace tick_relay

namespace {
class wakeup : public pqxx::notification_receiver {
 public:
  wakeup(pqxx::connection_base& c, std::int64_t& newest)
      : pqxx::notification_receiver(c, ticks_channel), newest_(newest) {}
  void operator()(const std::string& payload, int) override {
    std::int64_t seq = 0;
    if (std::from_chars(payload.data(), payload.data() + payload.size(), seq).ec == std::errc{})
      newest_ = std::max(newest_, seq);
  }

 private:
  std::int64_t& newest_;
};
}  // namespace

tick_listener::tick_listener(std::string connection_string, callbacks cb)
    : connection_string_(std::move(connection_string)), cb_(std::move(cb)) {
  thread_ = std::thread([this] { run(); });
}

tick_listener::~tick_listener() {
  stop();
}

void tick_listener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void tick_listener::run() {
  auto backoff = std::chrono::milliseconds(250);
  while (!stopping_) {
    try {
      pqxx::connection conn(connection_string_);
      std::int64_t notified = 0;
      wakeup receiver(conn, notified);
      backoff = std::chrono::milliseconds(250);
      // Read at once: steps may have been relayed while this connection was not listening.
      bool due = true;
      auto last_read = std::chrono::steady_clock::now();
      while (!stopping_) {
        auto now = std::chrono::steady_clock::now();
        const bool leading = cb_.leading && cb_.leading();
        if (!leading && (due || now - last_read >= std::chrono::seconds(1))) {
          // Pages of steps until caught up; the cursor moves ahead of what the strand applied.
          std::int64_t cursor = cb_.applied();
          for (;;) {
            auto steps = tick_relay::read_after(conn, cursor);
            if (steps.empty()) break;
            cursor = steps.back().last_seq();
            bool more = steps.size() == 1000;
            cb_.steps(std::move(steps));
            if (!more) break;
          }
          last_read = std::chrono::steady_clock::now();
          due = false;
        }
        // Wake up every 200 ms to notice shutdown.
        conn.await_notification(0, 200'000);
        // The leader hears its own steps too: nothing to read when they are already applied.
        if (notified > cb_.applied()) due = true;
      }
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::warn("cluster: tick listener: {}; retrying", e.what());
      for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stopping_;
           waited += std::chrono::milliseconds(50))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
    }
  }
}

}  // namespace marketsim::db
