// The outbox delivery loop (see mail_sender.hpp). Market strand; SQL on db pool threads.
#include "marketsim/app/mail_sender.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "marketsim/db/account_repo.hpp"

namespace marketsim::app {

namespace asio = boost::asio;
namespace repo = db::account_repo;

asio::awaitable<void> mail_sender::run() {
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!stopping_) {
    auto batch = co_await pool_.query([](db::connection& c) { return repo::unsent_mail(c, 50); });
    if (batch) {
      for (const auto& m : *batch) {
        // Log delivery: the operator (or a developer) reads the message here.
        spdlog::info("mail: (log delivery) to={} subject=\"{}\"\n{}", m.to, m.subject, m.body);
        auto id = m.id;
        (void)co_await pool_.execute([id](db::connection& c) { repo::mark_mail_sent(c, id); });
      }
    }
    timer_->expires_after(interval_);
    auto [ec] = co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
}

void mail_sender::stop() {
  stopping_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::app
