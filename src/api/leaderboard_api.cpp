// GET /api/leaderboard (issue 11): players and bots ranked by their return, or by the Sharpe
// ratio of their daily returns, over a period of market time (docs/api.md). Public: a player who
// has not made a public profile appears as "Player #N" (N: the account's number), and every entry
// says whether it is a bot; a signed-in caller also gets their own entry, wherever it ranks. Runs
// on io threads; the standings are read on the pool, at most once every 5 s per period and metric
// (board_cache; 30 s for Sharpe, whose daily returns change once per market day).
#include <fmt/format.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <tuple>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/api/user_changes.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/leaderboard.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using http::request_context;
using json = nlohmann::json;
namespace board = db::leaderboard_repo;

namespace {

constexpr int default_limit = 50;
constexpr int max_limit = 100;

enum class metric { return_, sharpe };

// rank 0: not ranked on this metric (too little history for a Sharpe ratio). `changed`: the
// player changed their account since the standings were read, so what they show may be taken
// down: anonymous until the next read.
json entry_json(const board::standing& s, std::size_t rank, metric m, bool changed) {
  const bool bot = !s.bot_strategy.empty();
  const bool named = bot || (s.public_profile && !changed);
  json e{{"rank", rank ? json(rank) : json(nullptr)},
         {"name", named ? s.display_name : fmt::format("Player #{}", s.account_id)},
         {"bot", bot},
         {"flags", s.flags},
         {"return", trading::format_return(s.equity, s.start_equity)},
         {"equity", market::format_price(s.equity)},
         {"start_equity", market::format_price(s.start_equity)}};
  if (named) e["user_tag"] = s.user_tag;  // their public profile: /api/users/{tag}
  if (bot) e["strategy"] = s.bot_strategy;
  if (m == metric::sharpe) {
    // A statistic, not money: four decimals are all it means.
    e["sharpe"] = s.sharpe ? json(std::round(*s.sharpe * 10'000) / 10'000) : json(nullptr);
    e["history_days"] = std::max(s.daily_returns, 0);
  }
  return e;
}

// The ranked standings of each period, read at most once every few seconds: the route is
// public, and a read costs a few index probes per account. One read at a time per period and
// metric; requests that come while it runs are answered from the previous standings, or, when
// there are none yet (a cold start under a crowd), wait for that read instead of making their own.
class board_cache {
 public:
  struct ranked {
    std::int64_t as_of_ms = 0;
    std::vector<board::standing> standings;
    std::size_t ranked = 0;  // the first `ranked` standings have a rank; the rest have none
    std::chrono::steady_clock::time_point read_began;  // changes since then are not in it
  };

  enum class next { answer, read, wait };
  // The standings kept and what the caller does next: answer from them; read them now (then
  // it calls store()); or, with none kept and a read under way, wait on `wake` (the caller's
  // timer, cancelled when that read is stored) and ask again.
  std::pair<std::shared_ptr<const ranked>, next> get(
      board::period p, metric m, const std::shared_ptr<asio::steady_timer>& wake) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[slot(p, m)];
    const auto max_age = m == metric::sharpe ? sharpe_max_age : return_max_age;
    const bool fresh = e.value && std::chrono::steady_clock::now() - e.read_at < max_age;
    if (fresh || (e.reading && e.value)) return {e.value, next::answer};
    if (e.reading) {
      e.waiting.push_back(wake);
      return {nullptr, next::wait};
    }
    e.reading = true;
    return {e.value, next::read};
  }
  // nullptr: the read failed, and the next request tries again.
  void store(board::period p, metric m, std::shared_ptr<const ranked> value) {
    std::vector<std::shared_ptr<asio::steady_timer>> waiting;
    {
      std::lock_guard lock(mutex_);
      auto& e = entries_[slot(p, m)];
      e.reading = false;
      waiting.swap(e.waiting);
      if (value) {
        e.value = std::move(value);
        e.read_at = std::chrono::steady_clock::now();
      }
    }
    // A timer is not thread-safe: each is cancelled on its own request's executor.
    for (auto& t : waiting) asio::post(t->get_executor(), [t] { t->cancel(); });
  }

 private:
  static constexpr auto return_max_age = std::chrono::seconds(5);
  static constexpr auto sharpe_max_age = std::chrono::seconds(30);
  static std::size_t slot(board::period p, metric m) {
    return static_cast<std::size_t>(p) * 2 + (m == metric::sharpe ? 1 : 0);
  }
  struct entry {
    std::shared_ptr<const ranked> value;
    std::chrono::steady_clock::time_point read_at;
    bool reading = false;
    std::vector<std::shared_ptr<asio::steady_timer>> waiting;
  };
  std::mutex mutex_;
  std::array<entry, 8> entries_;
};

}  // namespace

void register_leaderboard_routes(http::router& routes, const market_services& s) {
  auto cache = std::make_shared<board_cache>();
  routes.add(
      "GET", "/api/leaderboard",
      answering([s, cache](request_context& ctx) -> asio::awaitable<outcome> {
        const auto p = board::parse_period(ctx.query_value("period").value_or("all"));
        if (!p) co_return fail(errc::bad_request, "period must be day, week, month or all");
        const auto metric_name = ctx.query_value("metric").value_or("return");
        if (metric_name != "return" && metric_name != "sharpe")
          co_return fail(errc::bad_request, "metric must be return or sharpe");
        const metric m = metric_name == "sharpe" ? metric::sharpe : metric::return_;
        int limit = default_limit;
        if (auto l = ctx.query_value("limit")) {
          auto n = parse_int_param(*l, 1, max_limit);
          if (!n)
            co_return fail(errc::bad_request, fmt::format("limit must be 1 to {}", max_limit));
          limit = static_cast<int>(*n);
        }
        std::size_t offset = 0;
        if (auto c = ctx.query_value("cursor")) {
          auto n = parse_int_param(*c, 0, 1'000'000'000);
          if (!n) co_return fail(errc::bad_request, "cursor is not one this API gave");
          offset = static_cast<std::size_t>(*n);
        }
        auto wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
        auto [cached, step] = cache->get(*p, m, wake);
        while (step == board_cache::next::wait) {
          // Bounded: a read that never stores (it always does) costs the waiter 2 s, not forever.
          wake->expires_after(std::chrono::seconds(2));
          co_await wake->async_wait(asio::as_tuple(asio::use_awaitable));
          std::tie(cached, step) = cache->get(*p, m, wake);
        }
        if (step == board_cache::next::read) {
          const auto now_ms = s.feed.market_time_ms();
          const auto began = std::chrono::steady_clock::now();
          auto read = co_await run(s.pool, [&](db::connection& c) {
            return m == metric::sharpe ? board::read_sharpe(c, *p, now_ms)
                                       : board::read_board(c, *p, now_ms);
          });
          if (!read) {
            cache->store(*p, m, nullptr);
            co_return std::unexpected(read.error());
          }
          auto fresh = std::make_shared<board_cache::ranked>();
          fresh->as_of_ms = read->as_of_ms;
          fresh->read_began = began;
          fresh->standings = std::move(read->standings);
          if (m == metric::sharpe) {
            std::erase_if(fresh->standings,
                          [](const board::standing& st) { return st.start_equity <= 0; });
            fresh->ranked = board::rank_by_sharpe(fresh->standings);
          } else {
            board::rank_by_return(fresh->standings);
            fresh->ranked = fresh->standings.size();
          }
          cached = fresh;
          cache->store(*p, m, std::move(fresh));
        }
        const auto& standings = cached->standings;
        const std::size_t ranked = cached->ranked;
        const auto rank_of = [&](std::size_t i) { return i < ranked ? i + 1 : 0; };
        const auto changed = [&](const board::standing& st) {
          return s.changed_users && s.changed_users->since(st.user_id, cached->read_began);
        };
        json entries = json::array();
        for (std::size_t i = offset; i < ranked && i < offset + limit; ++i)
          entries.push_back(entry_json(standings[i], i + 1, m, changed(standings[i])));
        json you = nullptr;
        if (ctx.principal && ctx.principal->user)
          for (std::size_t i = 0; i < standings.size(); ++i)
            if (standings[i].user_id == ctx.principal->user->id)
              you = entry_json(standings[i], rank_of(i), m, changed(standings[i]));
        const bool more = offset + limit < ranked;
        json answer{
            {"period", board::period_name(*p)},
            {"metric", metric_name},
            {"as_of", cached->as_of_ms ? json(format_time(cached->as_of_ms)) : json(nullptr)},
            {"total", ranked},
            {"entries", std::move(entries)},
            {"next_cursor", more ? json(std::to_string(offset + limit)) : json(nullptr)},
            {"you", std::move(you)}};
        if (m == metric::sharpe) {
          // Who is left out, and why: a ratio needs this many market days of returns.
          answer["min_history_days"] = board::min_sharpe_returns;
          answer["unranked"] = standings.size() - ranked;
        }
        co_return http::json_response(200, std::move(answer));
      }));
}

}  // namespace marketsim::api
