// Server configuration: parsed once at start-up from the environment and an optional .env file,
// then read-only and shared by every thread. Parsing is pure (inputs are passed in), so every
// typed error is unit-tested without touching the real environment. This is the app's view of
// the environment, one key per field; each module takes its own settings struct, assembled
// from it here (http::server_settings, api::settings, market::market_settings, ...), so no
// module below app knows the whole configuration.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/api/settings.hpp"
#include "marketsim/auth/password.hpp"
#include "marketsim/core/error.hpp"
#include "marketsim/http/settings.hpp"
#include "marketsim/market/provider.hpp"

namespace marketsim::app {

struct config {
  std::string database_url;
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string port_file;  // written with the bound port once listening (tests use port 0)
  std::string web_root = "web/out";
  std::string migrations_dir = "migrations";
  std::string log_level = "info";
  std::string instance;  // this process's name in a cluster; empty: hostname:pid
  int io_threads = 0;    // 0: one per core
  int db_pool_size = 4;
  int order_batches = 2;  // order transactions at once; 0: db_pool_size (never more)
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{30'000};     // a request must arrive whole within this
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive connection with no request
  std::chrono::milliseconds flush_interval{120'000};  // history buffer → PostgreSQL
  std::chrono::milliseconds heartbeat_interval{15'000};
  std::size_t max_streams = 20'000;
  std::size_t stream_queue = 256;    // per-client ticks before coalescing
  std::size_t replay_ring = 65'536;  // ticks kept for Last-Event-ID resumption
  market::market_settings market;

  // accounts
  std::string session_secret;  // empty: a random one per run (sessions end at restart)
  std::string public_url = "http://localhost:8080";  // links in mail; an allowed Origin
  std::vector<std::string> allowed_origins;          // more Origins allowed to change state
  std::vector<std::string> trusted_proxies;          // addresses whose X-Forwarded-For counts
  std::chrono::milliseconds session_idle{12 * 3'600'000};
  std::chrono::milliseconds session_absolute{7 * 24 * 3'600'000};
  std::size_t session_cache = 100'000;
  auth::hash_strength password_hash = auth::hash_strength::interactive;
  int hash_threads = 2;
  std::size_t hash_queue = 256;
  std::string common_passwords = "/usr/share/john/password.lst";
  std::string mail_from = "marketsim <noreply@localhost>";
  std::string smtp_url;      // empty: mail is written to the log (and the admin outbox page)
  std::string smtp_ca_file;  // an extra CA to trust for STARTTLS (PEM)
  // trading
  std::int64_t starting_cash_e4 = 100'000LL * 10'000;  // dollars × 10^4
  std::int64_t half_spread_e4 = 100;                   // $0.01
  int api_rate_per_minute = 200;
  std::chrono::milliseconds equity_snapshot_interval{60'000};  // portfolio history points
  std::chrono::milliseconds integrity_scan_interval{60'000};   // anti-collusion flags
  // Expired sessions and links, old mail and sign-in addresses deleted (db/retention.hpp).
  std::chrono::milliseconds retention_interval{3'600'000};
  std::chrono::milliseconds retention{30LL * 24 * 3'600'000};
  // Public profiles show a fill only once it is this old, so nobody can trade ahead of it.
  std::chrono::milliseconds profile_trade_delay{15 * 60'000};
  // budgets: what one client or player may hold or ask for (docs/security.md lists them all)
  std::size_t max_connections = 25'000;  // open connections server-wide; 503 beyond
  std::size_t streams_per_address = 64;  // open streams per client address; 429 beyond
  std::size_t streams_per_user = 16;     // open streams per signed-in player; 429 beyond
  std::size_t replay_bytes = 1 << 20;    // Last-Event-ID replay per stream; beyond: reset
  int max_open_orders = 500;             // per account; 403 too_many_open_orders beyond
  // Simulated traders (bots::bot_settings): how many, their seed, what they may send per second
  // all together, and how often each thinks.
  int bots = 30;
  std::uint64_t bot_seed = 1;
  int bot_order_rate = 40;
  std::chrono::milliseconds bot_think{5'000};
  // The home feed (api::home_feed_settings): how often the leader rebuilds it, and the fill
  // value from which a trade is notable.
  std::chrono::milliseconds feed_interval{5'000};
  std::int64_t feed_large_trade_e4 = 10'000LL * 10'000;
  int max_watchlists = 20;            // per player
  int max_rules = 50;                 // trading rules per player
  int watchlist_size = 200;           // symbols per watchlist
  int max_api_keys = 10;              // live keys per player
  int session_rate_per_minute = 600;  // /v2 requests a minute with a session cookie
  int hash_per_client = 2;            // password hashes one player or address may have
                                      // queued or running at once
  std::string log_format = "text";    // text or json
  bool test_hooks = false;            // POST /api/test/clock: never in production
  // HTTPS (both set): the main port speaks TLS; a redirect port, if set, sends plain HTTP there.
  std::string tls_cert;
  std::string tls_key;
  std::uint16_t http_redirect_port = 0;  // 0: none
  // GET /metrics on a listener of its own, never public by accident; port -1: off.
  std::string metrics_address = "127.0.0.1";
  int metrics_port = 9464;
  std::chrono::milliseconds slow_step_threshold{50};  // an io thread held longer is logged
};

// Parses `env` (the process environment) and `dotenv` (the .env file's text, may be empty).
// A key set in both places is config_duplicate; unknown MARKETSIM_* keys are config_unknown_key.
[[nodiscard]] result<config> parse_config(const std::map<std::string, std::string>& env,
                                          std::string_view dotenv);

// "250ms", "5s", "2m", "1h", "7d" → milliseconds.
[[nodiscard]] result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The text `marketsim --help` prints: every key, its default and meaning.
[[nodiscard]] std::string config_help();

// Effective configuration as key=value lines with secrets masked (for the start-up log).
[[nodiscard]] std::vector<std::string> describe(const config& cfg);

// Masks the password in a libpq URI or key=value connection string.
[[nodiscard]] std::string mask_secrets(std::string_view connection_string);

// The modules' settings, taken from the configuration.
// The io threads the server runs: MARKETSIM_THREADS, or one per core when it is 0.
[[nodiscard]] int io_thread_count(const config& cfg);
[[nodiscard]] http::server_settings server_settings_of(const config& cfg);
[[nodiscard]] api::settings api_settings_of(const config& cfg);

}  // namespace marketsim::app
