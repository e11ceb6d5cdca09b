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
  std::size_t i = 0;
  while (i < text.size()) {
    // A "name=value" or "name: value" where the name is secret-looking: keep the name only.
    if (name_char(text[i]) && (i == 0 || !name_char(text[i - 1]))) {
      std::size_t end = i;
      while (end < text.size() && name_char(text[end])) ++end;
      auto name = text.substr(i, end - i);
      std::size_t sep = end;
      bool colon = sep + 1 < text.size() && text[sep] == ':' && text[sep + 1] == ' ';
      if (sep < text.size() && (text[sep] == '=' || colon) && is_secret_name(name)) {
        out.append(name);
        std::size_t value = sep + (colon ? 2 : 1);
        out.append(text.substr(sep, value - sep));
        auto token_end = [&](std::size_t from) {
          while (from < text.size() && text[from] != '&' && text[from] != ' ' &&
                 text[from] != ';' && text[from] != ',' && text[from] != '"' &&
                 text[from] != '\'' && text[from] != '\n')
            ++from;
          return from;
        };
        std::size_t stop = token_end(value);
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
