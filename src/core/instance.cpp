// The instance's name (see instance.hpp). Computed once, on first use; any thread.
#include "marketsim/core/instance.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>

namespace marketsim {

const std::string& instance_id(std::string_view configured) {
  static const std::string id = [configured] {
    if (!configured.empty()) return std::string(configured);
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return fmt::format("{}:{}", host[0] ? host : "localhost", static_cast<long>(getpid()));
  }();
  return id;
}

}  // namespace marketsim
