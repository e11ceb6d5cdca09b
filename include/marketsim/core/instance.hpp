// This process's name in a cluster: MARKETSIM_INSTANCE when set, else hostname:pid. Stable for
// the life of the process; /readyz and the leadership log lines carry it. Any thread.
#pragma once
#include <string>
#include <string_view>

namespace marketsim {

// `configured`: MARKETSIM_INSTANCE (may be empty). The first call decides; later calls return
// the same name.
[[nodiscard]] const std::string& instance_id(std::string_view configured);

}  // namespace marketsim
