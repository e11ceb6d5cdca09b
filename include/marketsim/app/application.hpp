// The application: starts the modules in dependency order (database, market, hub, HTTP) and
// stops them in reverse on SIGINT/SIGTERM. Runs on the main thread; owns the io threads.
#pragma once
#include "marketsim/core/config.hpp"

namespace marketsim::app {

// Serves until a signal arrives; returns the process exit status.
[[nodiscard]] int serve(const config& cfg);
// Applies pending migrations and returns the exit status.
[[nodiscard]] int migrate(const config& cfg);

}  // namespace marketsim::app
