// Log formatting (see log.hpp). The formatters run on whichever thread logs, inside spdlog's
// sink lock; the access fields travel to the JSON formatter through a thread-local pointer that
// lives only for the duration of one log_access call.
#include "marketsim/core/log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace marketsim {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += hex_digits[c >> 4];
  out += hex_digits[c & 0xf];
}

void append_code_point(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(cp >> shift) & 0xf];
}

// Code points that are valid UTF-8 but still rewrite what a reader sees: C1 controls (some
// terminals act on them), the Unicode line and paragraph separators (line breaks to some
// viewers and JavaScript), and the bidi embeddings, overrides and isolates that reorder a line.
bool escaped_code_point(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// The length of the well-formed UTF-8 sequence at `s[i]` (2-4) and its code point, or 0 when
// the bytes there are not one (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xc0) == 0x80; };
  unsigned char b0 = byte(i);
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (!cont(i + 1)) return 0;
    cp = (char32_t(b0 & 0x1f) << 6) | (byte(i + 1) & 0x3f);
    return 2;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    cp = (char32_t(b0 & 0x0f) << 12) | (char32_t(byte(i + 1) & 0x3f) << 6) | (byte(i + 2) & 0x3f);
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    cp = (char32_t(b0 & 0x07) << 18) | (char32_t(byte(i + 1) & 0x3f) << 12) |
         (char32_t(byte(i + 2) & 0x3f) << 6) | (byte(i + 3) & 0x3f);
    if (cp < 0x10000 || cp > 0x10ffff) return 0;
    return 4;
  }
  return 0;
}

bool plain(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') return false;
  }
  return true;
}

// Escaped text is printable ASCII and well-formed UTF-8 without controls: inside a JSON string
// only the quote and the backslash still need escaping.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::string escaped;
  std::string_view safe = text;
  if (!plain(text)) {
    append_log_escaped(escaped, text);
    safe = escaped;
  }
  for (char c : safe) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

thread_local const access_entry* current_access = nullptr;

std::string_view payload_of(const spdlog::details::log_msg& msg) {
  return {msg.payload.data(), msg.payload.size()};
}

// "%*" in the text pattern: the message, escaped.
class escaped_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto text = payload_of(msg);
    if (plain(text)) {
      dest.append(text.data(), text.data() + text.size());
      return;
    }
    std::string escaped;
    append_log_escaped(escaped, text);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<escaped_message>();
  }
};

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(160 + msg.payload.size());
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
    std::time_t t = seconds.count();
    line += fmt::format(R"({{"time":"{:%Y-%m-%dT%H:%M:%S}.{:03}Z","level":)", fmt::gmtime(t),
                        millis.count());
    auto level = spdlog::level::to_string_view(msg.level);
    append_json_string(line, {level.data(), level.size()});
    line += R"(,"message":)";
    append_json_string(line, payload_of(msg));
    if (const access_entry* a = current_access) {
      line += R"(,"type":"access","request_id":)";
      append_json_string(line, a->request_id);
      if (!a->method.empty()) {
        line += R"(,"method":)";
        append_json_string(line, a->method);
        line += R"(,"path":)";
        append_json_string(line, a->path);
      }
      line += fmt::format(R"(,"status":{},"bytes":{})", a->status, a->bytes);
      if (a->duration_ms >= 0) line += fmt::format(R"(,"duration_ms":{:.1f})", a->duration_ms);
      if (!a->event.empty()) {
        line += R"(,"event":)";
        append_json_string(line, a->event);
      }
      if (!a->error.empty()) {
        line += R"(,"error":)";
        append_json_string(line, a->error);
      }
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

}  // namespace

void append_log_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == '\\') out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else
        append_hex_byte(out, c);  // other C0 controls and DEL
      ++i;
      continue;
    }
    char32_t cp = 0;
    auto n = utf8_sequence(text, i, cp);
    if (n == 0) {
      append_hex_byte(out, c);
      ++i;
    } else if (escaped_code_point(cp)) {
      append_code_point(out, cp);
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

std::string log_escape(std::string_view text) {
  if (plain(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  append_log_escaped(out, text);
  return out;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
  if (format == "json") return std::make_unique<json_formatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>();
  text->add_flag<escaped_message>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %*");
  return text;
}

void configure_logging(std::string_view level, std::string_view format) {
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_formatter(make_log_formatter(format));
}

void log_access(const access_entry& e) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  struct scope {
    explicit scope(const access_entry& e) { current_access = &e; }
    ~scope() { current_access = nullptr; }
  } fields(e);
  if (e.method.empty()) {
    spdlog::info("- - {} {}B rid={} ({})", e.status, e.bytes, e.request_id, e.error);
  } else if (e.event == "stream-open") {
    spdlog::info("{} {} {} stream-open rid={}", e.method, e.path, e.status, e.request_id);
  } else if (e.event == "stream-closed") {
    spdlog::info("{} {} stream-closed {}B {:.0f}s rid={}", e.method, e.path, e.bytes,
                 e.duration_ms / 1000.0, e.request_id);
  } else {
    spdlog::info("{} {} {} {}B {:.1f}ms rid={}", e.method, e.path, e.status, e.bytes, e.duration_ms,
                 e.request_id);
  }
}

}  // namespace marketsim
