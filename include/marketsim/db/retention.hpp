// Data retention: rows nothing can use any more are deleted, a batch at a time, so the tables
// that every sign-in, mail and sign-in address adds to do not grow for ever. Run by the leader's
// periodic job (one instance of a cluster) on a db::pool thread; no state.
//  - sessions past their absolute expiry, or idle longer than MARKETSIM_SESSION_IDLE plus an
//    hour (the stored last use may lag the cache's by a minute);
//  - mailed-link tokens past their expiry (used or not, such a link is refused anyway);
//  - sign-ups never verified, older than MARKETSIM_RETENTION, once no link of theirs works;
//  - sent mail, and mail given up on, older than MARKETSIM_RETENTION: its links are dead by then
//    and the outbox is where an admin could read them;
//  - sign-in addresses not seen for MARKETSIM_RETENTION (the integrity scan looks at a week);
//  - error reports older than MARKETSIM_RETENTION (anyone may send one).
#pragma once
#include <chrono>
#include <cstdint>

#include "marketsim/db/pool.hpp"

namespace marketsim::db::retention {

struct settings {
  std::int64_t now_ms = 0;  // the server's clock, which stamps sessions and tokens
  std::chrono::milliseconds session_idle{12 * 3'600'000};
  std::chrono::milliseconds keep{30LL * 24 * 3'600'000};  // all but sessions and links
  // Each batch is its own short transaction; what is left after max_batches waits for the next
  // run, so a large backlog never holds locks or the pool connection for long.
  int batch = 5'000;
  int max_batches = 20;
};

struct counts {
  std::int64_t sessions = 0, email_tokens = 0, pending_users = 0, mail = 0, addresses = 0,
               error_reports = 0;
  [[nodiscard]] std::int64_t total() const {
    return sessions + email_tokens + pending_users + mail + addresses + error_reports;
  }
};

counts prune(connection& c, const settings& s);

}  // namespace marketsim::db::retention
