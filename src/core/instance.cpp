// The instance's name (see instance.hpp). Computed once, on first use; any thread.
#include "marketsim/core/instance.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>

namespace marketsim {

const std::string& instance_id(const config& cfg) {
  static const std::string id = [&cfg] {
    if (!cfg.instance.empty()) return cfg.instance;
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return fmt::format("{}:{}", host[0] ? host : "localhost", static_cast<long>(getpid()));
  }();
  return id;
}

}  // namespace marketsim
