// Sending a transaction's statements ahead of their results (see statements.hpp). db::pool
// threads; the record of which statements each connection has prepared by SQL is shared by them
// under a mutex.
#include "statements.hpp"

#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace marketsim::db {

namespace {

thread_local pipelined* current_pipeline = nullptr;

// The statements each connection's backend has PREPAREd by SQL (a reconnect is a new backend:
// its set starts empty). Only statements whose PREPARE was answered are recorded, so a PREPARE
// that an earlier error skipped is sent again next time.
class prepared_by_sql {
 public:
  bool has(const pqxx::connection_base& c, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = sets_.find(&c);
    return it != sets_.end() && it->second.backend == c.backendpid() &&
           it->second.names.contains(name);
  }
  void add(const pqxx::connection_base& c, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto& s = sets_[&c];
    if (s.backend != c.backendpid()) {
      s.backend = c.backendpid();
      s.names.clear();
    }
    s.names.insert(name);
  }

 private:
  struct backend_set {
    int backend = 0;
    std::set<std::string> names;
  };
  std::mutex mutex_;
  std::map<const pqxx::connection_base*, backend_set> sets_;
};

prepared_by_sql& prepared() {
  static prepared_by_sql p;
  return p;
}

}  // namespace

pipelined::pipelined(pqxx::transaction_base& tx) : tx_(tx), pipe_(tx), outer_(current_pipeline) {
  // Nothing is sent until a result is needed (or the destructor's caller syncs).
  pipe_.retain(std::numeric_limits<int>::max());
  current_pipeline = this;
}

pipelined::~pipelined() {
  current_pipeline = outer_;
}

pipelined* pipelined::active(pqxx::transaction_base& tx) {
  return current_pipeline && &current_pipeline->tx_ == &tx ? current_pipeline : nullptr;
}

void pipelined::run_hook() {
  if (!hook_ || in_hook_) return;
  in_hook_ = true;
  try {
    hook_();
  } catch (...) {
    in_hook_ = false;
    throw;
  }
  in_hook_ = false;
}

long pipelined::send(const statement& s, const std::vector<std::string>& literals) {
  run_hook();
  const std::string name = "q_" + s.name;
  if (!prepared().has(tx_.conn(), name)) {
    bool in_flight = false;
    for (const auto& [q, n] : preparing_) in_flight = in_flight || n == name;
    if (!in_flight) preparing_.emplace_back(pipe_.insert("prepare " + name + " as " + s.sql), name);
  }
  std::string sql = "execute " + name;
  if (!literals.empty()) {
    sql += '(';
    for (std::size_t i = 0; i < literals.size(); ++i) {
      if (i) sql += ", ";
      sql += literals[i];
    }
    sql += ')';
  }
  return pipe_.insert(sql);
}

long pipelined::send_sql(const std::string& sql) {
  run_hook();
  return pipe_.insert(sql);
}

void pipelined::on_result(long query) {
  for (auto it = preparing_.begin(); it != preparing_.end(); ++it) {
    if (it->first != query) continue;
    prepared().add(tx_.conn(), it->second);
    preparing_.erase(it);
    return;
  }
}

std::pair<long, pqxx::result> pipelined::next() {
  auto r = pipe_.retrieve();
  on_result(r.first);
  return r;
}

pqxx::result pipelined::take(long query) {
  for (auto it = taken_.begin(); it != taken_.end(); ++it) {
    if (it->first != query) continue;
    auto r = std::move(it->second);
    taken_.erase(it);
    return r;
  }
  // Oldest first, so the first error met is the first statement that failed. What comes before
  // `query` is kept for a caller that takes it later (the writes nobody takes are dropped at
  // sync, a transaction's worth).
  for (;;) {
    auto r = next();
    if (r.first == query) return std::move(r.second);
    if (r.first > query) throw std::logic_error("pipelined: a result taken twice");
    taken_.push_back(std::move(r));
  }
}

void pipelined::sync() {
  run_hook();
  while (!pipe_.empty()) (void)next();
  taken_.clear();
}

}  // namespace marketsim::db
