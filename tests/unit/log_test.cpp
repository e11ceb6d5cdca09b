// Log escaping and formats (core/log.hpp): nothing a client sends can start a log line, hide
// in terminal controls or break UTF-8; escaping is unambiguous; the text format keeps the old
// layout; the JSON format is one parseable object a line with the access fields.
#include <algorithm>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "marketsim/core/log.hpp"

using namespace marketsim;
using json = nlohmann::json;

namespace {

// No byte that ends or rewrites a line, and well-formed UTF-8 (nlohmann's strict parser refuses
// anything else inside a JSON string).
bool printable_utf8(std::string_view s) {
  std::string quoted = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return !json::parse(quoted, nullptr, false).is_discarded();
}

// A logger writing into `out` as the default one, with a given format, for one test.
class captured_log {
 public:
  explicit captured_log(std::string_view format, std::string_view level = "info")
      : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    configure_logging(level, format);
  }
  ~captured_log() {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(spdlog::level::info);
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST(LogEscape, PlainTextIsKept) {
  for (std::string_view s : {"", "GET /api/stocks 200 12B 0.3ms rid=abc", "café ünïcödé € 𝄞 日本",
                             "~!@#$%^&*()_+{}|:\"<>?`-=[];',./"})
    EXPECT_EQ(log_escape(s), s) << s;
}

TEST(LogEscape, LineBreaksCannotStartALine) {
  EXPECT_EQ(log_escape("/api/x\n2024-01-01T00:00:00.000 info forged"),
            "/api/x\\n2024-01-01T00:00:00.000 info forged");
  EXPECT_EQ(log_escape("/\r\nINFO forged"), "/\\r\\nINFO forged");
  EXPECT_EQ(log_escape("a\rb"), "a\\rb");
  EXPECT_EQ(log_escape("a\tb"), "a\\tb");
}

TEST(LogEscape, ControlsDelAndTerminalEscapes) {
  EXPECT_EQ(log_escape(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(log_escape("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(log_escape("\x07\x08\x0b\x0c\x7f"), "\\x07\\x08\\x0b\\x0c\\x7f");
  // C1 controls, encoded as UTF-8: NEL (a line break to some), CSI (a terminal escape).
  EXPECT_EQ(log_escape("a\xc2\x85z"), "a\\u0085z");
  EXPECT_EQ(log_escape("\xc2\x9b"
                       "31m"),
            "\\u009b31m");
  // Unicode line and paragraph separators, and bidi overrides that reorder what is shown.
  EXPECT_EQ(log_escape("a\xe2\x80\xa8z\xe2\x80\xa9"), "a\\u2028z\\u2029");
  EXPECT_EQ(log_escape("\xe2\x80\xae"
                       "evil\xe2\x81\xa6"),
            "\\u202eevil\\u2066");
  EXPECT_EQ(log_escape("\xe2\x80\x8f"), "\\u200f");
}

TEST(LogEscape, InvalidUtf8BecomesHexBytes) {
  EXPECT_EQ(log_escape("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(log_escape("a\x85z"), "a\\x85z");                         // a lone continuation byte
  EXPECT_EQ(log_escape("\xe2\x82"), "\\xe2\\x82");                    // cut short
  EXPECT_EQ(log_escape("\xe2\x82z"), "\\xe2\\x82z");                  // cut short mid-text
  EXPECT_EQ(log_escape("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(log_escape("\xe0\x80\x8a"), "\\xe0\\x80\\x8a");           // overlong '\n'
  EXPECT_EQ(log_escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(log_escape("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(log_escape("\xf0\x9d\x84\x9e"), "\xf0\x9d\x84\x9e");      // U+1D11E is fine
}

TEST(LogEscape, BackslashIsDoubledSoEscapingIsUnambiguous) {
  EXPECT_EQ(log_escape("a\\nb"), "a\\\\nb");
  EXPECT_NE(log_escape("a\\nb"), log_escape("a\nb"));
  EXPECT_NE(log_escape("\\x00"), log_escape(std::string(1, '\0')));
}

TEST(LogEscape, EveryByteAndPairComesOutPrintable) {
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    EXPECT_TRUE(printable_utf8(log_escape(one))) << a;
    for (int b = 0x80; b < 256; b += 7) {
      std::string two{static_cast<char>(a), static_cast<char>(b)};
      EXPECT_TRUE(printable_utf8(log_escape(two))) << a << "," << b;
    }
  }
}

TEST(LogFormat, TextKeepsTheLayoutAndEscapesEveryMessage) {
  captured_log log("text");
  spdlog::info("GET {} 404", "/api/x\n2024-01-01T00:00:00.000 info forged");
  spdlog::warn("plain");
  auto text = log.text();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_NE(text.find(" info GET /api/x\\n2024-01-01T00:00:00.000 info forged 404\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" warning plain\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n2024-01-01"), std::string::npos);
}

TEST(LogFormat, AccessLineText) {
  captured_log log("text");
  log_access({"rid1", "POST", "/api/x\r\nINFO forged", 404, 71, 1.25});
  log_access({"rid2", "GET", "/api/stream", 200, 0, -1, "stream-open"});
  log_access({"rid2", "GET", "/api/stream", 200, 4096, 2500, "stream-closed"});
  log_access({.request_id = "rid3", .status = 413, .bytes = 90, .error = "payload_too_large"});
  auto text = log.text();
  EXPECT_NE(text.find("POST /api/x\\r\\nINFO forged 404 71B 1.2ms rid=rid1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("GET /api/stream 200 stream-open rid=rid2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("GET /api/stream stream-closed 4096B 2s rid=rid2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("- - 413 90B rid=rid3 (payload_too_large)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(LogFormat, JsonIsOneObjectPerLine) {
  captured_log log("json");
  spdlog::info("mail: | {}", "line\nwith \"quotes\" \\ and \xff bytes");
  spdlog::error("db: {}", "down");
  log_access({"rid1", "POST", "/api/x\nINFO forged\xe2\x80\xa8", 403, 80, 0.75});
  log_access({"rid2", "GET", "/api/stream", 200, 0, -1, "stream-open"});
  log_access({.request_id = "rid3", .status = 400, .bytes = 60, .error = "bad_request"});
  std::istringstream lines(log.text());
  std::vector<json> records;
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j["time"].is_string() && j["level"].is_string() && j["message"].is_string())
        << line;
    EXPECT_TRUE(j["time"].get<std::string>().ends_with("Z")) << line;
    records.push_back(std::move(j));
  }
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0]["level"], "info");
  EXPECT_EQ(records[0]["message"], "mail: | line\\nwith \"quotes\" \\\\ and \\xff bytes");
  EXPECT_FALSE(records[0].contains("type"));
  EXPECT_EQ(records[1]["level"], "error");

  const auto& a = records[2];
  EXPECT_EQ(a["type"], "access");
  EXPECT_EQ(a["request_id"], "rid1");
  EXPECT_EQ(a["method"], "POST");
  EXPECT_EQ(a["path"], "/api/x\\nINFO forged\\u2028");
  EXPECT_EQ(a["status"], 403);
  EXPECT_EQ(a["bytes"], 80);
  EXPECT_DOUBLE_EQ(a["duration_ms"].get<double>(), 0.8);
  EXPECT_EQ(a["message"], "POST /api/x\\nINFO forged\\u2028 403 80B 0.8ms rid=rid1");
  EXPECT_EQ(records[3]["event"], "stream-open");
  EXPECT_FALSE(records[3].contains("duration_ms"));
  EXPECT_EQ(records[4]["error"], "bad_request");
  EXPECT_FALSE(records[4].contains("method"));
}

TEST(LogFormat, AccessLinesFollowTheLevel) {
  captured_log log("json", "warn");
  log_access({"rid1", "GET", "/", 200, 1, 0.1});
  spdlog::warn("kept");
  auto text = log.text();
  EXPECT_EQ(text.find("rid1"), std::string::npos) << text;
  EXPECT_NE(text.find("kept"), std::string::npos) << text;
}
