// API key pairs and their resolution cache (see api_keys.hpp). io threads and the listener.
#include "marketsim/auth/api_keys.hpp"

#include "marketsim/auth/tokens.hpp"
#include "marketsim/db/api_key_repo.hpp"

namespace marketsim::auth {

namespace {
constexpr std::int64_t cache_ms = 60'000;
// Crockford-style letters and digits, upper case like Alpaca's key ids.
constexpr std::string_view key_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

key_pair make_key_pair() {
  key_pair k;
  k.key_id = "MK";
  for (unsigned char b : random_bytes(18)) k.key_id += key_alphabet[b % key_alphabet.size()];
  k.secret = base64url(random_bytes(30));  // 40 characters, 240 bits
  return k;
}

boost::asio::awaitable<result<std::shared_ptr<const user_record>>> api_key_store::resolve(
    std::string key_id, std::string secret, std::int64_t now_ms) {
  std::shared_ptr<const user_record> none;
  if (key_id.empty() || key_id.size() > 64 || secret.empty() || secret.size() > 128) co_return none;
  const auto presented = sha256(secret);
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key_id);
    if (it != entries_.end() && it->second.fetched_ms + cache_ms > now_ms) {
      if (!same_bytes(it->second.secret_hash, presented)) co_return none;
      if (it->second.use_recorded) co_return it->second.user;
    }
  }
  std::optional<db::api_key_repo::key_owner> owner;
  db::job_fn job = [&](db::connection& c) {
    owner = db::api_key_repo::lookup(c, key_id, presented);
  };
  auto done = co_await pool_.execute(std::move(job));
  if (!done) co_return std::unexpected(done.error());
  if (!owner || owner->user.status != user_status::active) co_return none;
  auto user = std::make_shared<const user_record>(owner->user);
  {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_) entries_.clear();  // a cache: start over when full
    entries_[key_id] =
        entry{user, owner->secret_hash, now_ms, same_bytes(owner->secret_hash, presented)};
  }
  if (!same_bytes(owner->secret_hash, presented)) co_return none;
  co_return user;
}

std::shared_ptr<const user_record> api_key_store::cached(std::string_view key_id,
                                                         std::string_view secret,
                                                         std::int64_t now_ms) {
  if (key_id.empty() || key_id.size() > 64 || secret.empty() || secret.size() > 128) return {};
  const auto presented = sha256(secret);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(key_id));
  if (it == entries_.end() || it->second.fetched_ms + cache_ms <= now_ms) return {};
  if (!it->second.use_recorded || !same_bytes(it->second.secret_hash, presented)) return {};
  return it->second.user;
}

void api_key_store::evict_key(std::string_view key_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::string(key_id));
}

void api_key_store::evict_user(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.user->id == user_id; });
}

void api_key_store::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace marketsim::auth
