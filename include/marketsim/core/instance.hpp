// This process's name in a cluster: MARKETSIM_INSTANCE when set, else hostname:pid. Stable for
// the life of the process; /readyz and the leadership log lines carry it. Any thread.
#pragma once
#include <string>

#include "marketsim/core/config.hpp"

namespace marketsim {

[[nodiscard]] const std::string& instance_id(const config& cfg);

}  // namespace marketsim
