// The application: starts the modules in dependency order (database, market, hub, HTTP) and
// stops them in reverse on SIGINT/SIGTERM. Runs on the main thread; owns the io threads.
#pragma once
#include <string>

#include "marketsim/app/config.hpp"

namespace marketsim::app {

// Serves until a signal arrives; returns the process exit status.
[[nodiscard]] int serve(const config& cfg);
// Applies pending migrations and returns the exit status.
[[nodiscard]] int migrate(const config& cfg);

struct admin_request {
  std::string email;
  std::string user_tag;
  std::string display_name;  // empty: the tag
  std::string password;          // empty with promote_existing
  bool promote_existing = false;  // make an active account admin; it keeps its own password
};
// Creates an active administrator with the password the operator typed. An unverified sign-up
// of that address is replaced (tag, name, password; its links die). An active account is only
// promoted with promote_existing, and then keeps its own password. Says which on the terminal.
[[nodiscard]] int create_admin(const config& cfg, const admin_request& req);

}  // namespace marketsim::app
