// Logging set-up and the one escaping rule for what goes into a log line. Every message passes
// through log_escape in the formatter (text or JSON lines), so no field a client controls (a
// decoded path, a header, an email, a libpq error quoting input) can start a line of its own or
// smuggle terminal escapes. Access lines also carry structured fields in the JSON format.
// configure_logging runs once on the main thread before anything logs; the rest is called from
// any thread (the sinks serialize, formatting happens on the calling thread).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class formatter;
}

namespace marketsim {

// CR, LF and TAB as \r \n \t; other C0 controls, DEL and bytes that are not valid UTF-8 as \xNN;
// C1 controls, U+2028/U+2029 (line breaks to some viewers) and bidi overrides as \uNNNN; a
// backslash doubled, so the escaped form of a text never equals another text. Everything else
// (printable ASCII and well-formed UTF-8) is kept as it is.
[[nodiscard]] std::string log_escape(std::string_view text);
void append_log_escaped(std::string& out, std::string_view text);

// "text": "<local time> <level> <message>"; "json": one object a line with time (UTC), level,
// message, and for access lines type "access" plus request_id, method, path, status, bytes,
// duration_ms (and event or error when set).
[[nodiscard]] std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);
// Sets the default logger's level ("trace" ... "error", "off") and format ("text" or "json").
void configure_logging(std::string_view level, std::string_view format);

// One answered request (or stream), for the access log. Every member has an initializer, so
// call sites name only what they know.
struct access_entry {
  std::string_view request_id{};
  std::string_view method{};  // empty: the request could not be read
  std::string_view path{};    // percent-decoded, as routed
  int status = 0;
  std::size_t bytes = 0;     // body bytes sent
  double duration_ms = -1;   // negative: not measured (a stream that just opened)
  std::string_view event{};  // "", "stream-open" or "stream-closed"
  std::string_view error{};  // the error code of a request that could not be read
};
// Logs `e` at info: the same text as ever in the text format, structured fields in JSON.
void log_access(const access_entry& e);

}  // namespace marketsim
