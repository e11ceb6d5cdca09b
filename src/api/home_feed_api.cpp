// The home feed and the sector routes (issue 11; see home_feed.hpp and docs/api.md):
// GET /api/feed, GET /api/sectors, GET /api/sectors/{sector}, all public. The snapshot is built
// on the market strand (the leader's loop) or on an io thread (a reader finding it stale), its
// read on the pool; the sector routes read only the quote cache, on io threads.
#include "marketsim/api/home_feed.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/api/answers.hpp"
#include "marketsim/api/market_api.hpp"
#include "marketsim/core/time.hpp"
#include "marketsim/db/home_feed.hpp"
#include "marketsim/market/performance.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using json = nlohmann::json;
namespace repo = db::home_feed_repo;

namespace {

constexpr std::size_t movers_count = 5;
constexpr std::size_t top_count = 10;
constexpr std::size_t highlights_count = 6;

// Named only if a bot or opted in; otherwise "Player #N" (N: the account's number), as on the
// leaderboard, or "A new player" before they have an account.
json party_json(const repo::party& p) {
  const bool bot = !p.bot_strategy.empty();
  const bool named = bot || p.public_profile;
  // A player who has not traded yet has no account, hence no number.
  const auto anonymous =
      p.account_id ? fmt::format("Player #{}", p.account_id) : std::string("A new player");
  json j{{"name", named ? p.display_name : anonymous}, {"bot", bot}};
  if (named) j["user_tag"] = p.user_tag;
  if (bot) j["strategy"] = p.bot_strategy;
  return j;
}

repo::party party_of(const db::leaderboard_repo::standing& s) {
  return {s.account_id, s.user_tag, s.display_name, s.public_profile, s.bot_strategy};
}

// What tells two entries of the top 10 apart across snapshots: what the feed shows of them.
std::string key_of(const json& party) {
  return party.contains("user_tag") ? "@" + party["user_tag"].get<std::string>()
                                    : party["name"].get<std::string>();
}

json mover_json(const market::quote& q, double percent) {
  return {{"symbol", q.info.symbol},
          {"name", q.info.name},
          {"price", q.price ? json(market::format_price(*q.price)) : json(nullptr)},
          {"change_percent", percent}};
}

// The fastest and slowest growers since each stock's price at the window's start.
json window_json(const std::vector<repo::window_base>& bases,
                 const std::vector<market::quote>& quotes) {
  std::vector<market::growth> list;
  std::int64_t from = 0;
  for (const auto& b : bases) {
    auto q = std::find_if(quotes.begin(), quotes.end(),
                          [&](const market::quote& x) { return x.info.symbol == b.symbol; });
    if (q == quotes.end() || !q->price) continue;
    list.push_back({b.symbol, b.price, *q->price});
    from = from == 0 ? b.at_ms : std::min(from, b.at_ms);
  }
  auto side = [&](bool fastest) {
    json out = json::array();
    for (const auto& g : market::rank_growth(list, movers_count, fastest)) {
      auto q = std::find_if(quotes.begin(), quotes.end(),
                            [&](const market::quote& x) { return x.info.symbol == g.symbol; });
      out.push_back(mover_json(*q, market::growth_percent(g)));
    }
    return out;
  };
  return {{"from", from ? json(format_time(from)) : json(nullptr)},
          {"gainers", side(true)},
          {"losers", side(false)}};
}

json sector_json(const market::sector_move& m) {
  return {{"sector", m.sector},
          {"stocks", m.stocks},
          {"advancing", m.advancing},
          {"declining", m.declining},
          {"change_percent", m.change_percent},
          {"best", m.best},
          {"worst", m.worst}};
}

json content_of(const json& snapshot) {
  json c = snapshot;
  c.erase("as_of");
  return c;
}

}  // namespace

home_feed::home_feed(db::pool& pool, const market::quote_cache& quotes, market::feed& feed,
                     home_feed_settings cfg)
    : pool_(pool), quotes_(quotes), feed_(feed), cfg_(cfg) {}

asio::awaitable<result<json>> home_feed::build(bool advance) {
  const repo::query q{feed_.market_time_ms(), cfg_.large_trade_e4, 8, 8};
  auto in = co_await api::run(pool_, [&q](db::connection& c) { return repo::read_inputs(c, q); });
  if (!in) co_return std::unexpected(in.error());
  const auto quotes = quotes_.all();

  const auto session = quotes_.top_movers(movers_count);
  auto session_side = [](const std::vector<market::quote>& qs) {
    json out = json::array();
    for (const auto& q : qs)
      if (auto ch = market::change_of(q))
        out.push_back(mover_json(q, std::round(ch->percent * 100.0) / 100.0));
    return out;
  };
  json movers{
      {"session",
       {{"gainers", session_side(session.gainers)}, {"losers", session_side(session.losers)}}},
      {"week", window_json(in->week, quotes)},
      {"month", window_json(in->month, quotes)}};

  json sectors = json::array();
  for (const auto& m : market::sector_performance(quotes)) sectors.push_back(sector_json(m));

  json trades = json::array();
  for (const auto& f : in->fills)
    trades.push_back({{"time", format_time(f.at_ms)},
                      {"symbol", f.symbol},
                      {"qty", f.qty},
                      {"price", market::format_price(f.price)},
                      {"value", market::format_price(f.price * f.qty)},
                      {"buyer", f.buyer ? party_json(*f.buyer) : json(nullptr)},
                      {"seller", f.seller ? party_json(*f.seller) : json(nullptr)}});

  auto& standings = in->board.standings;
  db::leaderboard_repo::rank_by_return(standings);
  json entries = json::array();
  std::vector<std::string> top;
  for (std::size_t i = 0; i < standings.size() && i < top_count; ++i) {
    auto e = party_json(party_of(standings[i]));
    top.push_back(key_of(e));
    e["rank"] = i + 1;
    e["return"] = trading::format_return(standings[i].equity, standings[i].start_equity);
    entries.push_back(std::move(e));
  }

  json newest = json::array();
  for (const auto& n : in->newest) {
    auto e = party_json(n.who);
    e["joined"] = format_time(n.joined_ms);
    newest.push_back(std::move(e));
  }

  json highlights;
  {
    std::lock_guard lock(mutex_);
    if (advance && !top_.empty()) {
      // New highs: a new leader, or a player into the top 10 who was not in it. The first
      // board this instance sees is only the baseline (a restart is not news).
      json found = json::array();
      for (std::size_t i = 0; i < top.size(); ++i) {
        // Only a gain is a high: players at their grant swap places on ties all the time.
        if (standings[i].equity <= standings[i].start_equity) continue;
        const bool lead = i == 0 && top_.front() != top[0];
        const bool entered = std::find(top_.begin(), top_.end(), top[i]) == top_.end();
        if (!lead && !entered) continue;
        auto h = entries[i];
        h["kind"] = lead ? "lead" : "top10";
        h["time"] = format_time(system_now_ms());
        found.push_back(std::move(h));
      }
      for (auto& h : highlights_)
        if (found.size() < highlights_count) found.push_back(h);
      highlights_ = std::move(found);
    }
    if (advance && !top.empty()) top_ = top;
    highlights = highlights_;
  }

  const auto market_ms = feed_.market_time_ms();
  co_return json{{"as_of", market_ms ? json(format_time(market_ms)) : json(nullptr)},
                 {"movers", std::move(movers)},
                 {"sectors", std::move(sectors)},
                 {"trades", std::move(trades)},
                 {"highlights", std::move(highlights)},
                 {"leaderboard", {{"total", standings.size()}, {"entries", std::move(entries)}}},
                 {"newest", std::move(newest)}};
}

void home_feed::keep(std::shared_ptr<const std::string> body) {
  std::lock_guard lock(mutex_);
  body_ = std::move(body);
  kept_at_ = std::chrono::steady_clock::now();
  ++generation_;
}

asio::awaitable<void> home_feed::run() {
  co_await asio::this_coro::throw_if_cancelled(false);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer_ = &timer;
  bool failing = false;
  auto last_build = std::chrono::steady_clock::time_point{};
  for (;;) {
    const bool leading = feed_.leading();
    poked_ = false;
    if (leading) {
      last_build = std::chrono::steady_clock::now();
      auto snapshot = co_await build(true);
      if (!snapshot) {
        if (!failing)
          spdlog::warn("feed: cannot build the home feed: {}", snapshot.error().message);
        failing = true;
      } else {
        failing = false;
        auto content = content_of(*snapshot).dump();
        auto text = std::make_shared<const std::string>(snapshot->dump());
        keep(text);
        bool changed = false;
        {
          std::lock_guard lock(mutex_);
          // The first build of a leader that has seen no snapshot is the baseline, not news
          // (nor a step: a cluster that starts sends nothing until something changes).
          if (content_.empty()) content_ = content;
          changed = content != content_;
        }
        // A refused step leaves content_ as it was: the next round sends it again.
        if (changed && co_await feed_.send_event(market::step_event{event_name, *text})) {
          std::lock_guard lock(mutex_);
          content_ = std::move(content);
        }
      }
    }
    if (task_)
      task_->progress(!leading  ? "following: receives the leader's snapshots"
                      : failing ? "cannot build; retrying"
                                : "built");
    // A player's change to show (refresh_soon) builds again at once, but at most once a second:
    // a crowd of changes, or one player flipping a switch, costs one read a second. A follower
    // looks again within a second: it may lead by then.
    const auto soonest = last_build + std::chrono::seconds(1);
    if (leading && poked_)
      timer.expires_at(soonest);
    else
      timer.expires_after(
          leading ? cfg_.interval
                  : std::min<std::chrono::milliseconds>(cfg_.interval, std::chrono::seconds(1)));
    for (;;) {
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec) break;
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
              asio::cancellation_type::none ||
          !poked_) {
        timer_ = nullptr;
        co_return;
      }
      if (std::chrono::steady_clock::now() >= soonest) break;
      timer.expires_at(soonest);
    }
  }
}

void home_feed::refresh_soon() {
  if (!timer_) return;
  poked_ = true;
  timer_->cancel();
}

void home_feed::receive(const market::step_event& e) {
  if (e.name != event_name) return;
  auto parsed = json::parse(e.data, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return;
  std::vector<std::string> top;
  if (auto board = parsed.find("leaderboard"); board != parsed.end() && board->is_object())
    for (const auto& entry : board->value("entries", json::array())) top.push_back(key_of(entry));
  auto content = content_of(parsed).dump();
  std::lock_guard lock(mutex_);
  body_ = std::make_shared<const std::string>(e.data);
  kept_at_ = std::chrono::steady_clock::now();
  ++generation_;
  content_ = std::move(content);
  top_ = std::move(top);
  highlights_ = parsed.value("highlights", json::array());
}

asio::awaitable<result<std::shared_ptr<const std::string>>> home_feed::body() {
  std::unique_ptr<asio::steady_timer> timer;
  std::uint64_t began = 0;
  for (int waited = 0;; ++waited) {
    {
      std::lock_guard lock(mutex_);
      const bool fresh = body_ && std::chrono::steady_clock::now() - kept_at_ < cfg_.interval;
      if (fresh) co_return body_;
      if (!reading_) {
        reading_ = true;
        began = generation_;
        break;
      }
      if (body_) co_return body_;  // another request reads a new one meanwhile
    }
    // None yet, and another request reads the first: wait for it rather than read again.
    if (waited >= 500) co_return fail(errc::unavailable, "the home feed is not ready yet");
    if (!timer) timer = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
    timer->expires_after(std::chrono::milliseconds(20));
    (void)co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  auto snapshot = co_await build(false);
  std::shared_ptr<const std::string> text;
  if (snapshot) text = std::make_shared<const std::string>(snapshot->dump());
  std::lock_guard lock(mutex_);
  reading_ = false;
  // A snapshot received (or built by the leader's loop) during the read is newer than this
  // read: it stays, and answers this request too.
  if (generation_ != began && body_) co_return body_;
  if (!snapshot) co_return std::unexpected(snapshot.error());
  body_ = std::move(text);
  kept_at_ = std::chrono::steady_clock::now();
  ++generation_;
  co_return body_;
}

void register_feed_routes(http::router& routes, const market_services& s) {
  // Without the application's (the route table's test, the fuzzer): one of its own, which
  // builds on demand and never leads.
  std::shared_ptr<home_feed> home(s.home, [](home_feed*) {});
  if (!home) home = std::make_shared<home_feed>(s.pool, s.quotes, s.feed, home_feed_settings{});
  routes.add("GET", "/api/feed",
             answering([home](http::request_context&) -> asio::awaitable<outcome> {
               auto body = co_await home->body();
               if (!body) co_return std::unexpected(body.error());
               http::response r;
               r.shared_body = *body;
               co_return r;
             }));

  routes.add("GET", "/api/sectors", [s](http::request_context&) -> asio::awaitable<http::response> {
    json list = json::array();
    for (const auto& m : market::sector_performance(s.quotes.all())) list.push_back(sector_json(m));
    co_return http::json_response(200, {{"sectors", std::move(list)}});
  });

  routes.add("GET", "/api/sectors/{sector}",
             answering([s](http::request_context& ctx) -> asio::awaitable<outcome> {
               const auto quotes = s.quotes.all();
               const auto name = market::find_sector(quotes, ctx.params.at("sector"));
               if (name.empty()) co_return fail(errc::not_found, "unknown sector");
               json stocks = json::array();
               for (const auto& q : quotes)
                 if (q.info.sector == name && q.info.kind != market::instrument_kind::index)
                   stocks.push_back(stock_json(q, true, s.halts.halted(q.info.symbol),
                                               simulated_price(s.feed.provider(), q)));
               json summary = nullptr;
               for (const auto& m : market::sector_performance(quotes))
                 if (m.sector == name) summary = sector_json(m);
               co_return http::json_response(200, {{"sector", name},
                                                   {"summary", std::move(summary)},
                                                   {"stocks", std::move(stocks)}});
             }));
}

}  // namespace marketsim::api
