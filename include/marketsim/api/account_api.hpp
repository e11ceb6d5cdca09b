// Registration of the account endpoints: sign-in and out (sign_in_api.cpp), sign-up and
// verification (sign_up_api.cpp), the session's own password and its reset by mail
// (password_api.cpp), the player's own and public profiles (profile_api.cpp), all registered by
// account_api.cpp; the player's API keys (api_keys_api.cpp); the admin endpoints
// (admin_api.cpp); client error reports and the server-side error recorder
// (error_reports_api.cpp); test-only hooks. Handlers run on io threads; passwords are hashed on
// the hash pool, SQL runs on the db pool.
#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "marketsim/api/settings.hpp"
#include "marketsim/auth/api_keys.hpp"
#include "marketsim/auth/hash_pool.hpp"
#include "marketsim/auth/password.hpp"
#include "marketsim/auth/sessions.hpp"
#include "marketsim/auth/throttle.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/market/halts.hpp"

namespace marketsim::api {

struct account_metrics {
  std::atomic<std::uint64_t> password_verifications{0};
  std::atomic<std::uint64_t> password_hashes{0};
  std::atomic<std::uint64_t> throttled{0};  // attempts refused by an attempt budget (429)
};

struct account_services {
  const settings& cfg;
  db::pool& pool;
  auth::hash_pool& hashes;
  auth::session_manager& sessions;
  const auth::password_policy& policy;
  auth::attempt_budget& account_throttle;  // password attempts per account
  auth::attempt_budget& address_throttle;  // password attempts per client address
  auth::rate_limiter& register_limit;
  auth::rate_limiter& reset_limit;  // password-reset mails asked for, per address and account
  auth::rate_limiter& report_limit;
  account_clock& clock;
  account_metrics& metrics;
  const std::string& dummy_hash;  // verified against when the email is unknown
  market::halt_list& halts;
  // GET /api/admin/runtime: the server seen from inside (the application builds it; io thread,
  // never blocks). Empty: the route answers 503.
  std::function<nlohmann::json()> runtime = {};
};

void register_account_routes(http::router& routes, account_services s);
// GET, POST /api/account/keys and DELETE /api/account/keys/{id}: signed in by session only (a
// key cannot make more keys); at most cfg.max_api_keys live keys each.
void register_api_key_routes(http::router& routes, const settings& cfg, db::pool& pool,
                             auth::api_key_store& keys);
void register_admin_routes(http::router& routes, account_services s);
void register_error_report_routes(http::router& routes, account_services s);
// POST /api/test/clock moves the clock; GET /api/test/crash throws (a server error to report).
void register_test_hooks(http::router& routes, account_clock& clock);

// The middleware's `after` hook: stores every 500 answer as a server error report.
[[nodiscard]] std::function<void(const http::request_context&, const http::response&)>
server_error_recorder(boost::asio::io_context& ioc, db::pool& pool);

// A user as JSON; `with_email` for the user themself and admins.
[[nodiscard]] nlohmann::json user_json(const auth::user_record& u, bool with_email);

}  // namespace marketsim::api
