// GET /api/leaderboard (issue 11): players and bots ranked by their return over a period of
// market time (docs/api.md). Public: a player who has not made a public profile appears as
// "Player #N" (N: the account's number), and every entry says whether it is a bot; a signed-in
// caller also gets their own entry, wherever it ranks. Runs on io threads; the standings are
// read on the pool, at most once every 5 s per period (board_cache).
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/json_body.hpp"
#include "marketsim/api/market_api.hpp"
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

// equity / start - 1 to 6 decimals, rounded half away from zero, exactly ("0.012345").
std::string return_text(trading::money_e4 equity, trading::money_e4 start) {
  const __int128 scaled = static_cast<__int128>(equity - start) * 2'000'000 / start;
  const __int128 rounded = (scaled + (scaled < 0 ? -1 : 1)) / 2;
  const bool negative = rounded < 0;
  const auto magnitude = static_cast<std::uint64_t>(negative ? -rounded : rounded);
  return fmt::format("{}{}.{:06}", negative ? "-" : "", magnitude / 1'000'000,
                     magnitude % 1'000'000);
}

json entry_json(const board::standing& s, std::size_t rank) {
  const bool bot = !s.bot_strategy.empty();
  const bool named = bot || s.public_profile;
  json e{{"rank", rank},
         {"name", named ? s.display_name : fmt::format("Player #{}", s.account_id)},
         {"bot", bot},
         {"return", return_text(s.equity, s.start_equity)},
         {"equity", market::format_price(s.equity)},
         {"start_equity", market::format_price(s.start_equity)}};
  if (named) e["user_tag"] = s.user_tag;  // their public profile: /api/users/{tag}
  if (bot) e["strategy"] = s.bot_strategy;
  return e;
}

// The ranked standings of each period, read at most once every few seconds: the route is
// public, and a read costs a few index probes per account. One read at a time per period;
// requests that come while it runs are answered from the previous standings (only the very
// first ones, with none yet, read too).
class board_cache {
 public:
  struct ranked {
    std::int64_t as_of_ms = 0;
    std::vector<board::standing> standings;
  };

  // The standings kept, and whether the caller must read them now (then it calls store()).
  std::pair<std::shared_ptr<const ranked>, bool> get(board::period p) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[static_cast<std::size_t>(p)];
    const bool fresh = e.value && std::chrono::steady_clock::now() - e.read_at < max_age;
    const bool read = !fresh && (!e.reading || !e.value);
    if (read) e.reading = true;
    return {e.value, read};
  }
  // nullptr: the read failed, and the next request tries again.
  void store(board::period p, std::shared_ptr<const ranked> value) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[static_cast<std::size_t>(p)];
    e.reading = false;
    if (!value) return;
    e.value = std::move(value);
    e.read_at = std::chrono::steady_clock::now();
  }

 private:
  static constexpr auto max_age = std::chrono::seconds(5);
  struct entry {
    std::shared_ptr<const ranked> value;
    std::chrono::steady_clock::time_point read_at;
    bool reading = false;
  };
  std::mutex mutex_;
  std::array<entry, 4> entries_;
};

}  // namespace

void register_leaderboard_routes(http::router& routes, const market_services& s) {
  auto cache = std::make_shared<board_cache>();
  routes.add(
      "GET", "/api/leaderboard",
      answering([s, cache](request_context& ctx) -> asio::awaitable<outcome> {
        const auto p = board::parse_period(ctx.query_value("period").value_or("all"));
        if (!p) co_return fail(errc::bad_request, "period must be day, week, month or all");
        if (ctx.query_value("metric").value_or("return") != "return")
          co_return fail(errc::bad_request, "metric must be return");
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
        auto [cached, must_read] = cache->get(*p);
        if (must_read) {
          auto read =
              co_await run(s.pool, [&](db::connection& c) { return board::read_board(c, *p); });
          if (!read) {
            cache->store(*p, nullptr);
            co_return std::unexpected(read.error());
          }
          auto fresh = std::make_shared<board_cache::ranked>();
          fresh->as_of_ms = read->as_of_ms;
          fresh->standings = std::move(read->standings);
          board::rank_by_return(fresh->standings);
          cached = fresh;
          cache->store(*p, std::move(fresh));
        }
        const auto& standings = cached->standings;
        json entries = json::array();
        for (std::size_t i = offset; i < standings.size() && i < offset + limit; ++i)
          entries.push_back(entry_json(standings[i], i + 1));
        json you = nullptr;
        if (ctx.principal && ctx.principal->user)
          for (std::size_t i = 0; i < standings.size(); ++i)
            if (standings[i].user_id == ctx.principal->user->id)
              you = entry_json(standings[i], i + 1);
        const bool more = offset + limit < standings.size();
        co_return http::json_response(
            200, {{"period", board::period_name(*p)},
                  {"metric", "return"},
                  {"as_of", cached->as_of_ms ? json(format_time(cached->as_of_ms)) : json(nullptr)},
                  {"total", standings.size()},
                  {"entries", std::move(entries)},
                  {"next_cursor", more ? json(std::to_string(offset + limit)) : json(nullptr)},
                  {"you", std::move(you)}});
      }));
}

}  // namespace marketsim::api
