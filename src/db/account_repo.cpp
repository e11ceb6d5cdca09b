// Account SQL (see account_repo.hpp). db::pool threads only. Hashes travel as hex text
// (decode/encode in SQL) so no binary parameter handling is needed with libpqxx 6.4.
#include "marketsim/db/account_repo.hpp"

#include <sodium.h>

#include <pqxx/pqxx>

#include "marketsim/core/crypto.hpp"
#include "marketsim/db/change_listener.hpp"

namespace marketsim::db::account_repo {

namespace {

#define MS(col) "(extract(epoch from " col ") * 1000)::bigint"
#define TS(param) "to_timestamp(" param "::double precision / 1000)"

constexpr const char* user_columns =
    "u.id, u.email, u.user_tag, u.display_name, u.role, u.status, u.public_profile, " MS(
        "u.created_at") ", coalesce(" MS("u.last_login_at") ", 0), u.password_hash, "
    "coalesce(u.bot_strategy, '')";

std::string with_user_columns(std::string_view rest) {
  std::string sql = "select ";
  sql += user_columns;
  sql += ' ';
  sql += rest;
  return sql;
}

// Columns 0..10: user_columns.
user_row read_user(const pqxx::row& r) {
  user_row out;
  auto& u = out.user;
  u.id = r[0].as<std::int64_t>();
  u.email = r[1].as<std::string>();
  u.user_tag = r[2].as<std::string>();
  u.display_name = r[3].as<std::string>();
  u.user_role = auth::parse_role(r[4].as<std::string>()).value_or(auth::role::user);
  u.status = auth::parse_status(r[5].as<std::string>()).value_or(auth::user_status::disabled);
  u.public_profile = r[6].as<bool>();
  u.created_ms = r[7].as<std::int64_t>();
  u.last_login_ms = r[8].as<std::int64_t>();
  out.password_hash = r[9].as<std::string>();
  u.bot_strategy = r[10].as<std::string>();
  return out;
}

// Tells every instance's change listener (db/change_listener.hpp), at commit.
void notify_change(pqxx::work& tx, const std::string& payload) {
  tx.exec_params("select pg_notify($1, $2)", std::string(sessions_channel), payload);
}

void queue_mail(pqxx::work& tx, const mail& m) {
  tx.exec_params("insert into outbox (to_address, subject, body) values ($1, $2, $3)", m.to,
                 m.subject, m.body);
  // Wakes the delivery loop of whichever instance listens.
  tx.exec("notify marketsim_outbox");
}

// A mailed link's token (stored as its SHA-256) for `purpose` ('verify' or 'reset').
void insert_email_token(pqxx::work& tx, const std::string& token_hash, std::int64_t user_id,
                        std::string_view purpose, std::int64_t now_ms, std::int64_t expires_ms) {
  tx.exec_params(
      "insert into email_tokens (token_hash, user_id, purpose, created_at, expires_at) "
      "values (decode($1, 'hex'), $2, $3, " TS("$4") ", " TS("$5") ")",
      hex(token_hash), user_id, std::string(purpose), now_ms, expires_ms);
}

std::optional<user_row> one_user(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::string like_pattern(std::string_view q) {
  std::string out = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '%';
  return out;
}

}  // namespace

std::optional<user_row> find_user_by_email(connection& c, std::string_view email) {
  pqxx::work tx(c);
  auto r = tx.exec_params(with_user_columns("from users u where u.email = $1"), std::string(email));
  auto out = one_user(r);
  tx.commit();
  return out;
}

std::optional<user_row> find_user(connection& c, std::int64_t id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(with_user_columns("from users u where u.id = $1"), id);
  auto out = one_user(r);
  tx.commit();
  return out;
}

std::optional<auth::user_record> find_user_by_tag(connection& c, std::string_view tag) {
  pqxx::work tx(c);
  auto r =
      tx.exec_params(with_user_columns("from users u where u.user_tag = $1"), std::string(tag));
  auto out = one_user(r);
  tx.commit();
  if (!out) return std::nullopt;
  return out->user;
}

register_outcome register_account(connection& c, const registration& r) {
  pqxx::work tx(c);
  // Two sign-ups of one address (or one tag) never interleave.
  tx.exec_params("select pg_advisory_xact_lock(hashtext('register:' || $1))", r.email);
  tx.exec_params("select pg_advisory_xact_lock(hashtext('tag:' || $1))", r.user_tag);
  // A pending sign-up that was never verified gives up its tag after a while.
  tx.exec_params(
      "delete from users where status = 'pending' and user_tag = $1 and email <> $2 "
      "and created_at < " TS("$3"),
      r.user_tag, r.email, r.pending_expires_ms);
  auto tag_owner = tx.exec_params("select email from users where user_tag = $1", r.user_tag);
  auto existing = tx.exec_params("select id, status from users where email = $1", r.email);
  if (!tag_owner.empty() && !(tag_owner[0][0].as<std::string>() == r.email && !existing.empty() &&
                              existing[0][1].as<std::string>() == "pending"))
    return register_outcome::tag_taken;  // rolled back: nothing stored

  register_outcome outcome;
  std::int64_t user_id = 0;
  if (existing.empty()) {
    user_id = tx.exec_params(
                    "insert into users (email, user_tag, display_name, password_hash, "
                    "created_at) values ($1, $2, $3, $4, " TS("$5") ") returning id",
                    r.email, r.user_tag, r.display_name, r.password_hash, r.now_ms)[0][0]
                  .as<std::int64_t>();
    outcome = register_outcome::created;
  } else if (existing[0][1].as<std::string>() == "pending") {
    // A repeat sign-up of a pending address only sends a new link; what the first one chose
    // stays. Otherwise anyone could replace the password behind the owner's next click.
    user_id = existing[0][0].as<std::int64_t>();
    outcome = register_outcome::resent;
  } else {
    queue_mail(tx, r.existing_mail);
    tx.commit();
    return register_outcome::already_registered;
  }
  insert_email_token(tx, r.token_hash, user_id, "verify", r.now_ms, r.token_expires_ms);
  queue_mail(tx, r.verify_mail);
  tx.commit();
  return outcome;
}

std::optional<std::string> verify_email(connection& c, std::string_view token_hash,
                                        std::int64_t now_ms) {
  pqxx::work tx(c);
  auto t = tx.exec_params(
      "update email_tokens set used_at = " TS("$2") " where token_hash = decode($1, 'hex') "
      "and purpose = 'verify' and used_at is null and expires_at > " TS("$2") " returning user_id",
      hex(token_hash), now_ms);
  if (t.empty()) return std::nullopt;
  auto u = tx.exec_params(
      "update users set status = 'active', verified_at = " TS("$2") " where id = $1 and "
      "status = 'pending' returning user_tag",
      t[0][0].as<std::int64_t>(), now_ms);
  if (u.empty()) return std::nullopt;
  auto tag = u[0][0].as<std::string>();
  tx.commit();
  return tag;
}

void create_session(connection& c, const auth::session_record& s,
                    const std::optional<std::string>& replaced, bool record_login) {
  pqxx::work tx(c);
  if (replaced) {
    tx.exec_params("delete from sessions where id_hash = decode($1, 'hex')", hex(*replaced));
    notify_change(tx, "session:" + hex(*replaced));
  }
  tx.exec_params(
      "insert into sessions (id_hash, user_id, role, created_at, last_seen_at, expires_at) "
      "values (decode($1, 'hex'), $2, $5, " TS("$3") ", " TS("$3") ", " TS("$4") ")",
      hex(s.id_hash), s.user_id, s.created_ms, s.expires_ms,
      std::string(auth::role_name(s.issued_for)));
  if (record_login)
    tx.exec_params("update users set last_login_at = " TS("$2") " where id = $1", s.user_id,
                   s.created_ms);
  tx.commit();
}

std::optional<std::pair<auth::session_record, auth::user_record>> find_session(
    connection& c, std::string_view id_hash) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      with_user_columns(", " MS("s.created_at") ", " MS("s.last_seen_at") ", " MS(
          "s.expires_at") ", s.role from sessions s join users u on u.id = s.user_id "
                          "where s.id_hash = decode($1, 'hex')"),
      hex(id_hash));
  tx.commit();
  if (r.empty()) return std::nullopt;
  auto u = read_user(r[0]);
  auth::session_record s;
  s.id_hash = std::string(id_hash);
  s.user_id = u.user.id;
  s.created_ms = r[0][11].as<std::int64_t>();
  s.last_seen_ms = r[0][12].as<std::int64_t>();
  s.expires_ms = r[0][13].as<std::int64_t>();
  s.issued_for = auth::parse_role(r[0][14].as<std::string>()).value_or(auth::role::user);
  return std::pair{std::move(s), std::move(u.user)};
}

void touch_session(connection& c, std::string_view id_hash, std::int64_t now_ms) {
  pqxx::work tx(c);
  tx.exec_params("update sessions set last_seen_at = greatest(last_seen_at, " TS("$2") ") "
                 "where id_hash = decode($1, 'hex')",
                 hex(id_hash), now_ms);
  tx.commit();
}

void delete_session(connection& c, std::string_view id_hash) {
  pqxx::work tx(c);
  tx.exec_params("delete from sessions where id_hash = decode($1, 'hex')", hex(id_hash));
  notify_change(tx, "session:" + hex(id_hash));
  tx.commit();
}

std::vector<std::string> delete_user_sessions(connection& c, std::int64_t user_id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "delete from sessions where user_id = $1 returning encode(id_hash, 'hex')", user_id);
  for (const auto& row : r) notify_change(tx, "session:" + row[0].as<std::string>());
  tx.commit();
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(from_hex(row[0].as<std::string>()).value_or(""));
  return out;
}

void update_password(connection& c, std::int64_t user_id, std::string_view hash) {
  pqxx::work tx(c);
  tx.exec_params("update users set password_hash = $2 where id = $1", user_id, std::string(hash));
  notify_change(tx, "user:" + std::to_string(user_id));
  tx.commit();
}

namespace {
// Every user update goes through here: other instances re-read the user on their next request.
std::optional<auth::user_record> returning_user(pqxx::work& tx, const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  auto u = read_user(r[0]);
  notify_change(tx, "user:" + std::to_string(u.user.id));
  tx.commit();
  return u.user;
}
// The same columns as user_columns, in RETURNING of statements that name users `u` (one list:
// read_user reads them by position).
const std::string returning_columns = std::string(" returning ") + user_columns;
}  // namespace

std::optional<auth::user_record> update_profile(connection& c, std::int64_t user_id,
                                                const std::optional<std::string>& display_name,
                                                std::optional<bool> public_profile) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "update users u set display_name = case when $2 then $3 else display_name end, "
      "public_profile = case when $4 then $5 else public_profile end where id = $1" +
          returning_columns,
      user_id, display_name.has_value(), display_name.value_or(""), public_profile.has_value(),
      public_profile.value_or(false));
  return returning_user(tx, r);
}

std::optional<auth::user_record> set_status(connection& c, std::int64_t user_id,
                                            auth::user_status s) {
  pqxx::work tx(c);
  auto r = tx.exec_params("update users u set status = $2 where id = $1" + returning_columns,
                          user_id, std::string(auth::status_name(s)));
  // A disabled player's programs stop at once: every instance drops the keys from its cache and
  // ends the WebSocket streams they opened (the keys stay, refused while the account is off).
  if (!r.empty() && s != auth::user_status::active)
    for (const auto& row : tx.exec_params(
             "select key_id from api_keys where user_id = $1 and revoked_at is null", user_id))
      notify_change(tx, "apikey:" + row[0].as<std::string>());
  return returning_user(tx, r);
}

std::optional<auth::user_record> set_role(connection& c, std::int64_t user_id, auth::role role) {
  pqxx::work tx(c);
  auto r = tx.exec_params("update users u set role = $2 where id = $1" + returning_columns, user_id,
                          std::string(auth::role_name(role)));
  return returning_user(tx, r);
}

user_page list_users(connection& c, std::string_view query, int limit, std::int64_t after_id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(with_user_columns("from users u where u.id > $1 and ($2 = '' or "
                                            "u.email ilike $3 or u.user_tag ilike $3 or "
                                            "u.display_name ilike $3) order by u.id limit $4"),
                          after_id, std::string(query), like_pattern(query), limit + 1);
  tx.commit();
  user_page page;
  for (const auto& row : r) {
    if (static_cast<int>(page.users.size()) == limit) {
      page.next = page.users.back().id;
      break;
    }
    page.users.push_back(read_user(row).user);
  }
  return page;
}

admin_result create_admin(connection& c, std::string_view email, std::string_view tag,
                          std::string_view name, std::string_view hash, bool promote_existing) {
  pqxx::work tx(c);
  // The same locks as a sign-up, so one racing this sees the outcome, not a half-done row.
  tx.exec_params("select pg_advisory_xact_lock(hashtext('register:' || $1))", std::string(email));
  tx.exec_params("select pg_advisory_xact_lock(hashtext('tag:' || $1))", std::string(tag));
  auto existing = tx.exec_params(with_user_columns("from users u where u.email = $1 for update"),
                                 std::string(email));
  auto current = one_user(existing);
  bool pending = current && current->user.status == auth::user_status::pending;
  if (promote_existing) {
    if (!current || current->user.status != auth::user_status::active)
      return {admin_outcome::no_active_account, std::nullopt};
    auto r = tx.exec_params("update users u set role = 'admin' where id = $1" + returning_columns,
                            current->user.id);
    auto u = read_user(r[0]).user;
    notify_change(tx, "user:" + std::to_string(u.id));
    tx.commit();
    return {admin_outcome::promoted, u};
  }
  if (current && !pending) return {admin_outcome::exists, current->user};
  auto tag_owner = tx.exec_params("select id from users where user_tag = $1", std::string(tag));
  if (!tag_owner.empty() && (!current || tag_owner[0][0].as<std::int64_t>() != current->user.id))
    return {admin_outcome::tag_taken, std::nullopt};
  if (pending) {
    // Someone signed up with this address before the operator: nothing of theirs survives.
    auto id = current->user.id;
    tx.exec_params("delete from email_tokens where user_id = $1", id);
    tx.exec_params("delete from sessions where user_id = $1", id);
    auto r = tx.exec_params(
        "update users u set user_tag = $2, display_name = $3, password_hash = $4, role = 'admin', "
        "status = 'active', verified_at = now(), created_at = now() where id = $1" +
            returning_columns,
        id, std::string(tag), std::string(name), std::string(hash));
    auto u = read_user(r[0]).user;
    notify_change(tx, "user:" + std::to_string(u.id));
    tx.commit();
    return {admin_outcome::replaced_pending, u};
  }
  auto r = tx.exec_params(
      "insert into users as u (email, user_tag, display_name, password_hash, role, "
      "status, verified_at) values ($1, $2, $3, $4, 'admin', 'active', now())" +
          returning_columns,
      std::string(email), std::string(tag), std::string(name), std::string(hash));
  auto u = read_user(r[0]).user;
  tx.commit();
  return {admin_outcome::created, u};
}

bool request_password_reset(connection& c, const reset_request& r) {
  pqxx::work tx(c);
  auto u = tx.exec_params("select id from users where email = $1 and status = 'active' for update",
                          r.email);
  if (u.empty()) return false;
  auto user_id = u[0][0].as<std::int64_t>();
  tx.exec_params(
      "delete from email_tokens where user_id = $1 and purpose = 'reset' and used_at is null",
      user_id);
  insert_email_token(tx, r.token_hash, user_id, "reset", r.now_ms, r.expires_ms);
  queue_mail(tx, r.reset_mail);
  tx.commit();
  return true;
}

bool reset_token_usable(connection& c, std::string_view token_hash, std::int64_t now_ms) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "select 1 from email_tokens t join users u on u.id = t.user_id where t.token_hash = "
      "decode($1, 'hex') and t.purpose = 'reset' and t.used_at is null and t.expires_at > " TS(
          "$2") " and u.status = 'active'",
      hex(token_hash), now_ms);
  tx.commit();
  return !r.empty();
}

std::optional<reset_done> reset_password(connection& c, std::string_view token_hash,
                                         std::string_view password_hash, std::int64_t now_ms,
                                         const mail& changed_mail) {
  pqxx::work tx(c);
  auto t = tx.exec_params(
      "update email_tokens set used_at = " TS("$2") " where token_hash = decode($1, 'hex') and "
      "purpose = 'reset' and used_at is null and expires_at > " TS("$2") " returning user_id",
      hex(token_hash), now_ms);
  if (t.empty()) return std::nullopt;
  reset_done done;
  done.user_id = t[0][0].as<std::int64_t>();
  auto u = tx.exec_params(
      "update users set password_hash = $2 where id = $1 and status = 'active' returning email",
      done.user_id, std::string(password_hash));
  if (u.empty()) return std::nullopt;  // rolled back: the link stays as it was
  done.email = u[0][0].as<std::string>();
  tx.exec_params(
      "delete from email_tokens where user_id = $1 and purpose = 'reset' and used_at is null",
      done.user_id);
  auto ended = tx.exec_params(
      "delete from sessions where user_id = $1 returning encode(id_hash, 'hex')", done.user_id);
  for (const auto& row : ended) {
    notify_change(tx, "session:" + row[0].as<std::string>());
    done.ended_sessions.push_back(from_hex(row[0].as<std::string>()).value_or(""));
  }
  // A thief who had the account may have made API keys: a reset is how the owner takes it
  // back, so those die too (every instance's key cache drops them at commit).
  auto keys = tx.exec_params(
      "update api_keys set revoked_at = now() where user_id = $1 and revoked_at is null "
      "returning key_id",
      done.user_id);
  for (const auto& row : keys) notify_change(tx, "apikey:" + row[0].as<std::string>());
  done.revoked_keys = static_cast<int>(keys.size());
  notify_change(tx, "user:" + std::to_string(done.user_id));
  mail m = changed_mail;
  m.to = done.email;
  queue_mail(tx, m);
  tx.commit();
  return done;
}

namespace {
constexpr const char* mail_columns = "id, to_address, subject, body, " MS(
    "created_at") ", coalesce(" MS("sent_at") ", 0), attempts, coalesce(last_error, '')";
std::vector<mail> read_mail(const pqxx::result& r) {
  std::vector<mail> out;
  for (const auto& row : r)
    out.push_back(mail{row[0].as<std::int64_t>(), row[1].as<std::string>(),
                       row[2].as<std::string>(), row[3].as<std::string>(),
                       row[4].as<std::int64_t>(), row[5].as<std::int64_t>(), row[6].as<int>(),
                       row[7].as<std::string>()});
  return out;
}
}  // namespace

std::vector<mail> list_outbox(connection& c, int limit, std::int64_t before_id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(std::string("select ") + mail_columns +
                              " from outbox where id < $1 order by id desc limit $2",
                          before_id, limit);
  tx.commit();
  return read_mail(r);
}

std::vector<mail> unsent_mail(connection& c, int limit) {
  pqxx::work tx(c);
  auto r = tx.exec_params(std::string("select ") + mail_columns +
                              " from outbox where sent_at is null and attempts < $2 "
                              "and next_attempt_at <= now() order by id limit $1",
                          limit, max_mail_attempts);
  tx.commit();
  return read_mail(r);
}

void mark_mail_sent(connection& c, std::int64_t id) {
  pqxx::work tx(c);
  tx.exec_params("update outbox set sent_at = now(), attempts = attempts + 1 where id = $1", id);
  tx.commit();
}

void mark_mail_failed(connection& c, std::int64_t id, std::string_view error) {
  pqxx::work tx(c);
  tx.exec_params(
      "update outbox set attempts = attempts + 1, last_error = $2, next_attempt_at = "
      "now() + least(power(2, attempts), 3600) * interval '1 second' where id = $1",
      id, std::string(error));
  tx.commit();
}

std::int64_t insert_error_report(connection& c, std::string_view source,
                                 std::optional<std::int64_t> user_id, std::string_view page,
                                 std::string_view request_id, std::string_view message,
                                 std::string_view report_json) {
  pqxx::work tx(c);
  auto id = tx.exec_params(
                  "insert into error_reports (source, user_id, page, request_id, "
                  "message, report) values ($1, nullif($2, 0), $3, $4, $5, $6::jsonb) returning id",
                  std::string(source), user_id.value_or(0), std::string(page),
                  std::string(request_id), std::string(message), std::string(report_json))[0][0]
                .as<std::int64_t>();
  tx.commit();
  return id;
}

std::vector<error_report> list_error_reports(connection& c, std::string_view source,
                                             std::string_view query, int limit,
                                             std::int64_t before_id) {
  pqxx::work tx(c);
  auto r = tx.exec_params(
      "select e.id, " MS("e.created_at") ", e.source, coalesce(u.user_tag, ''), e.page, "
      "e.request_id, e.message, e.report::text from error_reports e "
      "left join users u on u.id = e.user_id where e.id < $1 and ($2 = '' or e.source = $2) "
      "and ($3 = '' or e.message ilike $4 or e.page ilike $4 or e.request_id = $3) "
      "order by e.id desc limit $5",
      before_id, std::string(source), std::string(query), like_pattern(query), limit);
  tx.commit();
  std::vector<error_report> out;
  for (const auto& row : r)
    out.push_back(error_report{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                               row[2].as<std::string>(), row[3].as<std::string>(),
                               row[4].as<std::string>(), row[5].as<std::string>(),
                               row[6].as<std::string>(), row[7].as<std::string>()});
  return out;
}

bool set_halted(connection& c, std::string_view symbol, bool halted) {
  pqxx::work tx(c);
  auto r = tx.exec_params("update instruments set halted = $2 where symbol = $1 returning 1",
                          std::string(symbol), halted);
  tx.commit();
  return !r.empty();
}

std::vector<std::string> halted_symbols(connection& c) {
  pqxx::work tx(c);
  auto r = tx.exec("select symbol from instruments where halted order by symbol");
  tx.commit();
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

}  // namespace marketsim::db::account_repo
