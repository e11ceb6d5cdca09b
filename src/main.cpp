// Entry point: parses the command line and the configuration, then hands over to the app.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "marketsim/app/application.hpp"
#include "marketsim/core/config.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::string_view command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << marketsim::config_help();
    return 0;
  }
  if (argc > 2 || (command != "serve" && command != "migrate")) {
    std::cerr << "marketsim: unknown command '" << command << "'\n\n" << marketsim::config_help();
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
  auto cfg = marketsim::parse_config(env, dotenv);
  if (!cfg) {
    std::cerr << "marketsim: configuration error (" << marketsim::code_name(cfg.error().code)
              << "): " << cfg.error().message << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(cfg->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return command == "migrate" ? marketsim::app::migrate(*cfg) : marketsim::app::serve(*cfg);
}
