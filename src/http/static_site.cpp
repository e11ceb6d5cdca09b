// In-memory static web app (see static_site.hpp). Loaded on the main thread; read by io threads.
#include "marketsim/http/static_site.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "marketsim/core/crypto.hpp"

namespace marketsim::http {

namespace fs = std::filesystem;

std::string_view content_type_for(std::string_view path) {
  auto dot = path.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  return "application/octet-stream";
}

std::vector<std::string> inline_script_hashes(std::string_view html) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = html.find("<script", pos)) != std::string_view::npos) {
    auto tag_end = html.find('>', pos);
    if (tag_end == std::string_view::npos) break;
    auto attrs = html.substr(pos + 7, tag_end - pos - 7);
    auto close = html.find("</script>", tag_end);
    if (close == std::string_view::npos) break;
    auto body = html.substr(tag_end + 1, close - tag_end - 1);
    pos = close + 9;
    if (attrs.find("src=") != std::string_view::npos || body.empty()) continue;
    out.push_back("'sha256-" + base64(sha256(body)) + "'");
  }
  return out;
}

std::string page_csp(const std::vector<std::string>& script_hashes) {
  std::string scripts = "'self'";
  for (const auto& h : script_hashes) scripts += " " + h;
  // Inline styles stay allowed: React and the chart library set style attributes.
  return "default-src 'self'; script-src " + scripts +
         "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
         "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
         "frame-ancestors 'none'";
}

result<static_site> static_site::load(const std::string& root) {
  static_site site;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    spdlog::warn("web: '{}' not found; pages will answer 404 (build the web app first)", root);
    return site;
  }
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    auto rel = fs::relative(it->path(), root).generic_string();
    file f{std::make_shared<const std::string>(buf.str()),
           std::string(content_type_for(rel)),
           rel.starts_with("_next/static/"),
           {}};
    // Each page allows exactly its own inline scripts (the export's bootstrap) by hash, so the
    // policy needs no 'unsafe-inline' for scripts.
    if (rel.ends_with(".html")) f.csp = page_csp(inline_script_hashes(*f.content));
    site.files_.emplace(std::move(rel), std::move(f));
  }
  if (ec) return fail(errc::io_error, "cannot read web root '" + root + "': " + ec.message());
  spdlog::info("web: {} files loaded from {}", site.files_.size(), root);
  return site;
}

response static_site::make(const file& f, int status) const {
  response r;
  r.status = status;
  r.shared_body = f.content;
  r.content_type = f.content_type;
  r.headers.emplace_back("Cache-Control",
                         f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!f.csp.empty()) r.headers.emplace_back("Content-Security-Policy", f.csp);
  return r;
}

namespace {
constexpr std::string_view shell_prefixes[] = {"u/"};
}  // namespace

std::optional<response> static_site::serve(std::string_view path, std::string_view query) const {
  if (path.empty() || path.front() != '/' || path.find("..") != std::string_view::npos)
    return std::nullopt;
  std::string key(path.substr(1));
  if (key.empty() || key.back() == '/') key += "index.html";
  if (auto it = files_.find(key); it != files_.end()) return make(it->second, 200);
  // "/stock" → "/stock/" when the folder has a page: the exported links use trailing slashes.
  if (files_.contains(key + "/index.html")) {
    response r;
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    std::string location = std::string(path) + "/";
    if (!query.empty()) location += "?" + std::string(query);
    r.headers.emplace_back("Location", location);
    return r;
  }
  if (auto it = files_.find(key + ".html"); it != files_.end()) return make(it->second, 200);
  // Pages for values known only at run time (a player's /u/<tag>) are one exported shell that
  // reads the rest of the path in the browser.
  for (std::string_view prefix : shell_prefixes) {
    if (key.starts_with(prefix) && key.size() > prefix.size()) {
      auto shell = std::string(prefix) + "index.html";
      if (auto it = files_.find(shell); it != files_.end()) return make(it->second, 200);
    }
  }
  return std::nullopt;
}

std::optional<response> static_site::not_found_page() const {
  for (std::string_view k : {"404.html", "404/index.html"})
    if (auto it = files_.find(k); it != files_.end()) return make(it->second, 404);
  return std::nullopt;
}

}  // namespace marketsim::http
