// SQL for accounts: users, sessions, email tokens, the mail outbox, error reports and trading
// halts. Blocking libpqxx calls: run only on db::pool threads (or at start-up). Times are
// milliseconds since the epoch from the application's clock.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marketsim/core/principal.hpp"
#include "marketsim/db/pool.hpp"

namespace marketsim::db::account_repo {

struct user_row {
  auth::user_record user;
  std::string password_hash;
};

struct mail {
  std::int64_t id = 0;
  std::string to;
  std::string subject;
  std::string body;
  std::int64_t created_ms = 0;
  std::int64_t sent_ms = 0;  // 0: not sent yet
  int attempts = 0;
  std::string last_error;
};

[[nodiscard]] std::optional<user_row> find_user_by_email(connection& c, std::string_view email);
[[nodiscard]] std::optional<user_row> find_user(connection& c, std::int64_t id);
[[nodiscard]] std::optional<auth::user_record> find_user_by_tag(connection& c,
                                                                std::string_view tag);

struct registration {
  std::string email;
  std::string user_tag;
  std::string display_name;
  std::string password_hash;
  std::string token_hash;  // raw SHA-256 of the emailed token
  std::int64_t now_ms = 0;
  std::int64_t token_expires_ms = 0;
  std::int64_t pending_expires_ms = 0;  // pending sign-ups older than this give up their tag
  mail verify_mail;                     // to a new or still-pending address
  mail existing_mail;                   // to the owner of an already registered address
};
enum class register_outcome { created, resent, already_registered, tag_taken };
// One transaction, serialized per address: creates a pending user and queues the verification
// mail; for a still-pending address only queues a new link (the first sign-up's password, tag
// and name stay: whoever signs up again cannot replace them); for a registered one queues the
// "someone tried" mail. The tag check comes first, so the answer says nothing of the address.
[[nodiscard]] register_outcome register_account(connection& c, const registration& r);

// Marks the token used and the user active; the user's tag, or nullopt for a bad token.
[[nodiscard]] std::optional<std::string> verify_email(connection& c, std::string_view token_hash,
                                                      std::int64_t now_ms);

// Inserts a session (and ends `replaced`, the session the request came with, if any).
void create_session(connection& c, const auth::session_record& s,
                    const std::optional<std::string>& replaced, bool record_login);
[[nodiscard]] std::optional<std::pair<auth::session_record, auth::user_record>> find_session(
    connection& c, std::string_view id_hash);
void touch_session(connection& c, std::string_view id_hash, std::int64_t now_ms);
void delete_session(connection& c, std::string_view id_hash);
// Ends every session of the user; returns their hashes.
[[nodiscard]] std::vector<std::string> delete_user_sessions(connection& c, std::int64_t user_id);

void update_password(connection& c, std::int64_t user_id, std::string_view hash);
[[nodiscard]] std::optional<auth::user_record> update_profile(
    connection& c, std::int64_t user_id, const std::optional<std::string>& display_name,
    std::optional<bool> public_profile);
[[nodiscard]] std::optional<auth::user_record> set_status(connection& c, std::int64_t user_id,
                                                          auth::user_status s);
[[nodiscard]] std::optional<auth::user_record> set_role(connection& c, std::int64_t user_id,
                                                        auth::role r);

struct user_page {
  std::vector<auth::user_record> users;
  std::optional<std::int64_t> next;
};
[[nodiscard]] user_page list_users(connection& c, std::string_view query, int limit,
                                   std::int64_t after_id);

enum class admin_outcome {
  created,            // a new active admin with the operator's password
  replaced_pending,   // an unverified sign-up of the address replaced: tag, name, password
  promoted,           // an active account made admin (with promote_existing); its password stays
  exists,             // an account with the address exists and promote_existing was not given
  no_active_account,  // promote_existing, but no active account has the address
  tag_taken,          // another account has the tag
};
struct admin_result {
  admin_outcome outcome;
  std::optional<auth::user_record> user;  // the admin, or the existing account (exists)
};
// One transaction, serialized with sign-ups of the address and tag. `hash` is the operator's
// password hash (unused when promoting).
[[nodiscard]] admin_result create_admin(connection& c, std::string_view email, std::string_view tag,
                                        std::string_view name, std::string_view hash,
                                        bool promote_existing);

// Password reset by mailed link.
struct reset_request {
  std::string email;
  std::string token_hash;  // raw SHA-256 of the mailed token
  std::int64_t now_ms = 0;
  std::int64_t expires_ms = 0;
  mail reset_mail;
};
// Stores the token (earlier unused reset links of the user die) and queues the mail when an
// active user has the address; false, with nothing stored, when none does.
[[nodiscard]] bool request_password_reset(connection& c, const reset_request& r);
// Whether a reset token would work now (reads only: checked before the slow hash).
[[nodiscard]] bool reset_token_usable(connection& c, std::string_view token_hash,
                                      std::int64_t now_ms);
struct reset_done {
  std::int64_t user_id = 0;
  std::string email;
  std::vector<std::string> ended_sessions;  // hashes of the sessions that ended
  int revoked_keys = 0;
};
// One transaction: uses the token once, sets the password, ends every session of the user,
// revokes their API keys and kills their other reset links, queues a "your password was
// changed" mail. nullopt when the
// token is unknown, used, expired or its user is not active: nothing changes then.
[[nodiscard]] std::optional<reset_done> reset_password(connection& c, std::string_view token_hash,
                                                       std::string_view password_hash,
                                                       std::int64_t now_ms,
                                                       const mail& changed_mail);

// A mail is tried this many times (later and later), then given up on.
inline constexpr int max_mail_attempts = 10;
[[nodiscard]] std::vector<mail> list_outbox(connection& c, int limit, std::int64_t before_id);
[[nodiscard]] std::vector<mail> unsent_mail(connection& c, int limit);
void mark_mail_sent(connection& c, std::int64_t id);
void mark_mail_failed(connection& c, std::int64_t id, std::string_view error);

struct error_report {
  std::int64_t id = 0;
  std::int64_t created_ms = 0;
  std::string source;
  std::string user_tag;
  std::string page;
  std::string request_id;
  std::string message;
  std::string report_json;
};
[[nodiscard]] std::int64_t insert_error_report(connection& c, std::string_view source,
                                               std::optional<std::int64_t> user_id,
                                               std::string_view page, std::string_view request_id,
                                               std::string_view message,
                                               std::string_view report_json);
[[nodiscard]] std::vector<error_report> list_error_reports(connection& c, std::string_view source,
                                                           std::string_view query, int limit,
                                                           std::int64_t before_id);

// False when the symbol is unknown.
[[nodiscard]] bool set_halted(connection& c, std::string_view symbol, bool halted);
[[nodiscard]] std::vector<std::string> halted_symbols(connection& c);

}  // namespace marketsim::db::account_repo
