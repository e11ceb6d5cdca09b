// Start-up and shutdown wiring (see application.hpp). Main thread, plus the io threads it runs.
#include "marketsim/app/application.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/home_feed.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/routes.hpp"
#include "marketsim/api/user_changes.hpp"
#include "marketsim/api/ws_alpaca_streams.hpp"
#include "marketsim/app/server_metrics.hpp"
#include "marketsim/app/stop_signal.hpp"
#include "marketsim/auth/guard.hpp"
#include "marketsim/auth/identity.hpp"
#include "marketsim/auth/origin_policy.hpp"
#include "marketsim/bots/bot_runner.hpp"
#include "marketsim/core/instance.hpp"
#include "marketsim/db/account_repo.hpp"
#include "marketsim/db/change_listener.hpp"
#include "marketsim/db/equity.hpp"
#include "marketsim/db/history_flusher.hpp"
#include "marketsim/db/integrity.hpp"
#include "marketsim/db/leader_lock.hpp"
#include "marketsim/db/leadership.hpp"
#include "marketsim/db/market_repo.hpp"
#include "marketsim/db/migrations.hpp"
#include "marketsim/db/order_ticker.hpp"
#include "marketsim/db/periodic_job.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/db/private_events.hpp"
#include "marketsim/db/retention.hpp"
#include "marketsim/db/tape_events.hpp"
#include "marketsim/db/tick_relay.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/mail/mail_sender.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/rules/rule_engine.hpp"

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

  auto policy = auth::password_policy::load(cfg.common_passwords);
  if (!policy) {
    spdlog::error("auth: {}", policy.error().message);
    return 1;
  }
  spdlog::info("auth: {} common passwords refused, argon2id {}", policy->common_count(),
               auth::strength_name(cfg.password_hash));
  if (cfg.password_hash == auth::hash_strength::test_minimal)
    spdlog::warn("auth: MARKETSIM_PASSWORD_HASH=test-minimal is for tests only");
  std::string secret = cfg.session_secret;
  if (secret.empty()) {
    spdlog::warn(
        "auth: MARKETSIM_SESSION_SECRET is not set; using a random one, so sessions "
        "end when the server restarts");
    secret = random_bytes(32);
  }
  auto hash_params = auth::params_for(cfg.password_hash);
  // Unknown emails are verified against this, so they cost what a real account costs.
  auto dummy_hash = auth::hash_password(random_bytes(16), hash_params);
  if (!dummy_hash) {
    spdlog::error("auth: {}", dummy_hash.error().message);
    return 1;
  }

  auto site = http::static_site::load(cfg.web_root);
  if (!site) {
    spdlog::error("{}", site.error().message);
    return 1;
  }

  // GET /metrics (docs/operations.md): everything below records into it from any thread.
  server_metrics observed;
  auto& reg = observed.registry();
  // The long-lived tasks and the slow steps, for GET /api/admin/runtime.
  task_board tasks(cfg.slow_step_threshold);
  const auto started_at = std::chrono::steady_clock::now();
  std::function<nlohmann::json()> runtime;  // set once the server exists
  auto& pool_waits =
      reg.histograms("marketsim_db_pool_wait_seconds",
                     "Time a database job waited for a connection, by pool.", {"pool"});
  const auto instance = instance_id(cfg.instance);
  db::pool pool(db::with_application_name(cfg.database_url, "marketsim " + instance + " requests"),
                cfg.db_pool_size);
  pool.observe_waits(pool_waits.with({"requests"}));
  // New orders of one symbol that arrive together commit together (group commit).
  db::order_batches orders(
      pool, 64, 10'000,
      cfg.order_batches > 0 ? std::min(cfg.order_batches, cfg.db_pool_size) : cfg.db_pool_size);
  // Work nobody waits on (tick history, the order flow's tick side, equity snapshots, mail,
  // private events) has connections of its own: a slow batch never delays a request, and the
  // request pool's job count stays a measure of what requests cost.
  db::pool background(
      db::with_application_name(cfg.database_url, "marketsim " + instance + " background"), 2);
  background.observe_waits(pool_waits.with({"background"}));
  orders.observe(reg.histograms("marketsim_order_duration_seconds",
                                "Time from an order handed to the order path to its answer.")
                     .only(),
                 reg.counters("marketsim_orders_total",
                              "Orders answered by the order path, by the order's status or the "
                              "refusal's code.",
                              {"outcome"}));
  // What the cluster published: the stored history, and the relayed steps not stored yet.
  db::tick_relay::cluster_state state;
  if (auto r = pool.execute_blocking([&](db::connection& c) { state = db::tick_relay::load(c); });
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
               (*provider)->name(), state.last_seq);

  market::halt_list halts;
  if (auto r = pool.execute_blocking(
          [&](db::connection& c) { halts.reset(db::account_repo::halted_symbols(c)); });
      !r) {
    spdlog::error("db: cannot read trading halts: {}", r.error().message);
    return 1;
  }

  // Starts before the relayed steps still kept, so streams resume across them here too.
  market::history_buffer history(state.replay_from());

  int threads = io_thread_count(cfg);
  asio::io_context ioc(threads);
  // After the io_context: subscribers' channels belong to its services, so the hub (and any
  // stream still subscribed at shutdown) must go first.
  sse::hub hub(cfg.replay_ring, cfg.stream_queue, cfg.max_streams,
               sse::stream_budget{cfg.streams_per_address, cfg.streams_per_user, cfg.replay_bytes});
  hub.start_after(state.replay_from());
  auto market_strand = asio::make_strand(ioc);
  market::feed feed(std::move(*provider), quotes, hub, history, state.replay_from(),
                    cfg.market.tick_interval);
  // One feed per cluster: the holder of the leader lock produces, everyone applies its steps.
  db::leader_lock leader_lock(
      db::with_application_name(cfg.database_url, "marketsim " + instance + " leader lock"),
      std::chrono::seconds(1));
  db::leadership cluster(market_strand, cfg.market, instance, leader_lock, feed, state.last_seq);
  // The home feed: built on the leader, received with the steps everywhere (from the relayed
  // steps still kept, too: a starting instance answers the cluster's last snapshot).
  api::home_feed home(pool, quotes, feed,
                      api::home_feed_settings{cfg.feed_interval, cfg.feed_large_trade_e4});
  feed.on_event([&home](const market::step_event& e) { home.receive(e); });
  for (const auto& step : state.steps) feed.apply_relayed(step);
  history.mark_flushed(state.stored_seq);  // the ones already in price_history
  db::tick_listener relayed(
      db::with_application_name(cfg.database_url, "marketsim " + instance + " tick relay"),
      {[&feed] { return feed.last_seq(); },
       [&market_strand, &feed](std::vector<market::tick_batch> steps) {
         asio::post(market_strand, [&feed, steps = std::move(steps)] {
           for (const auto& step : steps) feed.apply_relayed(step);
         });
       },
       [&feed] { return feed.leading(); }});
  db::history_flusher flusher(background, history, cfg.flush_interval);
  flusher.only_while([&feed] { return feed.leading(); });
  flusher.observe_flushes(reg.histograms("marketsim_history_flush_duration_seconds",
                                         "Time a flush of buffered ticks to price_history took.")
                              .only());

  account_clock clock;
  auth::signer signer(secret);
  auth::session_cache session_cache(cfg.session_cache);
  bool tls = !cfg.tls_cert.empty();
  // Behind a TLS-terminating proxy the public URL says https: cookies must be Secure too.
  bool secure_cookies = tls || cfg.public_url.starts_with("https://");
  auth::session_manager sessions(
      pool, signer, session_cache, clock,
      auth::session_settings{cfg.session_idle, cfg.session_absolute, secure_cookies});
  auth::api_key_store api_keys(pool);
  auth::window_limiter api_key_limit(cfg.api_rate_per_minute);
  // Failed API-key attempts per client address: as many as failed sign-ins an address may make.
  auth::attempt_budget api_key_failures(auth::attempt_budget::settings{.free_failures = 20});
  auth::window_limiter session_limit(cfg.session_rate_per_minute);
  api::player_directory players;
  db::private_events trade_events(ioc, background, hub, quotes, cfg.starting_cash_e4);
  db::tape_events tape(hub);
  // Who changed their account lately: public answers kept from before hide their names.
  api::user_changes changed_users;
  // Other instances' logouts, disables, role changes and revoked keys reach this instance's
  // caches at once; every instance's trade updates reach this instance's streams.
  db::change_listener changes(
      db::with_application_name(cfg.database_url, "marketsim " + instance + " changes"),
      {[&sessions, &api_keys, &changed_users, &home, &market_strand,
        &hub](std::string_view payload) {
         sessions.apply_remote_change(payload);
         if (payload.starts_with("apikey:")) {
           // A revoked key stops working at once, its open WebSocket streams included.
           api_keys.evict_key(payload.substr(7));
           hub.close_key(payload.substr(7));
         }
         if (payload.starts_with("user:")) {
           std::int64_t id = 0;
           auto digits = payload.substr(5);
           if (std::from_chars(digits.data(), digits.data() + digits.size(), id).ec ==
               std::errc{}) {
             api_keys.evict_user(id);
             changed_users.changed(id);
             asio::post(market_strand, [&home] { home.refresh_soon(); });
           }
         }
       },
       [&trade_events](std::string_view payload) { trade_events.on_trade(payload); },
       [&tape](std::string_view payload) { tape.on_note(payload); },
       [&sessions, &api_keys, &tape, &changed_users] {
         changed_users.changed_all();
         sessions.forget_cached_sessions();
         api_keys.clear();
         tape.resync();
       }});
  db::order_ticker ticker(ioc.get_executor(), background, cfg.half_spread_e4);
  // Every player's equity at the current prices, for portfolio history, the leaderboard and
  // profiles: one instance of the cluster records them, in the market's time.
  db::periodic_job snapshots(background, "equity snapshots", cfg.equity_snapshot_interval,
                             [&quotes, &feed](db::connection& c) {
                               std::vector<std::pair<std::string, market::price_e4>> prices;
                               for (const auto& q : quotes.all())
                                 if (q.price) prices.emplace_back(q.info.symbol, *q.price);
                               const auto rows = db::trading_repo::snapshot_equity(
                                   c, prices, feed.market_time_ms());
                               return fmt::format("{} equity snapshots", rows);
                             });
  snapshots.only_while([&feed] { return feed.leading(); });
  // The anti-collusion flags on the leaderboard (docs/api.md): one scan per cluster.
  db::periodic_job integrity(background, "integrity scan", cfg.integrity_scan_interval,
                             [](db::connection& c) {
                               const auto n = db::integrity_repo::scan(c, {});
                               return fmt::format("flagged {} wash, {} off-market, {} shared",
                                                  n.wash_trading, n.off_market, n.shared_address);
                             });
  integrity.only_while([&feed] { return feed.leading(); });
  // Expired sessions and links, unverified sign-ups, old mail, sign-in addresses and error
  // reports: one deletion per cluster (db/retention.hpp).
  db::periodic_job retention(
      background, "retention", cfg.retention_interval, [&clock, &cfg](db::connection& c) {
        const auto n = db::retention::prune(
            c, {.now_ms = clock.now_ms(), .session_idle = cfg.session_idle, .keep = cfg.retention});
        const auto line = fmt::format(
            "deleted {} sessions, {} links, {} unverified sign-ups, {} mails, {} "
            "addresses, {} error reports",
            n.sessions, n.email_tokens, n.pending_users, n.mail, n.addresses, n.error_reports);
        if (n.total() > 0) spdlog::info("retention: {}", line);
        return line;
      });
  retention.only_while([&feed] { return feed.leading(); });
  // The simulated traders: on the leader only, through the same order path as players.
  bots::bot_runner traders(
      pool, orders, quotes, [&feed] { return feed.market_time_ms(); },
      [&feed] { return feed.leading(); },
      bots::bot_settings{cfg.bots, cfg.bot_seed, cfg.bot_order_rate, cfg.bot_think},
      cfg.starting_cash_e4, cfg.half_spread_e4, cfg.max_open_orders);
  // The players' trading actions: on the leader, next to the tick-driven orders.
  rules::rule_engine rule_engine(
      pool, orders, quotes, [&feed] { return feed.market_time_ms(); },
      [&feed] { return feed.leading(); }, cfg.half_spread_e4, cfg.max_open_orders);
  // What every feed step (and the test hook's price) sets off besides quotes and streams.
  auto after_ticks = [&ticker, &trade_events](const std::vector<market::tick>& ticks) {
    ticker.offer(ticks);
    trade_events.on_ticks(ticks);
  };
  // Every instance's streams follow the prices; only the leader's order flow reacts to them.
  feed.on_ticks(
      [&trade_events](const std::vector<market::tick>& ticks) { trade_events.on_ticks(ticks); });
  feed.on_produced([&ticker, &rule_engine](const std::vector<market::tick>& ticks) {
    ticker.offer(ticks);
    rule_engine.offer(ticks);
  });
  auth::hash_pool hashes(cfg.hash_threads, cfg.hash_queue, cfg.hash_per_client);
  auth::attempt_budget account_throttle(auth::attempt_budget::settings{});
  // An address may be a whole office behind NAT: more slack than one account gets.
  auth::attempt_budget address_throttle(auth::attempt_budget::settings{.free_failures = 20});
  auth::rate_limiter register_limit(20.0 / 60.0, 20.0);  // 20 an hour per address
  auth::rate_limiter report_limit(30.0, 30.0);           // 30 a minute per address
  auth::rate_limiter reset_limit(5.0 / 60.0, 5.0);       // 5 an hour per address and account
  api::account_metrics metrics;
  const api::settings api_cfg = api_settings_of(cfg);
  api::account_services accounts{
      api_cfg,          pool,           hashes,
      sessions,         *policy,        account_throttle,
      address_throttle, register_limit, reset_limit,
      report_limit,     clock,          metrics,
      *dummy_hash,      halts,          [&runtime] { return runtime(); }};
  std::optional<mail::smtp_settings> smtp;
  if (!cfg.smtp_url.empty()) {
    auto parsed = mail::parse_smtp_url(cfg.smtp_url);
    if (!parsed) {
      spdlog::error("mail: {}", parsed.error().message);
      return 1;
    }
    parsed->ca_file = cfg.smtp_ca_file;
    smtp = std::move(*parsed);
  }
  mail::mail_sender mailer(background, std::chrono::seconds(1), std::move(smtp), cfg.mail_from);

  http::router routes;
  if (cfg.test_hooks)
    spdlog::warn("config: MARKETSIM_TEST_HOOKS=1: test-only endpoints are enabled");
  api::register_all_routes(
      routes,
      api::market_services{api_cfg, quotes, history, feed, hub, pool, halts, sessions, &tape, &home,
                           &changed_users},
      accounts,
      api::trading_services{
          api_cfg, pool, quotes, feed, halts, players, api_keys, orders, clock,
          [&quotes, &after_ticks, &market_strand, &rule_engine](const market::tick& t) {
            // The rules' engine lives on the market strand.
            asio::post(market_strand, [&rule_engine, t] { rule_engine.offer({t}); });
            quotes.apply(t);
            after_ticks({t});
          }},
      cfg.test_hooks);
  auth::origin_policy origins(cfg.public_url, cfg.allowed_origins, tls);
  auth::guard guard(sessions, origins);
  guard.enable_api_keys(api_keys, api_key_limit, api_key_failures,
                        [&clock] { return clock.now_ms(); });
  guard.limit_sessions(session_limit);
  http::server server(ioc, server_settings_of(cfg), std::move(routes), std::move(*site));
  if (tls) {
    if (auto r = server.enable_tls(cfg.tls_cert, cfg.tls_key); !r) {
      spdlog::error("http: {}", r.error().message);
      return 1;
    }
  }
  server.set_middleware(http::middleware{
      [&guard](http::request_context& ctx, const http::endpoint& ep) {
        return guard.before(ctx, ep);
      },
      api::server_error_recorder(ioc, pool),
      [&guard](const http::request_context& ctx) { return guard.screen(ctx); },
      [&observed, &tasks](const http::request_context& ctx, int status, double seconds) {
        observed.observe_request(ctx, status, seconds);
        if (seconds >= 0 && ctx.route)
          tasks.note_step("request", *ctx.route, ctx.request_id,
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(seconds)));
      }});
  // Alpaca's WebSocket streams (/stream, /v2/iex, /v2/sip) on the same port, through the guard.
  server.set_websockets(api::alpaca_websockets(hub, {.half_spread = cfg.half_spread_e4}));
  const collected sources{server,  hub,     pool,   background, feed,
                          history, flusher, hashes, metrics,    rule_engine.counts()};
  register_collectors(reg, sources);
  runtime = [&sources, &observed, &tasks, started_at] {
    return runtime_view({sources, observed, tasks, started_at});
  };
  // Each with how often it reports when well (the runtime view flags one silent for longer).
  using std::chrono::milliseconds;
  feed.report_to(tasks.add("feed", cfg.market.tick_interval));
  flusher.report_to(tasks.add("history flusher"));  // only when there are ticks to store
  ticker.report_to(tasks.add("order ticker"));      // only when ticks move orders
  snapshots.report_to(tasks.add("equity snapshots", cfg.equity_snapshot_interval));
  integrity.report_to(tasks.add("integrity scan", cfg.integrity_scan_interval));
  retention.report_to(tasks.add("retention", cfg.retention_interval));
  mailer.report_to(tasks.add("mail", milliseconds(1000)));
  changes.report_to(tasks.add("change listener", milliseconds(200)));
  traders.report_to(tasks.add("bots", cfg.bots > 0 ? milliseconds(1000) : milliseconds(0)));
  rule_engine.report_to(tasks.add("trading rules", milliseconds(1000)));
  home.report_to(tasks.add("home feed", cfg.feed_interval));
  observed.collect_process();
  // A listener of its own, loopback by default: the figures are never public by accident.
  http::router metrics_routes;
  metrics_routes.add(
      "GET", "/metrics",
      http::endpoint{[&observed](http::request_context&) -> asio::awaitable<http::response> {
        co_return observed.scrape();
      }});
  auto metrics_settings = server_settings_of(cfg);
  metrics_settings.bind_address = cfg.metrics_address;
  metrics_settings.port = static_cast<std::uint16_t>(std::max(cfg.metrics_port, 0));
  metrics_settings.port_file.clear();
  metrics_settings.max_connections = 64;
  http::server metrics_server(ioc, metrics_settings, std::move(metrics_routes),
                              http::static_site{});
  auto port = server.listen();
  if (!port) {
    spdlog::error("http: {}", port.error().message);
    return 1;
  }
  // Before any io thread runs: loopback hosts and origins are ours on the port actually bound.
  origins.set_bound_port(*port);
  spdlog::info("http: listening on {}://{}:{} with {} io threads", tls ? "https" : "http",
               cfg.bind_address, *port, threads);
  http::server redirect(ioc, server_settings_of(cfg), http::router{}, http::static_site{});
  if (cfg.http_redirect_port != 0) {
    redirect.redirect_to(*port);
    auto bound = redirect.listen(cfg.http_redirect_port);
    if (!bound) {
      spdlog::error("http: {}", bound.error().message);
      return 1;
    }
    spdlog::info("http: redirecting http://{}:{} to HTTPS", cfg.bind_address, *bound);
  }

  if (cfg.metrics_port >= 0) {
    auto bound = metrics_server.listen();
    if (!bound) {
      spdlog::error("metrics: {} (MARKETSIM_METRICS_ADDR)", bound.error().message);
      return 1;
    }
    spdlog::info("metrics: GET http://{}:{}/metrics", cfg.metrics_address, *bound);
    metrics_server.start();
  }

  // Connections wait in the listen backlog until this instance knows whether it leads (and,
  // leading, has published its first step): nothing is served before the market has prices.
  bool shutting_down = false;  // market strand
  asio::co_spawn(
      market_strand,
      [&]() -> asio::awaitable<void> {
        co_await cluster.start();
        if (shutting_down) co_return;
        server.start();
        if (cfg.http_redirect_port != 0) redirect.start();
      },
      asio::detached);
  // Shutdown cancels every long-lived coroutine with one emit (the flusher is drained instead:
  // its last flush must run).
  stop_signal stop_all;
  auto until_stopped = [&stop_all] {
    return asio::bind_cancellation_slot(stop_all.slot(), asio::detached);
  };
  asio::co_spawn(market_strand, feed.run(), until_stopped());
  asio::co_spawn(market_strand, flusher.run(), asio::detached);
  asio::co_spawn(market_strand, snapshots.run(), until_stopped());
  asio::co_spawn(market_strand, integrity.run(), until_stopped());
  asio::co_spawn(market_strand, retention.run(), until_stopped());
  asio::co_spawn(market_strand, traders.run(), until_stopped());
  asio::co_spawn(market_strand, rule_engine.run(), until_stopped());
  asio::co_spawn(market_strand, home.run(), until_stopped());
  asio::co_spawn(market_strand, mailer.run(), until_stopped());
  // One loop watcher per io thread, so each thread's turn is sampled.
  for (int i = 0; i < threads; ++i)
    asio::co_spawn(ioc,
                   observed.watch_loop(std::chrono::milliseconds(100), cfg.slow_step_threshold),
                   until_stopped());
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
      until_stopped());
  // Streams whose session ran out (idle or absolute) close as at sign-out, checked within a
  // sixtieth of the shorter timeout (1 s to 1 min).
  asio::co_spawn(
      market_strand,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(market_strand);
        auto every = std::clamp(std::min(cfg.session_idle, cfg.session_absolute) / 60,
                                std::chrono::milliseconds(1000), std::chrono::milliseconds(60'000));
        for (;;) {
          timer.expires_after(every);
          auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          co_await sessions.expire_streams();
        }
      },
      until_stopped());

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("shutdown: signal {} received", signo);
    asio::co_spawn(
        market_strand,
        [&]() -> asio::awaitable<void> {
          shutting_down = true;
          server.stop_accepting();
          redirect.stop_accepting();
          metrics_server.stop_accepting();
          stop_all.emit();  // the feed, mail, snapshots, bots, heartbeat and session expiry
          hub.close_all();
          // The leader stores its ticks and hands the lock over before draining requests, so
          // the cluster's feed goes on elsewhere at once.
          co_await flusher.stop(std::chrono::seconds(30));
          leader_lock.release();
          co_await server.drain(std::chrono::seconds(10));
          spdlog::info("shutdown: {} ticks stored this run; last seq {}", flusher.rows_written(),
                       feed.last_seq());
          ioc.stop();
        },
        asio::detached);
  });

  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i)
    workers.emplace_back([&ioc, i] {
      server_metrics::name_io_thread(i);
      ioc.run();
    });
  server_metrics::name_io_thread(0);
  ioc.run();
  for (auto& t : workers) t.join();
  hashes.stop();
  relayed.stop();
  leader_lock.stop();
  changes.stop();
  background.stop();
  pool.stop();
  spdlog::info("shutdown: complete");
  return 0;
}

int create_admin(const config& cfg, const admin_request& req) {
  // Plain sentences on the terminal for the operator; the log gets no password or hash.
  auto say = [](const std::string& text) { std::cout << "create-admin: " << text << std::endl; };
  auto refuse = [&](const std::string& text, int code) {
    std::cerr << "create-admin: " << text << std::endl;
    return code;
  };
  auto email = auth::normalize_email(req.email);
  if (!email) return refuse(email.error().message, 2);
  std::string tag, name, hash;
  if (!req.promote_existing) {
    if (auto ok = auth::check_new_user_tag(req.user_tag); !ok) return refuse(ok.error().message, 2);
    auto display =
        auth::normalize_display_name(req.display_name.empty() ? req.user_tag : req.display_name);
    if (!display) return refuse(display.error().message, 2);
    auto policy = auth::password_policy::load(cfg.common_passwords);
    if (!policy) return refuse(policy.error().message, 1);
    if (auto ok = policy->check(req.password); !ok) return refuse(ok.error().message, 2);
    auto hashed = auth::hash_password(req.password, auth::params_for(cfg.password_hash));
    if (!hashed) return refuse(hashed.error().message, 1);
    tag = req.user_tag;
    name = *display;
    hash = *hashed;
  }
  if (!run_migrations(cfg)) return 1;
  auto conn = connect_with_retry(cfg.database_url, std::chrono::seconds(30));
  if (!conn) return 1;
  using db::account_repo::admin_outcome;
  try {
    auto done =
        db::account_repo::create_admin(*conn, *email, tag, name, hash, req.promote_existing);
    const auto* u = done.user ? &*done.user : nullptr;
    switch (done.outcome) {
      case admin_outcome::created:
        say(
            fmt::format("created the administrator {} (tag {}); sign in with the password you "
                        "typed.",
                        u->email, u->user_tag));
        return 0;
      case admin_outcome::replaced_pending:
        say(fmt::format(
            "{} had an unverified sign-up, which was REPLACED: the administrator has the tag "
            "{}, the name and the password you typed, and every link mailed for that sign-up "
            "is dead. (Someone else may have registered your address first; nothing of theirs "
            "is kept.)",
            u->email, u->user_tag));
        return 0;
      case admin_outcome::promoted:
        say(
            fmt::format("promoted the existing account {} (tag {}) to administrator. It keeps "
                        "its own password; no new password was set.",
                        u->email, u->user_tag));
        return 0;
      case admin_outcome::exists:
        return refuse(
            fmt::format("{} already has an active account (tag {}). Nothing was changed: the "
                        "password you typed is not used. To make that account an "
                        "administrator with its own password, run again with "
                        "--promote-existing.",
                        u->email, u->user_tag),
            2);
      case admin_outcome::no_active_account:
        return refuse(fmt::format("no active account has the address {}; nothing was changed. "
                                  "Run without --promote-existing (with --tag) to create the "
                                  "administrator.",
                                  *email),
                      2);
      case admin_outcome::tag_taken:
        return refuse(fmt::format("the user tag {} is taken; nothing was changed", tag), 2);
    }
    return 1;
  } catch (const pqxx::unique_violation&) {
    return refuse(fmt::format("the user tag {} is taken; nothing was changed", tag), 2);
  } catch (const std::exception& e) {
    return refuse(e.what(), 1);
  }
}

}  // namespace marketsim::app
