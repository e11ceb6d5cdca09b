// Private stream events (see private_events.hpp).
#include "marketsim/app/private_events.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "marketsim/db/trading_repo.hpp"
#include "marketsim/sse/event.hpp"
#include "marketsim/trading/records.hpp"

namespace marketsim {

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
  hub_.publish_private(user_id, sse::format_frame("trade_update", note["data"].dump()));
  boost::asio::co_spawn(ioc_, account_task(this, user_id), boost::asio::detached);
}

boost::asio::awaitable<void> private_events::send_account(std::int64_t user_id) {
  std::optional<db::trading_repo::account_state> state;
  db::job_fn job = [&](db::connection& c) {
    auto who = db::trading_repo::ensure_account(c, user_id, 0);
    state = db::trading_repo::read_account(c, who);
  };
  auto done = co_await pool_.execute(std::move(job));
  if (!done || !state) co_return;
  auto data = trading::account_event_json(state->account, state->positions, quotes_);
  hub_.publish_private(user_id, sse::format_frame("account", data.dump()));
}

}  // namespace marketsim
