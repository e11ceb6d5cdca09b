// Private stream events (see private_events.hpp).
#include "marketsim/db/private_events.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "marketsim/db/orders.hpp"
#include "marketsim/sse/event.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim::db {

namespace {
boost::asio::awaitable<void> account_task(private_events* self, std::int64_t user_id) {
  co_await self->send_account(user_id);
}
}  // namespace

void private_events::on_trade(std::string_view payload) {
  auto note = nlohmann::json::parse(payload, nullptr, false);
  if (!note.is_object() || !note.contains("user") || !note["user"].is_number_integer()) {
    spdlog::warn("orders: ignoring a malformed trade notification");
    return;
  }
  const auto user_id = note["user"].get<std::int64_t>();
  if (!hub_.has_streams_of(user_id)) return;
  // A rule's alert (db/rules.hpp) travels the same way: a notification, no account change.
  if (note.value("event", "") == "notification") {
    hub_.publish_private(user_id, sse::format_frame("notification", note["data"].dump()));
    return;
  }
  hub_.publish_private(user_id, sse::format_frame("trade_update", note["data"].dump()));
  // The placing request's id, whichever instance took the order: one order can be followed
  // from its request to each instance that delivered its updates.
  if (auto rid = note.find("rid"); rid != note.end() && rid->is_string()) {
    const auto& data = note["data"];
    std::string event, order_id;
    if (data.is_object()) {
      event = data.value("event", "");
      if (auto o = data.find("order"); o != data.end() && o->is_object())
        order_id = o->value("id", "");
    }
    // Debug: a line per trade update would triple an order's log lines at the default level.
    spdlog::debug("orders: {} of order {} delivered to user {}'s streams rid={}", event, order_id,
                  user_id, rid->get<std::string>());
  }
  {
    std::lock_guard lock(mutex_);
    if (!loading_.insert(user_id).second) {
      stale_.insert(user_id);  // the read on its way may predate this trade
      return;
    }
  }
  boost::asio::co_spawn(ioc_, account_task(this, user_id), boost::asio::detached);
}

boost::asio::awaitable<void> private_events::send_account(std::int64_t user_id) {
  for (;;) {
    {
      // The read starts after this: it sees every trade notified so far (each was committed
      // before its notification); a later one marks the player stale again.
      std::lock_guard lock(mutex_);
      stale_.erase(user_id);
    }
    std::optional<db::trading_repo::account_state> state;
    db::job_fn job = [&](db::connection& c) {
      auto who = db::trading_repo::ensure_account(c, user_id, starting_cash_e4_);
      state = db::trading_repo::read_account(c, who);
    };
    auto done = co_await pool_.execute(std::move(job));
    std::string data;
    bool again = false;
    {
      std::lock_guard lock(mutex_);
      again = stale_.contains(user_id);
      if (!again) loading_.erase(user_id);
      if (!done || !state) {
        if (again) continue;
        co_return;
      }
      data = trading::account_event_json(state->account, state->positions, quotes_).dump();
      accounts_[user_id] = kept{std::move(*state), data};
    }
    hub_.publish_private(user_id, sse::format_frame("account", data));
    if (!again) co_return;
  }
}

void private_events::on_ticks(const std::vector<market::tick>& ticks) {
  std::set<std::string, std::less<>> moved;
  for (const auto& t : ticks) moved.insert(t.symbol);
  const auto streaming = hub_.streaming_users();
  std::vector<std::pair<std::int64_t, std::string>> to_send;
  std::vector<std::int64_t> to_load;
  {
    std::lock_guard lock(mutex_);
    // Players who closed every stream here are forgotten; new ones are read once.
    std::erase_if(accounts_, [&](const auto& kv) {
      return !std::binary_search(streaming.begin(), streaming.end(), kv.first);
    });
    for (auto user : streaming) {
      auto it = accounts_.find(user);
      if (it == accounts_.end()) {
        if (loading_.insert(user).second) to_load.push_back(user);
        continue;
      }
      bool affected = false;
      for (const auto& p : it->second.state.positions)
        affected = affected || moved.contains(p.symbol);
      if (!affected) continue;
      auto data =
          trading::account_event_json(it->second.state.account, it->second.state.positions, quotes_)
              .dump();
      if (data == it->second.last_sent) continue;
      it->second.last_sent = data;
      to_send.emplace_back(user, std::move(data));
    }
  }
  for (const auto& [user, data] : to_send)
    hub_.publish_private(user, sse::format_frame("account", data));
  for (auto user : to_load)
    boost::asio::co_spawn(ioc_, account_task(this, user), boost::asio::detached);
}

}  // namespace marketsim::db
