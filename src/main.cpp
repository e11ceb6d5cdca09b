// Entry point: parses the command line and the configuration, then hands over to the app.
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "marketsim/app/application.hpp"
#include "marketsim/app/config.hpp"
#include "marketsim/core/log.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::string_view command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << marketsim::app::config_help();
    return 0;
  }
  marketsim::app::admin_request admin;
  if (command == "create-admin") {
    constexpr std::string_view usage =
        "create-admin --email E --tag T [--name N]   (the password comes on stdin)\n"
        "       create-admin --email E --promote-existing   (an active account keeps its password)";
    for (int i = 2; i < argc; ++i) {
      std::string_view flag = argv[i];
      if (flag == "--promote-existing") {
        admin.promote_existing = true;
        continue;
      }
      if (i + 1 >= argc) {
        std::cerr << "marketsim: " << flag << " needs a value\n";
        return 2;
      }
      std::string value = argv[++i];
      if (flag == "--email")
        admin.email = value;
      else if (flag == "--tag")
        admin.user_tag = value;
      else if (flag == "--name")
        admin.display_name = value;
      else {
        std::cerr << "marketsim: unknown option " << flag << "\nusage: marketsim " << usage << "\n";
        return 2;
      }
    }
    if (admin.email.empty() || (admin.user_tag.empty() && !admin.promote_existing)) {
      std::cerr << "marketsim: create-admin needs --email and --tag (or "
                   "--promote-existing)\nusage: marketsim "
                << usage << "\n";
      return 2;
    }
    // The password never goes on the command line, where other users could read it. Promoting
    // an existing account needs none: that account keeps its own.
    if (!admin.promote_existing) {
      if (!std::getline(std::cin, admin.password) || admin.password.empty()) {
        std::cerr << "marketsim: create-admin reads the password from standard input\n";
        return 2;
      }
      if (!admin.password.empty() && admin.password.back() == '\r') admin.password.pop_back();
    }
  } else if (argc > 2 || (command != "serve" && command != "migrate")) {
    std::cerr << "marketsim: unknown command '" << command << "'\n\n" << marketsim::app::config_help();
    return 2;
  }
  if (sodium_init() < 0) {
    std::cerr << "marketsim: libsodium failed to initialise\n";
    return 1;
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::string dotenv;
  if (std::ifstream file(".env"); file) {
    std::ostringstream text;
    text << file.rdbuf();
    dotenv = text.str();
  }
  auto cfg = marketsim::app::parse_config(env, dotenv);
  if (!cfg) {
    std::cerr << "marketsim: configuration error (" << marketsim::code_name(cfg.error().code)
              << "): " << cfg.error().message << "\n";
    return 2;
  }
  marketsim::configure_logging(cfg->log_level, cfg->log_format);
  if (command == "create-admin") return marketsim::app::create_admin(*cfg, admin);
  return command == "migrate" ? marketsim::app::migrate(*cfg) : marketsim::app::serve(*cfg);
}
