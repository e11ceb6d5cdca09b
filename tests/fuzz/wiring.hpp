// The server's request path as the fuzz targets drive it: the real route table, auth guard,
// session manager and HTTP server, over services that never leave the process. The database
// pool and the hash pool have no threads and no queue, so a handler that reaches the database
// (or argon2id) is answered `unavailable` (`busy`) at once; everything before that step
// (parsing, limits, routing, cookies, CSRF, validation) runs as in production. The market has
// three stocks (one halted) and an index, each with a price and a published tick (for
// Last-Event-ID replays). Two sessions, a player's and an admin's, sit in the session cache.
// Built once per process (building it costs more than most inputs); restore() undoes what an
// input can change without the database (a sign-out drops a cached session, a halt changes
// the list), so inputs do not affect each other; rate limits are set too high to be reached.
// Single-threaded: the target's thread runs the io_context.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/api/account_api.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/routes.hpp"
#include "marketsim/api/trading_api.hpp"
#include "marketsim/auth/api_keys.hpp"
#include "marketsim/auth/guard.hpp"
#include "marketsim/auth/hash_pool.hpp"
#include "marketsim/auth/origin_policy.hpp"
#include "marketsim/auth/password.hpp"
#include "marketsim/auth/session_cache.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/auth/throttle.hpp"
#include "marketsim/auth/tokens.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/app/config.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/http/static_site.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/halts.hpp"
#include "marketsim/market/history_buffer.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::fuzz {

// A few instruments, each ticking once on the first step.
class fixture_provider final : public market::quote_provider {
 public:
  fixture_provider() {
    instruments_ = {{"AAPL", "Apple Inc.", "Technology", market::instrument_kind::stock},
                    {"MSFT", "Microsoft Corp.", "Technology", market::instrument_kind::stock},
                    {"IBM", "IBM", "Technology", market::instrument_kind::stock},
                    {"SPX", "S&P 500", "Index", market::instrument_kind::index}};
  }
  std::string_view name() const override { return "fixture"; }
  const std::vector<market::instrument>& instruments() const override { return instruments_; }
  std::optional<market::price_e4> previous_close(std::string_view) const override {
    return 100 * market::price_scale;
  }
  std::vector<market::tick> next_batch(std::int64_t wall_ms) override {
    if (ticked_) return {};
    ticked_ = true;
    std::vector<market::tick> out;
    market::price_e4 price = 101 * market::price_scale;
    for (const auto& i : instruments_) out.push_back({i.symbol, price += 1000, 500, wall_ms});
    return out;
  }

 private:
  std::vector<market::instrument> instruments_;
  bool ticked_ = false;
};

// A signed-in browser: its Cookie header value and CSRF token, and what the guard resolves.
struct signed_in {
  std::string cookie;  // "ms_session=..."
  std::string csrf;
  std::shared_ptr<const auth::principal> who;
};

struct wiring {
  // Fixed, so the session cookies and CSRF tokens are the same in every run.
  static constexpr std::string_view secret = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

  boost::asio::io_context& ioc;
  app::config cfg;
  api::settings api_cfg;  // from cfg, once the constructor has set it
  db::pool pool{"", 0, 0};
  db::order_batches orders{pool};
  auth::signer sign{secret};
  auth::session_cache cache{64};
  account_clock clock;
  auth::session_manager sessions{pool, sign, cache, clock, auth::session_settings{}};
  auth::hash_pool hashes{0, 0};
  auth::password_policy policy = auth::password_policy::from_list("password123\nletmein12");
  // Generous: a budget or limiter that refused would hide the code behind it from the fuzzer.
  auth::attempt_budget account_throttle{auth::attempt_budget::settings{.free_failures = 1 << 30}};
  auth::attempt_budget address_throttle{auth::attempt_budget::settings{.free_failures = 1 << 30}};
  auth::attempt_budget key_failures{auth::attempt_budget::settings{.free_failures = 1 << 30}};
  auth::rate_limiter register_limit{1e9, 1e9};
  auth::rate_limiter reset_limit{1e9, 1e9};
  auth::rate_limiter report_limit{1e9, 1e9};
  api::account_metrics metrics;
  std::string dummy_hash = "$argon2id$unused";
  market::halt_list halts;
  market::quote_cache quotes;
  sse::hub hub{64, 16, 4};
  market::history_buffer history{0};
  market::feed feed{std::make_unique<fixture_provider>(), quotes, hub, history, 0,
                    std::chrono::milliseconds(1000)};
  api::player_directory players;
  auth::api_key_store keys{pool};
  auth::window_limiter key_limit{1'000'000};
  auth::window_limiter session_limit{1'000'000};
  std::unique_ptr<auth::origin_policy> origins;
  http::router routes;
  signed_in player;
  signed_in admin;

  explicit wiring(boost::asio::io_context& io) : ioc(io) {
    cfg.trusted_proxies = {"127.0.0.1"};
    cfg.allowed_origins = {"https://app.example"};
    cfg.body_limit = 64 << 10;  // small, so the fuzzer reaches the limit
    cfg.header_limit = 8 << 10;
    origins = std::make_unique<auth::origin_policy>(cfg.public_url, cfg.allowed_origins, false);
    api_cfg = app::api_settings_of(cfg);
    const auto& fp = feed.provider();
    std::map<std::string, market::price_e4, std::less<>> closes;
    for (const auto& i : fp.instruments()) closes.emplace(i.symbol, *fp.previous_close(i.symbol));
    quotes.reset(fp.instruments(), closes);
    (void)feed.step();
    halts.reset({"IBM"});
    api::account_services accounts{api_cfg,
                                   pool,
                                   hashes,
                                   sessions,
                                   policy,
                                   account_throttle,
                                   address_throttle,
                                   register_limit,
                                   reset_limit,
                                   report_limit,
                                   clock,
                                   metrics,
                                   dummy_hash,
                                   halts};
    api::register_all_routes(
        routes, api::market_services{api_cfg, quotes, history, feed, hub, pool, halts, sessions},
        accounts, api::trading_services{api_cfg, pool, quotes, feed, halts, players, keys, orders, clock}, false);
    player = sign_in(1, "player@example.com", "player", auth::role::user, 'p');
    admin = sign_in(2, "admin@example.com", "admin", auth::role::admin, 'a');
    players.put(1, 101);
    players.put(2, 102);
  }

  // Before each input: both sessions cached and fresh, only IBM halted.
  void restore() {
    for (const auto* s : {&player, &admin}) put_session(*s->who);
    halts.reset({"IBM"});
  }

  // The guard exactly as the application sets it up.
  [[nodiscard]] auth::guard make_guard() {
    auth::guard g(sessions, *origins);
    g.enable_api_keys(keys, key_limit, key_failures, [this] { return clock.now_ms(); });
    g.limit_sessions(session_limit);
    return g;
  }

 private:
  signed_in sign_in(std::int64_t id, std::string email, std::string tag, auth::role r,
                    char id_byte) {
    auto user = std::make_shared<auth::user_record>();
    user->id = id;
    user->email = std::move(email);
    user->user_tag = tag;
    user->display_name = std::move(tag);
    user->user_role = r;
    user->status = auth::user_status::active;
    user->public_profile = true;
    std::string session_id(auth::signer::id_bytes, id_byte);
    auto hash = sha256(session_id);
    signed_in out;
    out.cookie = sessions.session_cookie_name() + "=" + sign.session_cookie(session_id);
    out.csrf = sign.csrf_for_session(hash);
    out.who = std::make_shared<const auth::principal>(auth::principal{user, hash, out.csrf});
    put_session(*out.who);
    return out;
  }

  void put_session(const auth::principal& who) {
    auto now = clock.now_ms();
    auth::session_record s;
    s.id_hash = who.session_hash;
    s.user_id = who.user->id;
    s.created_ms = now;
    s.last_seen_ms = now;
    s.expires_ms = now + 3'600'000;
    s.issued_for = who.user->user_role;
    cache.put(s, who.user, now);
  }
};

}  // namespace marketsim::fuzz
