// What the API's handlers are told at start-up: the public address for links, the hashing
// strength, the trading terms and the per-player caps. Built by the app from its
// configuration (app/config.hpp); read-only afterwards, by every io thread.
#pragma once
#include <cstdint>
#include <string>

#include "marketsim/auth/password.hpp"

namespace marketsim::api {

struct settings {
  std::string public_url = "http://localhost:8080";  // links in mail
  std::string instance;  // MARKETSIM_INSTANCE: this process's name in a cluster (may be empty)
  auth::hash_strength password_hash = auth::hash_strength::interactive;
  std::int64_t starting_cash_e4 = 100'000LL * 10'000;  // dollars × 10^4
  std::int64_t half_spread_e4 = 100;                   // $0.01
  int max_open_orders = 500;                           // per account
  int max_watchlists = 20;                             // per player
  int watchlist_size = 200;                            // symbols per watchlist
  int max_rules = 50;                                  // trading rules per player
  int max_api_keys = 10;                               // live keys per player
  std::int64_t profile_trade_delay_ms = 15 * 60'000;   // public profiles' fills: this old
  std::string data_dir;  // the vega-datasets data folder: the forecasts' catalog series
};

}  // namespace marketsim::api
