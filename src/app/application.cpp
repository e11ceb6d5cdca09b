// Start-up and shutdown wiring (see application.hpp). Main thread, plus the io threads it runs.
#include "marketsim/app/application.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "marketsim/api/market_api.hpp"
#include "marketsim/app/history_flusher.hpp"
#include "marketsim/db/market_repo.hpp"
#include "marketsim/db/migrations.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/market/feed.hpp"

namespace marketsim::app {

namespace asio = boost::asio;

namespace {

// At start-up PostgreSQL may still be booting: retry for a while before giving up.
std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& url,
                                                     std::chrono::seconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  for (int attempt = 1;; ++attempt) {
    try {
      return std::make_unique<pqxx::connection>(url);
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::error("db: cannot connect to PostgreSQL: {}", e.what());
        return nullptr;
      }
      if (attempt == 1) spdlog::warn("db: PostgreSQL not reachable yet, retrying: {}", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

bool run_migrations(const config& cfg) {
  auto files = db::load_migrations(cfg.migrations_dir);
  if (!files) {
    spdlog::error("migrations: {}", files.error().message);
    return false;
  }
  auto conn = connect_with_retry(cfg.database_url, std::chrono::seconds(30));
  if (!conn) return false;
  try {
    auto report = db::apply_migrations(*conn, *files);
    if (!report) {
      spdlog::error("migrations: {}", report.error().message);
      return false;
    }
    spdlog::info("migrations: {} applied, {} already in place", report->applied, report->already);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("migrations: failed: {}", e.what());
    return false;
  }
}

}  // namespace

int migrate(const config& cfg) {
  return run_migrations(cfg) ? 0 : 1;
}

int serve(const config& cfg) {
  for (const auto& line : describe(cfg)) spdlog::info("config: {}", line);
  if (!run_migrations(cfg)) return 1;

  auto site = http::static_site::load(cfg.web_root);
  if (!site) {
    spdlog::error("{}", site.error().message);
    return 1;
  }

  db::pool pool(cfg.database_url, cfg.db_pool_size);
  db::market_repo::stored_state state;
  if (auto r =
          pool.execute_blocking([&](db::connection& c) { state = db::market_repo::load_state(c); });
      !r) {
    spdlog::error("db: cannot read the stored market state: {}", r.error().message);
    return 1;
  }
  auto provider = market::make_provider(cfg.market, state.resume);
  if (!provider) {
    spdlog::error("market: {}", provider.error().message);
    return 1;
  }
  const auto& instruments = (*provider)->instruments();
  if (auto r = pool.execute_blocking(
          [&](db::connection& c) { db::market_repo::upsert_instruments(c, instruments); });
      !r) {
    spdlog::error("db: cannot store the catalog: {}", r.error().message);
    return 1;
  }
  std::map<std::string, market::price_e4, std::less<>> previous;
  for (const auto& i : instruments)
    if (auto p = (*provider)->previous_close(i.symbol)) previous.emplace(i.symbol, *p);
  market::quote_cache quotes;
  quotes.reset(instruments, previous);
  spdlog::info("market: {} instruments, provider {}, resuming after seq {}", instruments.size(),
               (*provider)->name(), state.max_seq);

  sse::hub hub(cfg.replay_ring, cfg.stream_queue, cfg.max_streams);
  hub.start_after(state.max_seq);
  market::history_buffer history(state.max_seq);

  int threads =
      cfg.io_threads > 0 ? cfg.io_threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context ioc(threads);
  auto market_strand = asio::make_strand(ioc);
  market::feed feed(std::move(*provider), quotes, hub, history, state.max_seq,
                    cfg.market.tick_interval);
  history_flusher flusher(pool, history, cfg.flush_interval);

  http::router routes;
  api::register_health_routes(routes, pool);
  api::register_market_routes(routes, api::market_services{cfg, quotes, history, feed, hub, pool});
  http::server server(ioc, cfg, std::move(routes), std::move(*site));
  auto port = server.listen();
  if (!port) {
    spdlog::error("http: {}", port.error().message);
    return 1;
  }
  server.start();
  spdlog::info("http: listening on http://{}:{} with {} io threads", cfg.bind_address, *port,
               threads);

  asio::co_spawn(market_strand, feed.run(), asio::detached);
  asio::co_spawn(market_strand, flusher.run(), asio::detached);
  asio::co_spawn(
      market_strand,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(market_strand);
        for (;;) {
          timer.expires_after(cfg.heartbeat_interval);
          auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          hub.heartbeat_all();
        }
      },
      asio::detached);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("shutdown: signal {} received", signo);
    asio::co_spawn(
        market_strand,
        [&]() -> asio::awaitable<void> {
          server.stop_accepting();
          feed.stop();
          hub.close_all();
          co_await server.drain(std::chrono::seconds(10));
          co_await flusher.stop(std::chrono::seconds(30));
          spdlog::info("shutdown: {} ticks stored this run; last seq {}", flusher.rows_written(),
                       feed.last_seq());
          ioc.stop();
        },
        asio::detached);
  });

  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  pool.stop();
  spdlog::info("shutdown: complete");
  return 0;
}

}  // namespace marketsim::app
