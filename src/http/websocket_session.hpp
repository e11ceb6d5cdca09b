// The WebSocket transport, private to the http module: one upgraded connection's life, driven
// for a ws_application (websocket.hpp). Included by connection.hpp (whose helpers it uses) and
// instantiated by its request loop for the plain and TLS streams; not for the in-memory one. Runs
// on an io thread inside the connection's strand, as four coroutines that share it and so need no
// lock:
// - the reader reads one message at a time (at most ws_settings::max_message) and hands it to
//   the application, whose replies it queues for the writer;
// - the writer is the only one that writes: queued replies first, then the application's
//   rendering of whatever the hub queued for this client, one batch at a time (the hub's bounded,
//   coalescing queue is what holds a slow client's backlog, never this session), then the close;
// - the pump turns the hub subscriber's wake-ups (once there is one) into the writer's;
// - the deadline gives an unauthenticated connection ws_settings::auth_timeout.
// Pings and the idle timeout are Beast's (stream_base::timeout). Whichever of reader and writer
// ends first makes the others end, so the session returns only when none of them can touch the
// stream any more.
#pragma once
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <exception>

#include "marketsim/http/websocket.hpp"

// The TLS stream's WebSocket teardown. Boost 1.81's beast::ssl_stream declares its own twice
// (a friend and a free function that clang takes for two), so a call is ambiguous; this one,
// for the exact stream the server uses, is more specialised than both and does what theirs does:
// the TLS shutdown.
namespace boost::beast {
template <class TeardownHandler>
void async_teardown(role_type, ssl_stream<basic_stream<asio::ip::tcp>>& stream,
                    TeardownHandler&& handler) {
  stream.async_shutdown(std::forward<TeardownHandler>(handler));
}
}  // namespace boost::beast

namespace marketsim::http::connection {

namespace websocket = boost::beast::websocket;

// The transport's ws_peer: an API key pair goes through the middleware's `before` (the auth
// guard) as a GET of the upgrade's path carrying APCA-API-KEY-ID / APCA-API-SECRET-KEY would,
// on a route that takes API keys and needs a player. connection.cpp.
class ws_key_check final : public ws_peer {
 public:
  ws_key_check(const middleware& m, const request_context& upgrade) : m_(m), upgrade_(upgrade) {}
  [[nodiscard]] asio::awaitable<ws_auth> authenticate(std::string key_id,
                                                      std::string secret) override;
  [[nodiscard]] const std::string& client_address() const override {
    return upgrade_.client_address;
  }

 private:
  const middleware& m_;
  const request_context& upgrade_;
};

// Runs the WebSocket side of an upgrade request already read (and routed to `app`). `cancellable`
// is set while the connection waits unauthenticated for a message: shutdown then cancels the
// socket (the connection has nothing to say goodbye with). Returns the bytes of frames sent.
template <class Stream>
asio::awaitable<std::size_t> run_websocket(Stream& stream, bhttp::request<bhttp::string_body>& req,
                                           ws_application& app, const ws_settings& settings,
                                           ws_peer& peer, bool& cancellable) {
  using channel = asio::experimental::channel<void(boost::system::error_code)>;
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;

  websocket::stream<Stream&> ws(stream);
  // Beast's websocket timeouts replace the TCP stream's (both at once would race).
  beast::get_lowest_layer(stream).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = write_timeout;
  timeouts.idle_timeout = settings.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(settings.max_message);
  ws.binary(app.binary());
  auto [aec] = co_await ws.async_accept(req, use_tuple);
  if (aec) co_return 0;

  struct shared_state {
    std::deque<std::string> out;
    std::optional<std::uint16_t> close;
    bool reader_done = false, writer_done = false, hub_ready = false;
    std::size_t bytes = 0;
  } st;
  channel wake(ex, 1);       // the writer: something to send
  channel pump_wake(ex, 1);  // the pump: a subscriber appeared, or the end
  asio::steady_timer deadline_timer(ex);

  auto queue = [&](ws_reply r) {
    for (auto& f : r.frames) st.out.push_back(std::move(f));
    if (r.close && !st.close) st.close = r.close;
    (void)wake.try_send(boost::system::error_code{});
  };
  // An application that throws ends its connection with 1011, not the io thread.
  auto internal_error = [&] {
    if (!st.close) st.close = static_cast<std::uint16_t>(websocket::close_code::internal_error);
    (void)wake.try_send(boost::system::error_code{});
  };
  auto end_others = [&] {
    (void)wake.try_send(boost::system::error_code{});
    (void)pump_wake.try_send(boost::system::error_code{});
    if (auto sub = app.subscriber()) sub->close();  // wakes the pump if it waits there
    deadline_timer.cancel();
  };

  auto reader = [&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    while (!st.close && !st.writer_done) {
      cancellable = !app.authenticated();
      auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
      cancellable = false;
      if (ec) break;
      std::string data = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      try {
        queue(co_await app.message(std::move(data), ws.got_binary(), peer));
      } catch (const std::exception&) {
        internal_error();
      }
      if (app.subscriber()) (void)pump_wake.try_send(boost::system::error_code{});
    }
    st.reader_done = true;
    end_others();
  };

  auto writer = [&]() -> asio::awaitable<void> {
    bool failed = false;
    for (;;) {
      for (;;) {
        std::vector<std::string> frames(std::make_move_iterator(st.out.begin()),
                                        std::make_move_iterator(st.out.end()));
        st.out.clear();
        if (st.hub_ready && !st.close) {
          st.hub_ready = false;
          if (auto sub = app.subscriber()) {
            auto batch = sub->take();
            const bool closed = batch.closed;
            try {
              auto r = app.events(std::move(batch));
              for (auto& f : r.frames) frames.push_back(std::move(f));
              if (r.close && !st.close) st.close = r.close;
            } catch (const std::exception&) {
              internal_error();
            }
            if (closed && !st.close)
              st.close = static_cast<std::uint16_t>(websocket::close_code::going_away);
          }
        }
        if (frames.empty()) break;
        for (const auto& f : frames) {
          auto [wec, wn] = co_await ws.async_write(asio::buffer(f), use_tuple);
          if (wec) {
            failed = true;
            break;
          }
          st.bytes += wn;
        }
        if (failed) break;
      }
      if (failed) break;
      if (st.close) {
        auto [cec] = co_await ws.async_close(websocket::close_reason(*st.close), use_tuple);
        failed = static_cast<bool>(cec);
        break;
      }
      if (st.reader_done) break;  // the client went (or closed): nothing more to say
      auto [rec] = co_await wake.async_receive(use_tuple);
      if (rec) break;
    }
    st.writer_done = true;
    // A failed write leaves the reader waiting on a stream nobody will answer on.
    if (failed) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream).socket().cancel(ignored);
    }
    end_others();
  };

  auto pump = [&]() -> asio::awaitable<void> {
    while (!st.reader_done && !st.writer_done) {
      auto sub = app.subscriber();
      auto [ec] = sub ? co_await sub->signal().async_receive(use_tuple)
                      : co_await pump_wake.async_receive(use_tuple);
      if (ec) break;
      if (sub) {
        st.hub_ready = true;
        (void)wake.try_send(boost::system::error_code{});
      }
    }
  };

  auto deadline = [&]() -> asio::awaitable<void> {
    deadline_timer.expires_after(settings.auth_timeout);
    auto [ec] = co_await deadline_timer.async_wait(use_tuple);
    if (ec || app.authenticated() || st.reader_done || st.writer_done || st.close) co_return;
    queue(app.auth_timed_out());
  };

  try {
    queue(app.opened());
  } catch (const std::exception&) {
    internal_error();
  }
  co_await (reader() && writer() && pump() && deadline());
  co_return st.bytes;
}

}  // namespace marketsim::http::connection
