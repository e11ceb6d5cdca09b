// Deleting what nothing can use any more (see retention.hpp). db::pool threads.
#include "marketsim/db/retention.hpp"

#include <pqxx/pqxx>

#include "marketsim/db/account_repo.hpp"

namespace marketsim::db::retention {

namespace {

#define TS(param) "to_timestamp(" param "::double precision / 1000)"

// The stored last use of a session is written at most once a minute: an hour's margin keeps a
// session that is still in use from being taken for idle.
constexpr std::int64_t idle_margin_ms = 3'600'000;

// $1 is the batch in each.
// $2: the server's clock (ms); $3: the idle limit (ms).
constexpr const char* sessions_sql =
    "delete from sessions where id_hash in (select id_hash from sessions where expires_at <= " TS(
        "$2") " or last_seen_at < " TS("($2::bigint - $3::bigint)") " limit $1)";
// $2: the server's clock (ms).
constexpr const char* tokens_sql =
    "delete from email_tokens where token_hash in (select token_hash from email_tokens where "
    "expires_at <= " TS("$2") " limit $1)";
// A sign-up never verified, whose links have all died: it holds an address and a password hash
// and nothing else (an account is made at the first sign-in, which needs the address
// verified). $2: the server's clock (ms); $3: the retention (ms).
constexpr const char* pending_users_sql =
    "delete from users where id in (select u.id from users u where u.status = 'pending' and "
    "u.created_at < " TS("($2::bigint - $3::bigint)") " and not exists (select 1 from "
    "email_tokens t where t.user_id = u.id and t.expires_at > " TS("$2") ") and not exists "
    "(select 1 from accounts a where a.user_id = u.id) limit $1)";
// The outbox and the addresses are stamped by the database's clock. $2: the retention (ms);
// $3: account_repo::max_mail_attempts (mail given up on).
constexpr const char* mail_sql =
    "delete from outbox where id in (select id from outbox where (sent_at is not null or "
    "attempts >= $3) and created_at < now() - make_interval(secs => $2::double precision / "
    "1000) limit $1)";
constexpr const char* error_reports_sql =
    "delete from error_reports where id in (select id from error_reports where created_at < "
    "now() - make_interval(secs => $2::double precision / 1000) limit $1)";
constexpr const char* addresses_sql =
    "delete from user_addresses where (user_id, address) in (select user_id, address from "
    "user_addresses where last_at < now() - make_interval(secs => $2::double precision / 1000) "
    "limit $1)";

#undef TS

template <typename... Params>
std::int64_t in_batches(connection& c, const settings& s, const char* sql,
                        const Params&... params) {
  std::int64_t deleted = 0;
  for (int i = 0; i < s.max_batches; ++i) {
    pqxx::work tx(c);
    const auto n =
        static_cast<std::int64_t>(tx.exec_params(sql, s.batch, params...).affected_rows());
    tx.commit();
    deleted += n;
    if (n < s.batch) break;
  }
  return deleted;
}

}  // namespace

counts prune(connection& c, const settings& s) {
  counts n;
  const std::int64_t idle_ms = s.session_idle.count() + idle_margin_ms;
  n.sessions = in_batches(c, s, sessions_sql, s.now_ms, idle_ms);
  n.email_tokens = in_batches(c, s, tokens_sql, s.now_ms);
  const std::int64_t keep_ms = s.keep.count();
  n.pending_users = in_batches(c, s, pending_users_sql, s.now_ms, keep_ms);
  n.mail = in_batches(c, s, mail_sql, keep_ms, account_repo::max_mail_attempts);
  n.addresses = in_batches(c, s, addresses_sql, keep_ms);
  n.error_reports = in_batches(c, s, error_reports_sql, keep_ms);
  return n;
}

}  // namespace marketsim::db::retention
