// LISTEN loop for cross-instance session changes (see change_listener.hpp). Its own thread.
#include "marketsim/db/change_listener.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

namespace marketsim::db {

namespace {
class receiver : public pqxx::notification_receiver {
 public:
  receiver(pqxx::connection_base& c, const char* channel,
           const std::function<void(std::string_view)>& cb)
      : pqxx::notification_receiver(c, channel), cb_(cb) {}
  void operator()(const std::string& payload, int) override {
    if (cb_) cb_(payload);
  }

 private:
  const std::function<void(std::string_view)>& cb_;
};
}  // namespace

change_listener::change_listener(std::string connection_string, callbacks cb)
    : connection_string_(std::move(connection_string)), cb_(std::move(cb)) {
  thread_ = std::thread([this] { run(); });
}

change_listener::~change_listener() {
  stop();
}

void change_listener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void change_listener::run() {
  auto backoff = std::chrono::milliseconds(250);
  bool connected_before = false;
  while (!stopping_) {
    try {
      pqxx::connection conn(connection_string_);
      receiver sessions(conn, sessions_channel, cb_.changed);
      receiver trades(conn, trades_channel, cb_.trade);
      receiver tape(conn, tape_channel, cb_.tape);
      // The first connection starts with an empty cache; later ones may have missed changes.
      if (connected_before) {
        spdlog::info("db: change listener reconnected; session cache cleared");
        cb_.resync();
      }
      connected_before = true;
      backoff = std::chrono::milliseconds(250);
      // Wake up every 200 ms to notice shutdown.
      while (!stopping_) {
        conn.await_notification(0, 200'000);
        if (auto* t = task_.load()) t->progress("listening");
      }
    } catch (const std::exception& e) {
      if (stopping_) break;
      if (auto* t = task_.load()) t->set_state("reconnecting");
      spdlog::warn("db: change listener: {}; retrying", e.what());
      for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stopping_;
           waited += std::chrono::milliseconds(50))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
    }
  }
}

}  // namespace marketsim::db
