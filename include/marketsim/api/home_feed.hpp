// The home feed (issue 11, GET /api/feed and the stream's `feed` event): movers over the
// session, a week and a month of market time, sector performance, notable trades and
// leaderboard highs, the leaderboard's top 10 and the newest players, as one JSON snapshot that
// makes sense signed out (players are named only if bots or opted in).
//
// One place builds it. On the cluster's leader, run() (a coroutine on the market strand)
// builds it every interval from one database read (db/home_feed) and the quote cache, and when
// its content changed hands it to the feed as a `feed` step_event: it travels through the tick
// relay, so every instance publishes it to every stream under the same id, resumable like a
// tick. Each instance keeps the newest snapshot it built or received (receive(), from the
// feed's on_event on the market strand), and GET /api/feed answers from it (io threads): a
// crowd of readers costs no read while it is fresh, and at most one read at a time otherwise.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/core/task_board.hpp"
#include "marketsim/db/pool.hpp"
#include "marketsim/market/feed.hpp"
#include "marketsim/market/quote_cache.hpp"
#include "marketsim/trading/money.hpp"

namespace marketsim::api {

struct home_feed_settings {
  std::chrono::milliseconds interval{5'000};       // MARKETSIM_FEED_INTERVAL
  trading::money_e4 large_trade_e4 = 10'000'0000;  // MARKETSIM_FEED_LARGE_TRADE ($10,000)
};

class home_feed {
 public:
  // Where it reports its progress (the admin's runtime view); set before it runs.
  void report_to(task_board::task& t) { task_ = &t; }
  static constexpr const char* event_name = "feed";

  home_feed(db::pool& pool, const market::quote_cache& quotes, market::feed& feed,
            home_feed_settings cfg);

  // The leader's loop; does nothing while this instance follows. Ends when cancelled.
  [[nodiscard]] boost::asio::awaitable<void> run();
  // A step_event applied by the feed (any name; only `feed` is taken).
  void receive(const market::step_event& e);
  // A player's account changed (a profile's switch or name): the leader builds again within a
  // second rather than at the next interval, so a name taken down leaves the feed at once. On
  // the strand run() runs on.
  void refresh_soon();
  // The newest snapshot's JSON text: kept while fresh (one interval), else read once.
  [[nodiscard]] boost::asio::awaitable<result<std::shared_ptr<const std::string>>> body();

 private:
  // One read and the snapshot made of it. `advance` (the leader's loop only): leaderboard
  // highs are found against the previous top 10 and kept.
  [[nodiscard]] boost::asio::awaitable<result<nlohmann::json>> build(bool advance);
  void keep(std::shared_ptr<const std::string> body);

  db::pool& pool_;
  const market::quote_cache& quotes_;
  market::feed& feed_;
  home_feed_settings cfg_;

  // run()'s timer and whether refresh_soon() cut its wait short: the strand's only.
  boost::asio::steady_timer* timer_ = nullptr;
  bool poked_ = false;

  std::mutex mutex_;
  std::shared_ptr<const std::string> body_;
  std::chrono::steady_clock::time_point kept_at_;
  // Counts the snapshots kept: a read that began before a newer one arrived keeps nothing.
  std::uint64_t generation_ = 0;
  bool reading_ = false;
  // The leader's state, also taken from received snapshots so a new leader goes on from it:
  // the last published content (as_of left out), the top 10 by key and the highlights.
  std::string content_;
  std::vector<std::string> top_;
  nlohmann::json highlights_ = nlohmann::json::array();
  task_board::task* task_ = nullptr;
};

}  // namespace marketsim::api
