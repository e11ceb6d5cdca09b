// Time formatting and parsing (see time.hpp). Pure.
#include "marketsim/core/time.hpp"

#include <fmt/format.h>

#include <chrono>

namespace marketsim {

namespace chr = std::chrono;

std::int64_t system_now_ms() {
  return chr::duration_cast<chr::milliseconds>(chr::system_clock::now().time_since_epoch()).count();
}

std::string format_time(std::int64_t ms) {
  auto day = chr::floor<chr::days>(chr::sys_time<chr::milliseconds>(chr::milliseconds(ms)));
  chr::year_month_day ymd(day);
  std::int64_t rest = ms - chr::duration_cast<chr::milliseconds>(day.time_since_epoch()).count();
  int h = static_cast<int>(rest / 3'600'000), m = static_cast<int>(rest / 60'000 % 60),
      s = static_cast<int>(rest / 1000 % 60), milli = static_cast<int>(rest % 1000);
  auto date =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), h, m, s);
  if (milli != 0) return fmt::format("{}.{:03}Z", date, milli);
  return date + "Z";
}

namespace {
bool read_digits(std::string_view& text, std::size_t count, int& out) {
  if (text.size() < count) return false;
  out = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  text.remove_prefix(count);
  return true;
}
bool expect(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}
}  // namespace

std::optional<std::int64_t> parse_time(std::string_view text) {
  int y, mo, d;
  if (!read_digits(text, 4, y) || !expect(text, '-') || !read_digits(text, 2, mo) ||
      !expect(text, '-') || !read_digits(text, 2, d))
    return std::nullopt;
  chr::year_month_day ymd{chr::year(y), chr::month(static_cast<unsigned>(mo)),
                          chr::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t ms =
      chr::duration_cast<chr::milliseconds>(chr::sys_days(ymd).time_since_epoch()).count();
  if (text.empty()) return ms;
  if (text.front() != 'T' && text.front() != 't' && text.front() != ' ') return std::nullopt;
  text.remove_prefix(1);
  int h, mi, s;
  if (!read_digits(text, 2, h) || !expect(text, ':') || !read_digits(text, 2, mi) ||
      !expect(text, ':') || !read_digits(text, 2, s) || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  ms += (h * 3600LL + mi * 60LL + s) * 1000;
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    int digits = 0, frac = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      if (digits < 3) frac = frac * 10 + (text.front() - '0');
      ++digits;
      text.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) frac *= 10;
    ms += frac;
  }
  if (text == "Z" || text == "z") return ms;
  if (text.size() == 6 && (text[0] == '+' || text[0] == '-')) {
    int sign = text[0] == '+' ? 1 : -1;
    text.remove_prefix(1);
    int oh, om;
    if (!read_digits(text, 2, oh) || !expect(text, ':') || !read_digits(text, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    return ms - sign * (oh * 3600LL + om * 60LL) * 1000;
  }
  return std::nullopt;
}

}  // namespace marketsim
