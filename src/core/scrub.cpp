// Secret scrubbing (see scrub.hpp). Pure.
#include "marketsim/core/scrub.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace marketsim {

namespace {
constexpr std::array<std::string_view, 11> secret_words = {
    "password", "passwd", "secret", "token",   "cookie",    "authorization",
    "session",  "csrf",   "apikey", "api_key", "ms_session"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
}  // namespace

bool is_secret_name(std::string_view name) {
  auto l = lower(name);
  for (auto w : secret_words)
    if (l.find(w) != std::string::npos) return true;
  return false;
}

std::string scrub_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto is_quote = [](char c) { return c == '"' || c == '\''; };
  auto token_end = [&](std::size_t from) {
    while (from < text.size() && text[from] != '&' && text[from] != ' ' && text[from] != ';' &&
           text[from] != ',' && text[from] != '"' && text[from] != '\'' && text[from] != '\n' &&
           text[from] != '}')
      ++from;
    return from;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    // "name=value", "name: value", or JSON-shaped "\"name\": value" where the name is
    // secret-looking: keep the name, replace the value.
    if (name_char(text[i]) && (i == 0 || !name_char(text[i - 1]))) {
      std::size_t end = i;
      while (end < text.size() && name_char(text[end])) ++end;
      auto name = text.substr(i, end - i);
      std::size_t sep = end;
      bool quoted_key =
          sep < text.size() && is_quote(text[sep]) && i > 0 && text[i - 1] == text[sep];
      if (quoted_key) ++sep;
      std::size_t value = std::string_view::npos;
      if (sep < text.size() && text[sep] == '=') {
        value = sep + 1;
      } else if (sep < text.size() && text[sep] == ':' &&
                 (quoted_key || (sep + 1 < text.size() && text[sep + 1] == ' '))) {
        value = sep + 1;
        while (value < text.size() && text[value] == ' ') ++value;
      }
      if (value != std::string_view::npos && is_secret_name(name)) {
        out.append(text.substr(i, value - i));
        std::size_t stop;
        if (value < text.size() && is_quote(text[value])) {
          // A quoted value ends at its closing quote (skipping escaped ones).
          char q = text[value];
          stop = value + 1;
          while (stop < text.size() && text[stop] != q) stop += text[stop] == '\\' ? 2 : 1;
          out += q;
          out.append(scrubbed_marker);
          if (stop < text.size()) out += q;
          i = std::min(stop + 1, text.size());
          continue;
        }
        stop = token_end(value);
        // "Authorization: Bearer <token>": the scheme word is followed by the secret.
        auto scheme = lower(text.substr(value, stop - value));
        if ((scheme == "bearer" || scheme == "basic") && stop + 1 < text.size() &&
            text[stop] == ' ')
          stop = token_end(stop + 1);
        out.append(scrubbed_marker);
        i = stop;
        continue;
      }
      out.append(name);
      i = end;
      continue;
    }
    out += text[i++];
  }
  return out;
}

void scrub_json(nlohmann::json& value) {
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      if (is_secret_name(key))
        item = std::string(scrubbed_marker);
      else
        scrub_json(item);
    }
  } else if (value.is_array()) {
    for (auto& item : value) scrub_json(item);
  } else if (value.is_string()) {
    value = scrub_text(value.get_ref<const std::string&>());
  }
}

}  // namespace marketsim
