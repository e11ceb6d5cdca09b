// The session cache (see session_cache.hpp). Any io thread, under one mutex.
#include "marketsim/auth/session_cache.hpp"

namespace marketsim::auth {

std::optional<session_cache::hit> session_cache::find(std::string_view id_hash) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id_hash));
  if (it == sessions_.end()) return std::nullopt;
  auto u = users_.find(it->second.session.user_id);
  if (u == users_.end()) return std::nullopt;
  return hit{it->second.session, u->second.user};
}

std::uint64_t session_cache::revocations() const {
  std::lock_guard lock(mutex_);
  return revocations_;
}

void session_cache::put_unless_revoked(session_record s, std::shared_ptr<const user_record> user,
                                       std::int64_t stored_seen_ms,
                                       std::uint64_t revocations_before) {
  std::lock_guard lock(mutex_);
  if (revocations_ != revocations_before) return;
  put_locked(std::move(s), std::move(user), stored_seen_ms);
}

void session_cache::put(session_record s, std::shared_ptr<const user_record> user,
                        std::int64_t stored_seen_ms) {
  std::lock_guard lock(mutex_);
  put_locked(std::move(s), std::move(user), stored_seen_ms);
}

void session_cache::put_locked(session_record s, std::shared_ptr<const user_record> user,
                               std::int64_t stored_seen_ms) {
  if (capacity_ == 0) return;
  if (sessions_.size() >= capacity_ && !sessions_.contains(s.id_hash))
    erase_locked(sessions_.begin()->first);
  auto& u = users_[s.user_id];
  u.user = std::move(user);
  u.sessions.insert(s.id_hash);
  auto key = s.id_hash;
  sessions_[key] = entry{std::move(s), stored_seen_ms};
}

bool session_cache::touch(std::string_view id_hash, std::int64_t now_ms,
                          std::int64_t store_every_ms) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id_hash));
  if (it == sessions_.end()) return false;
  it->second.session.last_seen_ms = std::max(it->second.session.last_seen_ms, now_ms);
  if (now_ms - it->second.stored_seen_ms < store_every_ms) return false;
  it->second.stored_seen_ms = now_ms;
  return true;
}

void session_cache::erase(std::string_view id_hash) {
  std::lock_guard lock(mutex_);
  // A read that missed the cache before this must not put the session back (see
  // put_unless_revoked).
  ++revocations_;
  erase_locked(std::string(id_hash));
}

void session_cache::erase_locked(const std::string& id_hash) {
  auto it = sessions_.find(id_hash);
  if (it == sessions_.end()) return;
  auto u = users_.find(it->second.session.user_id);
  if (u != users_.end()) {
    u->second.sessions.erase(id_hash);
    if (u->second.sessions.empty()) users_.erase(u);
  }
  sessions_.erase(it);
}

std::vector<std::string> session_cache::erase_user(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  ++revocations_;
  std::vector<std::string> out;
  auto u = users_.find(user_id);
  if (u == users_.end()) return out;
  out.assign(u->second.sessions.begin(), u->second.sessions.end());
  for (const auto& h : out) sessions_.erase(h);
  users_.erase(u);
  return out;
}

void session_cache::update_user(std::shared_ptr<const user_record> user) {
  std::lock_guard lock(mutex_);
  auto u = users_.find(user->id);
  if (u != users_.end()) u->second.user = std::move(user);
}

void session_cache::clear() {
  std::lock_guard lock(mutex_);
  ++revocations_;
  sessions_.clear();
  users_.clear();
}

std::size_t session_cache::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace marketsim::auth
