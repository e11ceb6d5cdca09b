// Configuration parsing: a table of keys, each with its default, help text and typed setter.
// Runs once on the main thread before anything starts.
#include "marketsim/app/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <thread>

#include "marketsim/core/scrub.hpp"
#include "marketsim/core/url.hpp"

namespace marketsim::app {
namespace {

constexpr std::string_view mask = "****";

// The offset just past "scheme://" when `text` is a URI (RFC 3986 scheme), else npos.
std::size_t uri_body(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string_view::npos;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(text[0])) return std::string_view::npos;
  for (char c : text.substr(0, sep))
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
      return std::string_view::npos;
  return sep + 3;
}

// Whether `s` (what follows an '@') starts with a host part: a name, an address or an
// [IPv6 address], or nothing (libpq's unix-socket form), then an optional :port, then the end,
// a path, a query, a fragment or the next host of a libpq host list.
bool starts_with_host(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '[') {
    i = s.find(']');
    if (i == std::string_view::npos) return false;
    ++i;
  } else {
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                            (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' ||
                            s[i] == '_' || s[i] == '~' || s[i] == '%'))
      ++i;
  }
  if (i < s.size() && s[i] == ':') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  return i == s.size() || s[i] == '/' || s[i] == '?' || s[i] == '#' || s[i] == ',';
}

// Where the user info of a URI's body (what follows "scheme://") ends: the '@' before the host
// part, or npos when there is none. A password may hold a raw '@' ("u:p@ss@host"), so this is
// the last '@' followed by something shaped like a host, before the query; an '@' past the
// first '?' only counts when no name=value pair came in between (a raw '?' in a password),
// since a query value may hold one too ("?application_name=me@box").
std::size_t userinfo_end(std::string_view body) {
  auto qmark = body.find('?');
  std::size_t last_before_query = std::string_view::npos;
  for (auto at = body.find('@'); at != std::string_view::npos; at = body.find('@', at + 1)) {
    if (!starts_with_host(body.substr(at + 1))) continue;
    if (qmark == std::string_view::npos || at < qmark) {
      last_before_query = at;
      continue;
    }
    if (last_before_query != std::string_view::npos) break;
    auto between = body.substr(qmark, at - qmark);
    return between.find_first_of("=&") == std::string_view::npos ? at : std::string_view::npos;
  }
  return last_before_query;
}

// libpq's key=value form: "host=db password='a b\\'c' user=bob", spaces allowed around '=',
// single-quoted values with backslash escapes. A secret-looking key loses its value; text that
// does not parse as a pair is kept, except after a secret-looking word, where all is masked.
std::string mask_conninfo(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (space(s[i])) {
      out += s[i++];
      continue;
    }
    auto key_start = i;
    while (i < s.size() && s[i] != '=' && !space(s[i])) ++i;
    auto key = s.substr(key_start, i - key_start);
    auto after_key = i;
    while (i < s.size() && space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      out += s.substr(key_start, after_key - key_start);
      if (is_secret_name(key) && i < s.size()) {
        out += " " + std::string(mask);
        return out;
      }
      i = after_key;
      continue;
    }
    ++i;
    while (i < s.size() && space(s[i])) ++i;
    out += s.substr(key_start, i - key_start);
    bool quoted = i < s.size() && s[i] == '\'';
    auto value_start = i;
    if (quoted) {
      ++i;
      while (i < s.size() && s[i] != '\'') i += s[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, s.size());
    } else {
      while (i < s.size() && !space(s[i])) i += s[i] == '\\' ? 2 : 1;
      i = std::min(i, s.size());
    }
    if (is_secret_name(key))
      out += quoted ? "'" + std::string(mask) + "'" : std::string(mask);
    else
      out += s.substr(value_start, i - value_start);
  }
  return out;
}

using setter = std::function<result<void>(config&, std::string_view key, std::string_view value)>;

struct key_spec {
  std::string_view name;
  std::string_view default_text;
  std::string_view help;
  setter set;
  bool required = false;
  bool secret = false;
};

template <class Int>
result<Int> parse_int(std::string_view key, std::string_view text, Int min, Int max) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return fail(errc::config_malformed, fmt::format("{}: '{}' is not a whole number", key, text));
  if (value < min || value > max)
    return fail(errc::config_malformed,
                fmt::format("{}: {} is outside {}..{}", key, text, min, max));
  return value;
}

setter string_field(std::string config::*field) {
  return [field](config& c, std::string_view, std::string_view v) -> result<void> {
    c.*field = std::string(v);
    return {};
  };
}

template <class Int>
setter int_field(Int config::*field, Int min, Int max) {
  return [=](config& c, std::string_view key, std::string_view v) -> result<void> {
    auto parsed = parse_int<Int>(key, v, min, max);
    if (!parsed) return std::unexpected(parsed.error());
    c.*field = *parsed;
    return {};
  };
}

// A duration key may live in config itself or in its market settings.
std::chrono::milliseconds& member(config& c, std::chrono::milliseconds config::*field) {
  return c.*field;
}
std::chrono::milliseconds& member(config& c,
                                  std::chrono::milliseconds market::market_settings::*field) {
  return c.market.*field;
}

template <class Field>
setter duration_field(Field field) {
  return [=](config& c, std::string_view key, std::string_view v) -> result<void> {
    auto parsed = parse_duration(v);
    if (!parsed)
      return fail(errc::config_malformed, fmt::format("{}: {}", key, parsed.error().message));
    if (parsed->count() <= 0)
      return fail(errc::config_malformed, fmt::format("{}: must be greater than zero", key));
    member(c, field) = *parsed;
    return {};
  };
}

// A dollar amount ("100000", "0.01") as exact ten-thousandths, within [min, max].
setter money_field(std::int64_t config::*field, std::int64_t min, std::int64_t max) {
  return [=](config& c, std::string_view key, std::string_view v) -> result<void> {
    auto parsed = market::parse_price(v);
    if (!parsed || *parsed < min || *parsed > max)
      return fail(errc::config_malformed,
                  fmt::format("{}: '{}' is not an amount from {} to {}", key, v,
                              market::format_price(min), market::format_price(max)));
    c.*field = *parsed;
    return {};
  };
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

const std::vector<key_spec>& keys() {
  static const std::vector<key_spec> table = {
      {"MARKETSIM_DATABASE_URL", "(required)",
       "PostgreSQL connection string (libpq URI or key=value)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         // libpq ends a URI's user info at the first '@' or '/': with a raw one in the password
         // it would connect to a "host" made of the rest, and its error would quote that piece
         // of the password in the log. (The message never repeats the value.)
         if (auto at = uri_body(v); at != std::string_view::npos) {
           auto body = v.substr(at);
           auto end = userinfo_end(body);
           if (end != std::string_view::npos &&
               body.substr(0, end).find_first_of("@/") != std::string_view::npos)
             return fail(errc::config_malformed,
                         fmt::format("{}: the user name or password holds a raw '@' or '/'; "
                                     "percent-encode it (%40, %2F)",
                                     k));
         }
         c.database_url = std::string(v);
         return {};
       },
       true, true},
      {"MARKETSIM_BIND", "127.0.0.1", "address to listen on", string_field(&config::bind_address)},
      {"MARKETSIM_PORT", "8080", "TCP port to listen on (0: any free port)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto p = parse_int<int>(k, v, 0, 65535);
         if (!p)
           return fail(errc::config_malformed,
                       fmt::format("{}: '{}' is not a port (0-65535)", k, v));
         c.port = static_cast<std::uint16_t>(*p);
         return {};
       }},
      {"MARKETSIM_PORT_FILE", "", "file to write the bound port to once listening",
       string_field(&config::port_file)},
      {"MARKETSIM_WEB_ROOT", "web/out", "directory of the exported web app",
       string_field(&config::web_root)},
      {"MARKETSIM_MIGRATIONS_DIR", "migrations", "directory of the ordered SQL migrations",
       string_field(&config::migrations_dir)},
      {"MARKETSIM_LOG_LEVEL", "info", "trace, debug, info, warn, error",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         static const std::set<std::string_view> levels{"trace", "debug", "info",
                                                        "warn",  "error", "off"};
         if (!levels.contains(v))
           return fail(errc::config_malformed, fmt::format("{}: unknown level '{}'", k, v));
         c.log_level = std::string(v);
         return {};
       }},
      {"MARKETSIM_THREADS", "0", "io threads (0: one per core)",
       int_field(&config::io_threads, 0, 256)},
      {"MARKETSIM_DB_POOL", "4",
       "database worker threads for requests, one connection each (background work has 2 more)",
       int_field(&config::db_pool_size, 1, 128)},
      {"MARKETSIM_ORDER_BATCHES", "2",
       "order transactions (batches of new orders) running at once, at most MARKETSIM_DB_POOL "
       "(0: as many as MARKETSIM_DB_POOL)",
       int_field(&config::order_batches, 0, 128)},
      {"MARKETSIM_BODY_LIMIT", "1048576", "largest request body in bytes (413 beyond)",
       int_field<std::size_t>(&config::body_limit, 1024, std::size_t{1} << 30)},
      {"MARKETSIM_HEADER_LIMIT", "16384", "largest request header block in bytes (431 beyond)",
       int_field<std::size_t>(&config::header_limit, 1024, std::size_t{1} << 20)},
      {"MARKETSIM_READ_TIMEOUT", "30s", "time allowed to send a whole request",
       duration_field(&config::read_timeout)},
      {"MARKETSIM_IDLE_TIMEOUT", "60s", "idle keep-alive connections are closed after this",
       duration_field(&config::idle_timeout)},
      {"MARKETSIM_FLUSH_INTERVAL", "2m", "how often buffered ticks are written to PostgreSQL",
       duration_field(&config::flush_interval)},
      {"MARKETSIM_HEARTBEAT", "15s", "SSE heartbeat comment interval",
       duration_field(&config::heartbeat_interval)},
      {"MARKETSIM_MAX_STREAMS", "20000", "concurrent SSE streams (503 beyond)",
       int_field<std::size_t>(&config::max_streams, 1, 1'000'000)},
      {"MARKETSIM_STREAM_QUEUE", "256", "ticks queued per SSE client before coalescing",
       int_field<std::size_t>(&config::stream_queue, 8, 1'000'000)},
      {"MARKETSIM_REPLAY_RING", "65536", "ticks kept for Last-Event-ID resumption",
       int_field<std::size_t>(&config::replay_ring, 16, 100'000'000)},
      {"MARKETSIM_PROVIDER", "replay", "quote source: replay, simulated or http",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (v != "replay" && v != "simulated" && v != "http")
           return fail(errc::config_malformed,
                       fmt::format("{}: '{}' is not replay, simulated or http", k, v));
         c.market.provider = std::string(v);
         return {};
       }},
      {"MARKETSIM_DATA_DIR", "web/node_modules/vega-datasets/data",
       "data/ folder of the npm package vega-datasets (real price history)",
       [](config& c, std::string_view, std::string_view v) -> result<void> {
         c.market.data_dir = std::string(v);
         return {};
       }},
      {"MARKETSIM_SEED", "42", "seed of the generated prices",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto s = parse_int<std::uint64_t>(k, v, 0, UINT64_MAX);
         if (!s) return std::unexpected(s.error());
         c.market.seed = *s;
         return {};
       }},
      {"MARKETSIM_TICK_INTERVAL", "1s", "how often the feed produces ticks",
       duration_field(&market::market_settings::tick_interval)},
      {"MARKETSIM_REPLAY_DAY", "5m", "wall time per replayed trading day",
       duration_field(&market::market_settings::replay_day_duration)},
      {"MARKETSIM_REPLAY_START", "2005-01-03", "first replayed trading day (YYYY-MM-DD)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         bool shape = v.size() == 10 && v[4] == '-' && v[7] == '-';
         for (std::size_t i = 0; shape && i < v.size(); ++i)
           if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9')) shape = false;
         if (!shape)
           return fail(errc::config_malformed, fmt::format("{}: '{}' is not YYYY-MM-DD", k, v));
         c.market.replay_start = std::string(v);
         return {};
       }},
      {"MARKETSIM_SIM_COMPANIES", "20", "number of simulated companies",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto n = parse_int<int>(k, v, 0, 1000);
         if (!n) return std::unexpected(n.error());
         c.market.simulated_companies = *n;
         return {};
       }},
      {"MARKETSIM_HTTP_URL", "https://stooq.com",
       "base URL of the live quote source (http provider)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (!v.starts_with("http://") && !v.starts_with("https://"))
           return fail(errc::config_malformed, fmt::format("{}: '{}' is not an http(s) URL", k, v));
         c.market.http_base_url = std::string(v);
         return {};
       }},
      {"MARKETSIM_HTTP_POLL", "15s", "how often the http provider polls",
       duration_field(&market::market_settings::http_poll_interval)},
      {"MARKETSIM_HTTP_TIMEOUT", "5s", "timeout of one poll",
       duration_field(&market::market_settings::http_timeout)},
      {"MARKETSIM_SESSION_SECRET", "(random per run)",
       "server secret for signing cookies and CSRF tokens, at least 32 characters",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (v.size() < 32)
           return fail(
               errc::config_malformed,
               fmt::format("{}: use at least 32 characters (e.g. openssl rand -hex 32)", k));
         c.session_secret = std::string(v);
         return {};
       },
       false, true},
      {"MARKETSIM_PUBLIC_URL", "http://localhost:8080",
       "the site's public origin: links in mail, and an allowed Origin",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         // Its origin is the site's name for the Host and Origin checks: it must parse.
         if (auto o = parse_origin(v, true); !o)
           return fail(errc::config_malformed, fmt::format("{}: {}", k, o.error().message));
         std::string url(v);
         while (url.ends_with('/')) url.pop_back();
         c.public_url = std::move(url);
         return {};
       }},
      {"MARKETSIM_ALLOWED_ORIGINS", "",
       "more origins (scheme://host[:port], comma-separated) that may send state-changing "
       "requests, and whose hosts the server answers to",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         c.allowed_origins.clear();
         for (const auto& item : split_list(v)) {
           auto o = parse_origin(item);
           if (!o) return fail(errc::config_malformed, fmt::format("{}: {}", k, o.error().message));
           c.allowed_origins.push_back(o->serialize());
         }
         return {};
       }},
      {"MARKETSIM_INSTANCE", "(hostname:pid)",
       "this instance's name in a cluster (GET /readyz, the leadership log lines)",
       string_field(&config::instance)},
      {"MARKETSIM_TRUSTED_PROXIES", "",
       "proxy addresses whose X-Forwarded-For is believed (comma-separated IPs)",
       [](config& c, std::string_view, std::string_view v) -> result<void> {
         c.trusted_proxies = split_list(v);
         return {};
       }},
      {"MARKETSIM_SESSION_IDLE", "12h", "a session ends after this long without a request",
       duration_field(&config::session_idle)},
      {"MARKETSIM_SESSION_ABSOLUTE", "7d", "a session ends this long after sign-in",
       duration_field(&config::session_absolute)},
      {"MARKETSIM_SESSION_CACHE", "100000", "sessions kept in memory",
       int_field<std::size_t>(&config::session_cache, 0, 100'000'000)},
      {"MARKETSIM_PASSWORD_HASH", "interactive",
       "argon2id cost: interactive, moderate, sensitive (test-minimal: tests only)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto s = auth::parse_hash_strength(v);
         if (!s) return fail(errc::config_malformed, fmt::format("{}: {}", k, s.error().message));
         c.password_hash = *s;
         return {};
       }},
      {"MARKETSIM_HASH_THREADS", "2", "threads hashing passwords (each uses the argon2id memory)",
       int_field(&config::hash_threads, 1, 64)},
      {"MARKETSIM_HASH_QUEUE", "256", "password checks allowed to wait (503 busy beyond)",
       int_field<std::size_t>(&config::hash_queue, 1, 100'000)},
      {"MARKETSIM_COMMON_PASSWORDS", "/usr/share/john/password.lst",
       "list of common passwords to refuse (Debian package john-data)",
       string_field(&config::common_passwords)},
      {"MARKETSIM_MAIL_FROM", "marketsim <noreply@localhost>", "sender of account mail",
       string_field(&config::mail_from)},
      {"MARKETSIM_SMTP_URL", "(log delivery)",
       "smtp://relay:25, or smtp+starttls://user:password@host:587; unset: mail goes to the log",
       string_field(&config::smtp_url), false, true},
      {"MARKETSIM_SMTP_CA_FILE", "", "extra CA certificate (PEM) trusted for STARTTLS",
       string_field(&config::smtp_ca_file)},
      {"MARKETSIM_STARTING_CASH", "100000", "virtual cash every new account starts with",
       money_field(&config::starting_cash_e4, 0, 1'000'000'000LL * market::price_scale)},
      {"MARKETSIM_HALF_SPREAD", "0.01",
       "the house sells at the last price plus this and buys at it minus this",
       money_field(&config::half_spread_e4, 0, 1'000 * market::price_scale)},
      {"MARKETSIM_BOTS", "30",
       "simulated traders (bots) trading through the order path like players; 0: none",
       int_field(&config::bots, 0, 1000)},
      {"MARKETSIM_BOT_SEED", "1", "seed of the bots' strategies, symbols and parameters",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto s = parse_int<std::uint64_t>(k, v, 0, UINT64_MAX);
         if (!s) return std::unexpected(s.error());
         c.bot_seed = *s;
         return {};
       }},
      {"MARKETSIM_BOT_ORDER_RATE", "40",
       "orders and cancels per second all bots together may send (the rest is dropped)",
       int_field(&config::bot_order_rate, 1, 100'000)},
      {"MARKETSIM_BOT_THINK", "5s", "how often each bot thinks, on average (jittered)",
       duration_field(&config::bot_think)},
      {"MARKETSIM_FEED_INTERVAL", "5s",
       "how often the home feed is rebuilt (and sent to streams when it changed)",
       duration_field(&config::feed_interval)},
      {"MARKETSIM_FEED_LARGE_TRADE", "10000",
       "a fill worth at least this (price × quantity) is a notable trade in the home feed",
       money_field(&config::feed_large_trade_e4, 0, 1'000'000'000LL * market::price_scale)},
      {"MARKETSIM_EQUITY_SNAPSHOT", "1m",
       "how often every player's equity is recorded for the portfolio history",
       duration_field(&config::equity_snapshot_interval)},
      {"MARKETSIM_INTEGRITY_SCAN", "1m",
       "how often the leader looks for wash trading, off-market fills and shared addresses",
       duration_field(&config::integrity_scan_interval)},
      {"MARKETSIM_RETENTION_INTERVAL", "1h",
       "how often the leader deletes expired sessions and links, and what MARKETSIM_RETENTION ends",
       duration_field(&config::retention_interval)},
      {"MARKETSIM_RETENTION", "30d",
       "unverified sign-ups, sent mail, addresses and error reports are kept this long",
       duration_field(&config::retention)},
      {"MARKETSIM_PROFILE_TRADE_DELAY", "15m",
       "a public profile shows a fill only once it is this old (no front-running)",
       duration_field(&config::profile_trade_delay)},
      {"MARKETSIM_API_RATE", "200", "requests a minute per API key (429 beyond)",
       int_field(&config::api_rate_per_minute, 1, 1'000'000)},
      {"MARKETSIM_MAX_CONNECTIONS", "25000", "open connections server-wide (503 beyond)",
       int_field<std::size_t>(&config::max_connections, 1, 10'000'000)},
      {"MARKETSIM_STREAMS_PER_ADDRESS", "64",
       "open SSE streams per client address (429 stream_limit beyond)",
       int_field<std::size_t>(&config::streams_per_address, 1, 10'000'000)},
      {"MARKETSIM_STREAMS_PER_USER", "16",
       "open SSE streams per signed-in player (429 stream_limit beyond)",
       int_field<std::size_t>(&config::streams_per_user, 1, 10'000'000)},
      {"MARKETSIM_REPLAY_BYTES", "1048576",
       "most bytes a Last-Event-ID resumption replays; beyond, the stream gets a reset event",
       int_field<std::size_t>(&config::replay_bytes, 4096, std::size_t{1} << 30)},
      {"MARKETSIM_MAX_OPEN_ORDERS", "500",
       "open orders per account (403 too_many_open_orders beyond)",
       int_field(&config::max_open_orders, 1, 1'000'000)},
      {"MARKETSIM_MAX_WATCHLISTS", "20", "watchlists per player (403 too_many_watchlists beyond)",
       int_field(&config::max_watchlists, 1, 100'000)},
      {"MARKETSIM_MAX_RULES", "50", "trading rules per player (403 too_many_rules beyond)",
       int_field(&config::max_rules, 1, 10'000)},
      {"MARKETSIM_WATCHLIST_SIZE", "200", "symbols per watchlist (403 watchlist_full beyond)",
       int_field(&config::watchlist_size, 1, 100'000)},
      {"MARKETSIM_MAX_API_KEYS", "10", "live API keys per player (403 too_many_api_keys beyond)",
       int_field(&config::max_api_keys, 1, 10'000)},
      {"MARKETSIM_SESSION_RATE", "600",
       "/v2 requests a minute per player signed in with a session cookie (429 beyond)",
       int_field(&config::session_rate_per_minute, 1, 1'000'000)},
      {"MARKETSIM_HASH_PER_CLIENT", "2",
       "password hashes one player or address may have queued or running at once (429 beyond)",
       int_field(&config::hash_per_client, 1, 1'000)},
      {"MARKETSIM_LOG_FORMAT", "text", "text, or json (one JSON object per line)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (v != "text" && v != "json")
           return fail(errc::config_malformed, fmt::format("{}: use text or json", k));
         c.log_format = std::string(v);
         return {};
       }},
      {"MARKETSIM_TEST_HOOKS", "0",
       "1 enables test-only endpoints (moving the clock); never in production",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (v != "0" && v != "1")
           return fail(errc::config_malformed, fmt::format("{}: use 0 or 1", k));
         c.test_hooks = v == "1";
         return {};
       }},
      {"MARKETSIM_TLS_CERT", "", "PEM certificate chain: serve HTTPS (with MARKETSIM_TLS_KEY)",
       string_field(&config::tls_cert)},
      {"MARKETSIM_TLS_KEY", "", "PEM private key of the certificate",
       string_field(&config::tls_key)},
      {"MARKETSIM_SLOW_STEP", "50ms",
       "an io thread held this long without yielding is logged (runtime: ... late)",
       duration_field(&config::slow_step_threshold)},
      {"MARKETSIM_METRICS_ADDR", "127.0.0.1:9464",
       "where GET /metrics (Prometheus) listens: host:port (port 0: any free one), or off",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         if (v == "off") {
           c.metrics_port = -1;
           return {};
         }
         auto colon = v.rfind(':');
         if (colon == std::string_view::npos || colon == 0)
           return fail(errc::config_malformed, fmt::format("{}: '{}' is not host:port", k, v));
         auto p = parse_int<int>(k, v.substr(colon + 1), 0, 65535);
         if (!p) return std::unexpected(p.error());
         auto host = v.substr(0, colon);
         if (host.size() > 2 && host.front() == '[' && host.back() == ']')
           host = host.substr(1, host.size() - 2);
         c.metrics_address = std::string(host);
         c.metrics_port = *p;
         return {};
       }},
      {"MARKETSIM_HTTP_REDIRECT_PORT", "0",
       "with TLS: a plain-HTTP port that redirects to HTTPS (0: none)",
       [](config& c, std::string_view k, std::string_view v) -> result<void> {
         auto p = parse_int<int>(k, v, 0, 65535);
         if (!p) return std::unexpected(p.error());
         c.http_redirect_port = static_cast<std::uint16_t>(*p);
         return {};
       }},
      {"MARKETSIM_HTTP_SYMBOLS", "", "extra comma-separated symbols for the http provider",
       [](config& c, std::string_view, std::string_view v) -> result<void> {
         c.market.http_symbols = split_list(v);
         return {};
       }},
  };
  return table;
}

const key_spec* find_key(std::string_view name) {
  for (const auto& k : keys())
    if (k.name == name) return &k;
  return nullptr;
}

// .env lines: KEY=VALUE, optional "export ", # comments, optional matching quotes.
result<std::map<std::string, std::string>> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line.remove_prefix(7);
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return fail(errc::config_malformed, fmt::format(".env line {}: expected KEY=VALUE", line_no));
    std::string key(line.substr(0, eq));
    std::string_view value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (out.contains(key))
      return fail(errc::config_duplicate, fmt::format("{} is set twice in .env", key));
    out.emplace(std::move(key), std::string(value));
  }
  return out;
}

}  // namespace

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0)
    return fail(errc::config_malformed,
                fmt::format("'{}' is not a duration like 500ms, 5s, 2m, 1h", text));
  std::int64_t amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, amount);
  if (ec != std::errc{})
    return fail(errc::config_malformed, fmt::format("'{}' is too large", text));
  std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else
    return fail(errc::config_malformed,
                fmt::format("'{}' is not a duration like 500ms, 5s, 2m, 1h", text));
  if (amount > INT64_MAX / scale)
    return fail(errc::config_malformed, fmt::format("'{}' is too large", text));
  return std::chrono::milliseconds(amount * scale);
}

result<config> parse_config(const std::map<std::string, std::string>& env,
                            std::string_view dotenv) {
  auto file = parse_dotenv(dotenv);
  if (!file) return std::unexpected(file.error());
  config cfg;
  cfg.market.data_dir = "web/node_modules/vega-datasets/data";
  std::set<std::string_view> seen;
  auto apply = [&](const std::string& key, const std::string& value) -> result<void> {
    if (!key.starts_with("MARKETSIM_")) return {};
    const key_spec* spec = find_key(key);
    if (spec == nullptr)
      return fail(
          errc::config_unknown_key,
          fmt::format("{} is not a marketsim setting (a typo?); see marketsim --help", key));
    seen.insert(spec->name);
    return spec->set(cfg, spec->name, value);
  };
  for (const auto& [key, value] : *file) {
    if (env.contains(key))
      return fail(errc::config_duplicate,
                  fmt::format("{} is set both in the environment and in .env; keep one", key));
    if (auto r = apply(key, value); !r) return std::unexpected(r.error());
  }
  for (const auto& [key, value] : env)
    if (auto r = apply(key, value); !r) return std::unexpected(r.error());
  for (const auto& k : keys())
    if (k.required && !seen.contains(k.name))
      return fail(errc::config_missing, fmt::format("{} is required: {}", k.name, k.help));
  if (cfg.database_url.empty())
    return fail(errc::config_missing, "MARKETSIM_DATABASE_URL is empty");
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    return fail(errc::config_missing,
                "set both MARKETSIM_TLS_CERT and MARKETSIM_TLS_KEY, or neither");
  if (cfg.http_redirect_port != 0 && cfg.tls_cert.empty())
    return fail(errc::config_malformed,
                "MARKETSIM_HTTP_REDIRECT_PORT needs TLS (MARKETSIM_TLS_CERT)");
  return cfg;
}

std::string config_help() {
  std::string out =
      "usage: marketsim [serve | migrate | create-admin ... | --help]\n\n"
      "  serve     apply migrations, start the market feed and serve HTTP (default)\n"
      "  migrate   apply pending migrations and exit\n"
      "  create-admin --email E --tag T [--name N]\n"
      "            create (or promote) an administrator; the password is read from stdin\n\n"
      "Configuration comes from the environment and an optional .env file in the working\n"
      "directory (a key may be set in one place only):\n\n";
  for (const auto& k : keys())
    out += fmt::format("  {:<26} {:<22} {}\n", k.name,
                       k.default_text.empty() ? "(unset)" : k.default_text, k.help);
  return out;
}

std::string mask_secrets(std::string_view text) {
  auto body_at = uri_body(text);
  if (body_at == std::string_view::npos) return mask_conninfo(text);
  auto body = text.substr(body_at);
  std::string out(text.substr(0, body_at));
  auto rest = body;
  if (auto end = userinfo_end(body); end != std::string_view::npos) {
    auto userinfo = body.substr(0, end);
    auto colon = userinfo.find(':');
    out += userinfo.substr(0, colon);
    if (colon != std::string_view::npos) out += ":" + std::string(mask);
    out += '@';
    rest = body.substr(end + 1);
  }
  auto qmark = rest.find('?');
  out += rest.substr(0, qmark);
  if (qmark == std::string_view::npos) return out;
  out += '?';
  auto query = rest.substr(qmark + 1);
  auto hash = query.find('#');
  auto fragment = hash == std::string_view::npos ? std::string_view{} : query.substr(hash);
  query = query.substr(0, hash);
  // name=value&...: a secret-looking name (percent-decoded, as libpq reads it) loses its value.
  for (bool first = true; !first || !query.empty(); first = false) {
    auto amp = query.find('&');
    auto param = query.substr(0, amp);
    if (!first) out += '&';
    auto eq = param.find('=');
    if (eq != std::string_view::npos && is_secret_name(percent_decode(param.substr(0, eq))))
      out += std::string(param.substr(0, eq + 1)) + std::string(mask);
    else
      out += param;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  out += fragment;
  return out;
}

std::vector<std::string> describe(const config& cfg) {
  auto ms = [](std::chrono::milliseconds d) { return fmt::format("{}ms", d.count()); };
  return {
      fmt::format("database_url={}", mask_secrets(cfg.database_url)),
      fmt::format("listen={}:{}", cfg.bind_address, cfg.port),
      fmt::format("web_root={} migrations_dir={}", cfg.web_root, cfg.migrations_dir),
      fmt::format("io_threads={} db_pool={} log_level={}", cfg.io_threads, cfg.db_pool_size,
                  cfg.log_level),
      fmt::format("body_limit={} header_limit={} read_timeout={} idle_timeout={}", cfg.body_limit,
                  cfg.header_limit, ms(cfg.read_timeout), ms(cfg.idle_timeout)),
      fmt::format("max_streams={} stream_queue={} replay_ring={} heartbeat={}", cfg.max_streams,
                  cfg.stream_queue, cfg.replay_ring, ms(cfg.heartbeat_interval)),
      fmt::format("provider={} seed={} tick_interval={} flush_interval={}", cfg.market.provider,
                  cfg.market.seed, ms(cfg.market.tick_interval), ms(cfg.flush_interval)),
      fmt::format("replay_start={} replay_day={} simulated_companies={} data_dir={}",
                  cfg.market.replay_start, ms(cfg.market.replay_day_duration),
                  cfg.market.simulated_companies, cfg.market.data_dir),
      fmt::format("http_url={} http_poll={} http_timeout={}",
                  mask_secrets(cfg.market.http_base_url), ms(cfg.market.http_poll_interval),
                  ms(cfg.market.http_timeout)),
      fmt::format("public_url={} session_secret={} session_idle={} session_absolute={}",
                  cfg.public_url, cfg.session_secret.empty() ? "(random)" : "****",
                  ms(cfg.session_idle), ms(cfg.session_absolute)),
      fmt::format("password_hash={} hash_threads={} hash_queue={} common_passwords={}",
                  auth::strength_name(cfg.password_hash), cfg.hash_threads, cfg.hash_queue,
                  cfg.common_passwords),
      fmt::format("tls={} tls_cert={} http_redirect_port={}", !cfg.tls_cert.empty(), cfg.tls_cert,
                  cfg.http_redirect_port),
      fmt::format("metrics={} slow_step={}ms",
                  cfg.metrics_port < 0
                      ? std::string("off")
                      : fmt::format("{}:{}", cfg.metrics_address, cfg.metrics_port),
                  cfg.slow_step_threshold.count()),
      fmt::format("mail={} mail_from={}", cfg.smtp_url.empty() ? "log" : mask_secrets(cfg.smtp_url),
                  cfg.mail_from),
      fmt::format("allowed_origins={} trusted_proxies={} test_hooks={}",
                  fmt::join(cfg.allowed_origins, ","), fmt::join(cfg.trusted_proxies, ","),
                  cfg.test_hooks),
  };
}

int io_thread_count(const config& cfg) {
  return cfg.io_threads > 0 ? cfg.io_threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

http::server_settings server_settings_of(const config& cfg) {
  return {.bind_address = cfg.bind_address,
          .port = cfg.port,
          .port_file = cfg.port_file,
          .body_limit = cfg.body_limit,
          .header_limit = cfg.header_limit,
          .read_timeout = cfg.read_timeout,
          .idle_timeout = cfg.idle_timeout,
          .max_connections = cfg.max_connections,
          .trusted_proxies = cfg.trusted_proxies,
          .public_url = cfg.public_url,
          .io_threads = io_thread_count(cfg)};
}

api::settings api_settings_of(const config& cfg) {
  return {.public_url = cfg.public_url,
          .instance = cfg.instance,
          .password_hash = cfg.password_hash,
          .starting_cash_e4 = cfg.starting_cash_e4,
          .half_spread_e4 = cfg.half_spread_e4,
          .max_open_orders = cfg.max_open_orders,
          .max_watchlists = cfg.max_watchlists,
          .watchlist_size = cfg.watchlist_size,
          .max_rules = cfg.max_rules,
          .max_api_keys = cfg.max_api_keys,
          .profile_trade_delay_ms = cfg.profile_trade_delay.count(),
          .data_dir = cfg.market.data_dir};
}

}  // namespace marketsim::app
