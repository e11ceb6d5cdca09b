// RFC 3339 timestamps <-> UTC milliseconds, and the injected wall clock. Pure; any thread.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace marketsim {

// "2005-01-03T14:30:00Z", with ".123" when the milliseconds are not zero.
[[nodiscard]] std::string format_time(std::int64_t ms);
// Accepts "2005-01-03", "2005-01-03T14:30:00Z", fractional seconds and "+hh:mm" offsets.
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text);

using wall_clock = std::function<std::int64_t()>;  // UTC milliseconds
[[nodiscard]] std::int64_t system_now_ms();

}  // namespace marketsim
