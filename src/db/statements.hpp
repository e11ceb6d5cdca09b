// Prepared statements for the order path, and sending a transaction's statements ahead of their
// results (private to db). db::pool threads.
//
// Each SQL text is registered under a name on the connection the first time it runs there
// (libpqxx prepares it on first use and again after a reconnect), so PostgreSQL parses and plans
// it once per connection instead of on every call.
//
// A round trip to PostgreSQL costs far more than most of the order path's statements take to
// run, so while a `pipelined` is open on a transaction, exec() and send() go through a
// pqxx::pipeline: statements whose results nobody reads yet (the writes) travel with the next
// one whose result is needed, in one message. In a pipeline a statement runs as EXECUTE of a
// statement the pipeline PREPAREd by SQL on that connection (under its own name, "q_" + the
// statement's, so the two ways never collide), with its parameters as quoted literals.
#pragma once
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace marketsim::db {

struct statement {
  std::string name;
  std::string sql;
};

// A statement sent and the result it will give: without a pipeline it has run already.
struct pending {
  pqxx::result done;
  long query = -1;  // the pipeline's id, or -1
};

// The statements of one transaction sent ahead, until it is destroyed (before the commit). An
// error is thrown by whichever call first waits for the failed statement or a later one, and
// libpqxx's pipeline does not say which statement failed or why (it may throw a plain
// std::runtime_error): a caller treats any error as "the transaction is aborted" and runs it
// again without a pipeline to learn more.
class pipelined {
 public:
  explicit pipelined(pqxx::transaction_base& tx);
  pipelined(const pipelined&) = delete;
  pipelined& operator=(const pipelined&) = delete;
  ~pipelined();

  // The pipeline open on `tx` on this thread, if any.
  static pipelined* active(pqxx::transaction_base& tx);

  long send(const statement& s, const std::vector<std::string>& literals);
  long send_sql(const std::string& sql);
  // Waits for `query` (and everything sent before it) and returns its result.
  pqxx::result take(long query);
  // Waits for every statement sent so far; throws the first error.
  void sync();
  // Runs `hook` before each statement is sent and before sync() (db::trading_repo's coalesced
  // writes send what they gathered); an empty one removes it.
  void before_send(std::function<void()> hook) { hook_ = std::move(hook); }

 private:
  std::pair<long, pqxx::result> next();  // the oldest result not read yet
  void on_result(long query);
  void run_hook();

  pqxx::transaction_base& tx_;
  pqxx::pipeline pipe_;
  pipelined* outer_;
  std::vector<std::pair<long, std::string>> preparing_;  // PREPAREs in flight: query, name
  std::vector<std::pair<long, pqxx::result>> taken_;     // results read ahead of their taker
  std::function<void()> hook_;
  bool in_hook_ = false;
};

namespace statement_detail {
inline std::string literal(pqxx::transaction_base& tx, const std::string& v) {
  return tx.quote(v);
}
inline std::string literal(pqxx::transaction_base& tx, const char* v) {
  return tx.quote(std::string(v));
}
inline std::string literal(pqxx::transaction_base&, bool v) {
  return v ? "true" : "false";
}
template <class T>
requires std::is_integral_v<T> std::string literal(pqxx::transaction_base&, T v) {
  return "'" + std::to_string(v) + "'";
}
}  // namespace statement_detail

// The order path's transactions start with this: their prepared statements are planned once
// (their plans do not depend on the values: index ranges), where PostgreSQL's default kept
// planning some of them on every call at about the cost of running them. Only for the
// transaction: other queries on the connection keep custom plans.
inline void plan_once(pqxx::transaction_base& tx) {
  static const std::string sql = "set local plan_cache_mode = force_generic_plan";
  if (auto* p = pipelined::active(tx))
    p->send_sql(sql);
  else
    tx.exec0(sql);
}

// Sends `s` with `args` as its parameters: in the transaction's pipeline if one is open,
// otherwise it runs now.
template <class... Args>
pending send(pqxx::transaction_base& tx, const statement& s, Args&&... args) {
  if (auto* p = pipelined::active(tx))
    return {{}, p->send(s, {statement_detail::literal(tx, args)...})};
  // Registering again with the same text is a lookup (libpqxx refuses only a different text).
  tx.conn().prepare(s.name, s.sql);
  return {tx.exec_prepared(s.name, std::forward<Args>(args)...), -1};
}

// The result of a sent statement (waiting for it in a pipeline).
inline pqxx::result take(pqxx::transaction_base& tx, pending&& p) {
  if (p.query < 0) return std::move(p.done);
  return pipelined::active(tx)->take(p.query);
}

// Runs `s` with `args` as its parameters and returns its result.
template <class... Args>
pqxx::result exec(pqxx::transaction_base& tx, const statement& s, Args&&... args) {
  return take(tx, send(tx, s, std::forward<Args>(args)...));
}

}  // namespace marketsim::db
