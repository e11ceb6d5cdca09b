// The simulated traders' accounts (see bot_accounts.hpp). db::pool threads.
#include "marketsim/db/bot_accounts.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "marketsim/db/orders.hpp"
#include "order_rows.hpp"

namespace marketsim::db::bot_repo {

namespace {
// Bots are active at once (no mail to verify) and public: their profiles say what they are.
constexpr const char* insert_bot =
    "insert into users (email, user_tag, display_name, password_hash, status, public_profile, "
    "bot_strategy) values ($1, $2, $3, '!', 'active', true, $4) on conflict do nothing";
constexpr const char* find_bot = "select id, bot_strategy from users where user_tag = $1";
}  // namespace

std::vector<bot_account> provision(connection& c, const std::vector<bot_identity>& bots,
                                   trading::money_e4 starting_cash) {
  std::vector<bot_account> out(bots.size());
  for (std::size_t i = 0; i < bots.size(); ++i) {
    const auto& b = bots[i];
    const std::string strategy(trading::bots::strategy_name(b.strategy));
    std::int64_t user_id = 0;
    {
      pqxx::work tx(c);
      // The reserved .invalid domain: no mail ever goes to a bot.
      tx.exec_params(insert_bot, b.tag + "@bots.marketsim.invalid", b.tag, b.display_name,
                     strategy);
      auto r = tx.exec_params(find_bot, b.tag);
      if (!r.empty() && !r[0][1].is_null()) {
        user_id = r[0][0].as<std::int64_t>();
        // The strategy follows the seed: a restart with another seed re-labels the bot.
        tx.exec_params("update users set bot_strategy = $2 where id = $1 and bot_strategy <> $2",
                       user_id, strategy);
      } else {
        spdlog::warn("bots: the tag {} belongs to a person; that bot sits out", b.tag);
      }
      tx.commit();
    }
    if (user_id == 0) continue;
    out[i] = {user_id, trading_repo::ensure_account(c, user_id, starting_cash).account_id};
  }
  return out;
}

std::map<std::int64_t, trading::bots::account_view> read_views(
    connection& c, const std::vector<std::int64_t>& account_ids) {
  std::map<std::int64_t, trading::bots::account_view> out;
  if (account_ids.empty()) return out;
  const auto ids = trading_repo::array_literal(account_ids);
  pqxx::read_transaction tx(c);
  for (const auto& r : tx.exec_params(
           "select id, cash_e4, reserved_e4 from accounts where id = any($1::bigint[])", ids)) {
    auto& v = out[r[0].as<std::int64_t>()];
    v.cash = r[1].as<std::int64_t>();
    v.cash_reserved = r[2].as<std::int64_t>();
  }
  for (const auto& r : tx.exec_params("select account_id, symbol, qty, reserved_qty from positions "
                                      "where account_id = any($1::bigint[]) and qty > 0",
                                      ids)) {
    auto& v = out[r[0].as<std::int64_t>()];
    const auto symbol = r[1].as<std::string>();
    v.shares[symbol] = r[2].as<std::int64_t>();
    v.reserved[symbol] = r[3].as<std::int64_t>();
  }
  // Open orders by the open-order index (account, then time).
  for (const auto& r : tx.exec_params(
           "select account_id, id::text, symbol, side, coalesce(limit_e4, 0), qty - filled_qty "
           "from orders where account_id = any($1::bigint[]) and status in ('new', "
           "'partially_filled') order by account_id, submitted_at, seq",
           ids)) {
    trading::bots::resting o;
    o.id = r[1].as<std::string>();
    o.symbol = r[2].as<std::string>();
    o.order_side = r[3].as<std::string>() == "buy" ? trading::side::buy : trading::side::sell;
    o.limit = r[4].as<std::int64_t>();
    o.remaining = r[5].as<std::int64_t>();
    out[r[0].as<std::int64_t>()].open.push_back(std::move(o));
  }
  return out;
}

}  // namespace marketsim::db::bot_repo
