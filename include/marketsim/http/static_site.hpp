// The exported web app (web/out), loaded into memory at start-up so serving a page never
// touches the disk on an io thread. Read-only after load; shared by io threads.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/http/message.hpp"

namespace marketsim::http {

class static_site {
 public:
  // A missing directory is not an error: the API still works, pages answer 404.
  [[nodiscard]] static result<static_site> load(const std::string& root);

  // nullopt when the path is not a page or asset of the site.
  [[nodiscard]] std::optional<response> serve(std::string_view path, std::string_view query) const;
  // The site's own 404 page (status 404), or nullopt without one.
  [[nodiscard]] std::optional<response> not_found_page() const;
  [[nodiscard]] std::size_t file_count() const { return files_.size(); }

 private:
  struct file {
    std::shared_ptr<const std::string> content;  // shared with every answer that sends it
    std::string content_type;
    bool immutable = false;  // hashed build assets under _next/static
    std::string csp;         // pages: a policy that allows their inline scripts by hash
  };
  [[nodiscard]] response make(const file& f, int status) const;
  std::map<std::string, file, std::less<>> files_;  // key: path relative to root, no leading '/'
};

[[nodiscard]] std::string_view content_type_for(std::string_view path);
// CSP source expressions ('sha256-...') of the inline <script> elements of a page.
[[nodiscard]] std::vector<std::string> inline_script_hashes(std::string_view html);
// The Content-Security-Policy of a page with these inline script hashes.
[[nodiscard]] std::string page_csp(const std::vector<std::string>& script_hashes);

}  // namespace marketsim::http
