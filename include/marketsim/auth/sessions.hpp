// Session lifecycle: resolving a request's cookie to a principal (HMAC check, then the cache,
// then the database), starting sessions at sign-in, ending one at sign-out or all of a user's
// when they are disabled or change their password, closing their open SSE streams at once.
// Coroutines on io threads; database work goes through db::pool.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/principal.hpp"
#include "marketsim/auth/session_cache.hpp"
#include "marketsim/auth/tokens.hpp"
#include "marketsim/core/clock.hpp"
#include "marketsim/core/error.hpp"

namespace marketsim::db {
class pool;
}

namespace marketsim::auth {

struct session_settings {
  std::chrono::milliseconds idle{12 * 3'600'000};
  std::chrono::milliseconds absolute{7 * 24 * 3'600'000};
  bool secure_cookies = false;  // TLS: Secure and the __Host- prefix
};

class session_manager {
 public:
  session_manager(db::pool& pool, const signer& sign, session_cache& cache,
                  const account_clock& clock, session_settings settings);

  struct resolved {
    std::shared_ptr<const principal> who;  // nullptr: anonymous
    // Set when the session got a new id because the user's role changed since it was issued:
    // the Set-Cookie value the answer must carry.
    std::optional<std::string> set_cookie;
  };
  // The live session's principal, or none (no cookie, forged, unknown, expired, or the user is
  // no longer active). A forged or mangled cookie never reaches the database.
  [[nodiscard]] boost::asio::awaitable<result<resolved>> resolve(std::string_view cookie_header);
  // The hash of the session a Cookie header names, if its MAC verifies (no database).
  [[nodiscard]] std::optional<std::string> session_hash_of(std::string_view cookie_header) const;

  struct issued {
    std::shared_ptr<const principal> who;
    std::string cookie_value;
  };
  // A new session for an active user; `replaced` (the request's own session) ends with it.
  // `expires_ms` keeps an earlier absolute end (a new id for the same sign-in).
  [[nodiscard]] boost::asio::awaitable<result<issued>> start(
      user_record user, std::optional<std::string> replaced, bool record_login,
      std::optional<std::int64_t> expires_ms = std::nullopt);
  [[nodiscard]] boost::asio::awaitable<result<void>> end(std::string session_hash);
  [[nodiscard]] boost::asio::awaitable<result<void>> end_all(std::int64_t user_id);
  // The database already ended these sessions of the user (e.g. a password reset's
  // transaction): forget them here and close their streams.
  void sessions_ended(std::int64_t user_id, const std::vector<std::string>& hashes);
  // A role, status or profile change: every cached session of the user sees it next request.
  void user_changed(const user_record& user);

  // Changes any instance made (db::change_listener): "session:<hex>" ended that session (its
  // streams close here too), "user:<id>" changed the user. The cache forgets them; the next
  // request reads the database.
  void apply_remote_change(std::string_view payload);
  // The listener lost its connection and may have missed changes: forget every cached session.
  void forget_cached_sessions();

  // An open stream of a session: `alive` is its owner (the entry lapses when it does) and
  // `close` ends it when the session ends. Any kind of stream; auth does not know the SSE hub.
  void attach_stream(const std::string& session_hash, std::int64_t user_id,
                     std::weak_ptr<const void> alive, std::function<void()> close);
  void detach_stream(const std::string& session_hash, const void* stream);
  // Closes the streams of sessions that expired (idle or absolute) while they were open, and
  // ends those sessions, as the next request would. An open stream is not activity: it never
  // keeps a session alive (an idle timeout is for the unattended screen, which is exactly the
  // one with a stream open). Run periodically.
  [[nodiscard]] boost::asio::awaitable<void> expire_streams();

  // Set-Cookie values.
  [[nodiscard]] std::string session_cookie(std::string_view value) const;
  [[nodiscard]] std::string clear_session_cookie() const;
  [[nodiscard]] std::string csrf_cookie(std::string_view token) const;
  [[nodiscard]] std::string device_cookie(std::int64_t user_id) const;
  [[nodiscard]] const std::string& session_cookie_name() const { return session_name_; }
  [[nodiscard]] const std::string& csrf_cookie_name() const { return csrf_name_; }
  [[nodiscard]] const std::string& device_cookie_name() const { return device_name_; }

  [[nodiscard]] const signer& signatures() const { return sign_; }
  [[nodiscard]] std::size_t cached() const { return cache_.size(); }

 private:
  std::shared_ptr<const principal> make_principal(std::shared_ptr<const user_record> user,
                                                  std::string hash) const;
  bool expired(const session_record& s, std::int64_t now) const;
  void close_streams(const std::vector<std::string>& hashes);

  db::pool& pool_;
  const signer& sign_;
  session_cache& cache_;
  const account_clock& clock_;
  session_settings settings_;
  std::string session_name_;
  std::string csrf_name_;
  std::string device_name_;
  std::mutex streams_mutex_;
  struct open_streams {
    std::int64_t user_id = 0;
    struct stream {
      std::weak_ptr<const void> alive;
      std::function<void()> close;
    };
    std::vector<stream> streams;
  };
  std::map<std::string, open_streams> streams_;  // by session hash
};

}  // namespace marketsim::auth
