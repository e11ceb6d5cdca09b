// Session lifecycle (see sessions.hpp). Coroutines on io threads; SQL through db::pool.
#include "marketsim/auth/sessions.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>

#include "marketsim/db/account_repo.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/db/visits.hpp"

namespace marketsim::auth {

namespace asio = boost::asio;
namespace repo = db::account_repo;

namespace {
// The stored last-seen time is refreshed at most this often per session (the cache has the
// exact one), so an active session costs one small write a minute, not one per request.
constexpr std::int64_t store_seen_every_ms = 60'000;

// A plain function, not a capturing lambda: GCC 12 destroys a coroutine lambda's captures
// twice when it is spawned from inside another coroutine. The player's visit (db/visits.hpp)
// follows the same minute-by-minute activity.
asio::awaitable<void> store_last_seen(db::pool& pool, std::string hash, std::int64_t user_id,
                                      std::int64_t now) {
  (void)co_await pool.execute([&](db::connection& c) {
    repo::touch_session(c, hash, now);
    (void)db::visit_repo::note_activity(c, user_id, now);
  });
}
}  // namespace

session_manager::session_manager(db::pool& pool, const signer& sign, session_cache& cache,
                                 const account_clock& clock, session_settings settings)
    : pool_(pool),
      sign_(sign),
      cache_(cache),
      clock_(clock),
      settings_(settings),
      session_name_(settings.secure_cookies ? "__Host-ms_session" : "ms_session"),
      csrf_name_(settings.secure_cookies ? "__Host-ms_csrf" : "ms_csrf"),
      device_name_(settings.secure_cookies ? "__Host-ms_device" : "ms_device") {}

std::shared_ptr<const principal> session_manager::make_principal(
    std::shared_ptr<const user_record> user, std::string hash) const {
  auto p = std::make_shared<principal>();
  p->user = std::move(user);
  p->csrf_token = sign_.csrf_for_session(hash);
  p->session_hash = std::move(hash);
  return p;
}

bool session_manager::expired(const session_record& s, std::int64_t now) const {
  return now >= s.expires_ms || now - s.last_seen_ms > settings_.idle.count();
}

std::optional<std::string> session_manager::session_hash_of(std::string_view cookie_header) const {
  auto value = cookie_value(cookie_header, session_name_);
  if (!value) return std::nullopt;
  auto id = sign_.open_session_cookie(*value);
  if (!id) return std::nullopt;
  return sha256(*id);
}

asio::awaitable<result<session_manager::resolved>> session_manager::resolve(
    std::string_view cookie_header) {
  auto hash = session_hash_of(cookie_header);
  if (!hash) co_return resolved{};
  auto now = clock_.now_ms();
  session_record session;
  std::shared_ptr<const user_record> user;
  if (auto hit = cache_.find(*hash)) {
    if (expired(hit->session, now) || hit->user->status != user_status::active) {
      cache_.erase(*hash);
      if (hit->user->status == user_status::active) (void)co_await end(*hash);
      co_return resolved{};
    }
    if (cache_.touch(*hash, now, store_seen_every_ms)) {
      // Best effort: a lost update only makes an idle timeout a minute early.
      asio::co_spawn(co_await asio::this_coro::executor,
                     store_last_seen(pool_, *hash, hit->session.user_id, now), asio::detached);
    }
    session = std::move(hit->session);
    user = std::move(hit->user);
  } else {
    auto revocations = cache_.revocations();
    auto found =
        co_await pool_.query([&](db::connection& c) { return repo::find_session(c, *hash); });
    if (!found) co_return std::unexpected(found.error());
    if (!*found) co_return resolved{};
    auto& [stored, stored_user] = **found;
    if (expired(stored, now) || stored_user.status != user_status::active) {
      if (expired(stored, now)) (void)co_await end(*hash);
      co_return resolved{};
    }
    user = std::make_shared<const user_record>(stored_user);
    auto stored_seen = stored.last_seen_ms;
    stored.last_seen_ms = now;
    cache_.put_unless_revoked(stored, user, stored_seen, revocations);
    session = std::move(stored);
  }
  if (user->user_role != session.issued_for) {
    // A privilege change: this browser continues on a new session id (same absolute end), and
    // the old id stops working now.
    auto rotated = co_await start(*user, *hash, false, session.expires_ms);
    if (!rotated) co_return std::unexpected(rotated.error());
    co_return resolved{rotated->who, session_cookie(rotated->cookie_value)};
  }
  co_return resolved{make_principal(user, std::move(*hash)), std::nullopt};
}

asio::awaitable<result<session_manager::issued>> session_manager::start(
    user_record user, std::optional<std::string> replaced, bool record_login,
    std::optional<std::int64_t> expires_ms) {
  auto id = random_bytes(signer::id_bytes);
  session_record s;
  s.id_hash = sha256(id);
  s.user_id = user.id;
  s.created_ms = clock_.now_ms();
  s.last_seen_ms = s.created_ms;
  s.expires_ms = expires_ms.value_or(s.created_ms + settings_.absolute.count());
  s.issued_for = user.user_role;
  auto done = co_await pool_.execute(
      [&](db::connection& c) { repo::create_session(c, s, replaced, record_login); });
  if (!done) co_return std::unexpected(done.error());
  if (record_login) {
    // A sign-in is the player's activity (after an absence, a new visit); a new id for the same
    // sign-in is not. Best effort: the player's next request notes it again.
    (void)co_await pool_.execute([&](db::connection& c) {
      (void)db::visit_repo::note_activity(c, s.user_id, s.created_ms);
    });
  }
  if (replaced) {
    cache_.erase(*replaced);
    close_streams({*replaced});
  }
  if (record_login) user.last_login_ms = s.created_ms;
  auto shared_user = std::make_shared<const user_record>(std::move(user));
  cache_.put(s, shared_user, s.created_ms);
  cache_.update_user(shared_user);
  co_return issued{make_principal(shared_user, s.id_hash), sign_.session_cookie(id)};
}

// Both erase the cache before the delete (the session stops working at once) and again after
// it: a cache-miss read that began in between may have read the row before it went, and the
// second erase (which counts as a revocation) keeps it from being cached after the end.
asio::awaitable<result<void>> session_manager::end(std::string session_hash) {
  cache_.erase(session_hash);
  close_streams({session_hash});
  auto done =
      co_await pool_.execute([&](db::connection& c) { repo::delete_session(c, session_hash); });
  cache_.erase(session_hash);
  close_streams({session_hash});
  co_return done;
}

asio::awaitable<result<void>> session_manager::end_all(std::int64_t user_id) {
  auto cached = cache_.erase_user(user_id);
  close_streams(cached);
  auto stored = co_await pool_.query(
      [&](db::connection& c) { return repo::delete_user_sessions(c, user_id); });
  if (!stored) co_return std::unexpected(stored.error());
  sessions_ended(user_id, *stored);
  co_return result<void>{};
}

void session_manager::sessions_ended(std::int64_t user_id, const std::vector<std::string>& hashes) {
  auto cached = cache_.erase_user(user_id);
  close_streams(cached);
  for (const auto& h : hashes) cache_.erase(h);
  close_streams(hashes);
}

void session_manager::user_changed(const user_record& user) {
  cache_.update_user(std::make_shared<const user_record>(user));
}

void session_manager::attach_stream(const std::string& session_hash, std::int64_t user_id,
                                    std::weak_ptr<const void> alive,
                                    std::function<void()> close) {
  std::lock_guard lock(streams_mutex_);
  auto& open = streams_[session_hash];
  open.user_id = user_id;
  std::erase_if(open.streams, [](const auto& s) { return s.alive.expired(); });
  open.streams.push_back({std::move(alive), std::move(close)});
}

void session_manager::detach_stream(const std::string& session_hash, const void* stream) {
  std::lock_guard lock(streams_mutex_);
  auto it = streams_.find(session_hash);
  if (it == streams_.end()) return;
  std::erase_if(it->second.streams, [&](const auto& s) {
    auto p = s.alive.lock();
    return !p || p.get() == stream;
  });
  if (it->second.streams.empty()) streams_.erase(it);
}

asio::awaitable<void> session_manager::expire_streams() {
  std::vector<std::string> hashes;
  {
    std::lock_guard lock(streams_mutex_);
    hashes.reserve(streams_.size());
    for (const auto& [hash, open] : streams_) hashes.push_back(hash);
  }
  for (const auto& hash : hashes) {
    auto now = clock_.now_ms();
    auto hit = cache_.find(hash);
    if (hit && !expired(hit->session, now) && hit->user->status == user_status::active) continue;
    // Expired as far as this instance saw, or not cached: the database decides, since another
    // instance may have served the player meanwhile.
    auto revocations = cache_.revocations();
    auto found =
        co_await pool_.query([&](db::connection& c) { return repo::find_session(c, hash); });
    if (!found) co_return;  // the database is down: the next sweep tries again
    if (!*found) {
      close_streams({hash});  // ended elsewhere
      continue;
    }
    auto& [stored, stored_user] = **found;
    if (expired(stored, clock_.now_ms())) {
      (void)co_await end(hash);
    } else if (stored_user.status != user_status::active) {
      close_streams({hash});
    } else {
      cache_.put_unless_revoked(stored, std::make_shared<const user_record>(stored_user),
                                stored.last_seen_ms, revocations);
    }
  }
}

void session_manager::close_streams(const std::vector<std::string>& hashes) {
  // Closed outside the lock: a stream's close may come back here (detach_stream).
  std::vector<std::function<void()>> closing;
  {
    std::lock_guard lock(streams_mutex_);
    for (const auto& h : hashes) {
      auto it = streams_.find(h);
      if (it == streams_.end()) continue;
      for (auto& s : it->second.streams)
        if (!s.alive.expired()) closing.push_back(std::move(s.close));
      streams_.erase(it);
    }
  }
  for (auto& close : closing) close();
}

void session_manager::apply_remote_change(std::string_view payload) {
  auto colon = payload.find(':');
  if (colon == std::string_view::npos) return;
  auto kind = payload.substr(0, colon);
  auto value = payload.substr(colon + 1);
  if (kind == "session") {
    auto raw = from_hex(value);
    if (!raw) return;
    cache_.erase(*raw);
    close_streams({*raw});
    return;
  }
  if (kind != "user") return;
  std::int64_t user_id = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), user_id);
  if (ec != std::errc{} || p != value.data() + value.size()) return;
  // Only the cached copy goes: the next request reads the user (role, status) again.
  (void)cache_.erase_user(user_id);
}

void session_manager::forget_cached_sessions() {
  cache_.clear();
}

std::string session_manager::session_cookie(std::string_view value) const {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}", session_name_, value,
                     settings_.absolute.count() / 1000, settings_.secure_cookies ? "; Secure" : "");
}

std::string session_manager::clear_session_cookie() const {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}", session_name_,
                     settings_.secure_cookies ? "; Secure" : "");
}

std::string session_manager::csrf_cookie(std::string_view token) const {
  return fmt::format("{}={}; Path=/; SameSite=Strict{}", csrf_name_, token,
                     settings_.secure_cookies ? "; Secure" : "");
}

std::string session_manager::device_cookie(std::int64_t user_id) const {
  return fmt::format("{}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict{}", device_name_,
                     sign_.device_cookie(user_id), settings_.secure_cookies ? "; Secure" : "");
}

}  // namespace marketsim::auth
