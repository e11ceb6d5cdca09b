// The outbox delivery loop (see mail_sender.hpp). Market strand; SQL on db pool threads.
#include "marketsim/mail/mail_sender.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string_view>

#include "marketsim/db/account_repo.hpp"

namespace marketsim::mail {

namespace asio = boost::asio;
namespace repo = db::account_repo;

namespace {
// The app's stop signal reached this coroutine.
asio::awaitable<bool> cancelled() {
  co_return (co_await asio::this_coro::cancellation_state).cancelled() !=
      asio::cancellation_type::none;
}
}  // namespace

asio::awaitable<void> mail_sender::run() {
  // Cancellation (the app's stop signal) ends the loop between messages: a message whose SMTP
  // exchange it interrupted stays in the outbox, unmarked, for the next start.
  co_await asio::this_coro::throw_if_cancelled(false);
  timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  while (!stopping_) {
    auto batch = co_await pool_.query([](db::connection& c) { return repo::unsent_mail(c, 50); });
    if (batch) {
      for (const auto& m : *batch) {
        if (co_await cancelled()) co_return;
        auto id = m.id;
        if (!smtp_) {
          // Log delivery: the operator (or a developer) reads the message here. One log record
          // per line of the body: the log escapes line breaks inside a record, and the link
          // stays easy to copy.
          spdlog::info("mail: (log delivery) to={} subject=\"{}\"", m.to, m.subject);
          for (std::string_view body = m.body; !body.empty();) {
            auto line = body.substr(0, body.find('\n'));
            body.remove_prefix(std::min(body.size(), line.size() + 1));
            if (line.ends_with('\r')) line.remove_suffix(1);
            spdlog::info("mail: | {}", line);
          }
          (void)co_await pool_.execute([id](db::connection& c) { repo::mark_mail_sent(c, id); });
          continue;
        }
        outgoing_mail out{from_,  m.to,         m.subject,
                          m.body, m.created_ms, fmt::format("{}.{}@marketsim", m.id, m.created_ms)};
        auto sent = co_await smtp_send(*smtp_, out);
        if (sent) {
          spdlog::info("mail: sent #{} to {} via {}", id, m.to, smtp_->host);
          (void)co_await pool_.execute([id](db::connection& c) { repo::mark_mail_sent(c, id); });
        } else {
          if (co_await cancelled()) co_return;  // not a failed attempt: shutting down
          auto why = sent.error().message;
          spdlog::warn("mail: #{} to {} not delivered (attempt {}): {}", id, m.to, m.attempts + 1,
                       why);
          // Named, not a temporary in the co_await expression: GCC 12 destroys those twice.
          db::job_fn record = [id, why](db::connection& c) { repo::mark_mail_failed(c, id, why); };
          (void)co_await pool_.execute(std::move(record));
        }
      }
    }
    if (task_) task_->progress(batch ? "waiting for mail" : "cannot read the outbox");
    timer_->expires_after(interval_);
    auto [ec] = co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || co_await cancelled()) break;
  }
}

void mail_sender::stop() {
  stopping_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace marketsim::mail
