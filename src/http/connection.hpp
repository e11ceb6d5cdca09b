// One connection's life, private to the http module: the request loop (server::serve) shared by
// plain connections (plain_session.cpp), TLS ones (tls_session.cpp) and in-memory ones
// (memory_session.cpp), each of which instantiates it for its own stream type, so the three
// compile in parallel; the Server-Sent Events writer; the answer to a connection beyond the
// limit; and the answer headers (connection.cpp). Everything here runs on an io thread inside
// a connection's strand; nothing blocks: database work is delegated to db::pool by handlers.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "answer_head.hpp"
#include "deadline_watch.hpp"
#include "marketsim/core/log.hpp"
#include "marketsim/core/url.hpp"
#include "marketsim/http/memory_stream.hpp"
#include "marketsim/http/server.hpp"
#include "marketsim/sse/event.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::http::connection {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

inline constexpr std::chrono::seconds write_timeout{10};

// Harmless endings of a connection are not worth a log line.
[[nodiscard]] bool is_quiet(const boost::system::error_code& ec);

// What a client whose request could not be read is told; nullopt when the connection simply
// ended (closed, timed out) and there is nobody to tell.
[[nodiscard]] std::optional<error> read_failure(const boost::system::error_code& ec,
                                                std::size_t body_limit);

void add_security_headers(bhttp::fields& f, bool tls);

// What every answer carries, streams included: the request id, the security headers, the
// handler's and the middleware's own headers (a rotated session cookie) and a cache policy.
void set_answer_headers(bhttp::fields& f, const response& r, const request_context& ctx, bool tls);

// The answer of a connection beyond max_connections, ready to write.
[[nodiscard]] bhttp::response<bhttp::string_body> server_full_answer(bool tls);

// Writes a stream's events until it closes or the client goes; returns the bytes written.
// Events are written straight from the frames they share with the hub (a gather write, no
// copy), one batch at a time; a replay arrives in batches of about hub::replay_chunk_bytes.
template <class Stream>
asio::awaitable<std::size_t> write_events(Stream& stream, sse::subscriber& sub) {
  static const std::string retry = "retry: 2000\n\n";
  static const std::string reset = sse::format_frame("reset", R"({"reason":"too_far_behind"})");
  static const std::string heartbeat = sse::heartbeat_frame();
  auto& tcp_layer = beast::get_lowest_layer(stream);
  std::vector<asio::const_buffer> pieces{asio::buffer(retry)};
  std::vector<sse::event> events;  // owns what pieces point into until written
  std::size_t total = 0;
  for (bool closed = false;;) {
    if (!pieces.empty()) {
      const std::size_t size = asio::buffer_size(pieces);
      std::size_t done = 0;
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        // A batch nearly always fits in the socket's buffer: write it now, without an
        // operation, a timer or a completion through the executor (the fan-out's main cost
        // per event); only what the socket did not take waits for it, timed.
        auto& sock = stream.socket();
        boost::system::error_code ec;
        if (!sock.non_blocking()) sock.non_blocking(true, ec);
        done = sock.write_some(pieces, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          ec = {};
          done = 0;
        }
        if (ec) break;
        total += done;
      }
      if (done < size) {
        beast::buffers_suffix<std::vector<asio::const_buffer>> rest(pieces);
        rest.consume(done);
        tcp_layer.expires_after(write_timeout);
        auto [wec, wn] = co_await asio::async_write(stream, rest, use_tuple);
        total += wn;
        // A client that stops reading hits the write timeout and is dropped; its queue stayed
        // bounded meanwhile by coalescing, and its replay waits in the ring.
        if (wec) break;
      }
    }
    if (closed) break;
    pieces.clear();
    events.clear();  // frames the ring has dropped since are freed now, not at the next batch
    auto [rec] = co_await sub.signal().async_receive(use_tuple);
    if (rec) break;
    auto batch = sub.take();
    events = std::move(batch.events);
    if (batch.reset) pieces.push_back(asio::buffer(reset));
    for (const auto& e : events) pieces.push_back(asio::buffer(*e.frame));
    if (batch.heartbeat && pieces.empty()) pieces.push_back(asio::buffer(heartbeat));
    closed = batch.closed;
  }
  co_return total;
}

// A request that became a Server-Sent Events stream: the head (the same headers as any other
// answer, a rotated session cookie above all, written by Beast; the body is open-ended, so the
// connection closes after it), then the events until the stream closes or the client goes.
// Returns the bytes written.
template <class Stream>
asio::awaitable<std::size_t> write_event_stream(Stream& stream, const response& r,
                                                const request_context& ctx, bool tls,
                                                unsigned version) {
  boost::system::error_code ec;
  std::size_t total = 0;
  {
    // The head's fields are freed once written, not kept for the stream's life.
    bhttp::response<bhttp::empty_body> head{bhttp::status::ok, version};
    set_answer_headers(head, r, ctx, tls);
    head.set(bhttp::field::content_type, "text/event-stream");
    head.set("X-Accel-Buffering", "no");
    head.keep_alive(false);
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    beast::get_lowest_layer(stream).expires_after(write_timeout);
    std::tie(ec, total) = co_await bhttp::async_write_header(stream, serializer, use_tuple);
  }
  if (!ec) total += co_await write_events(stream, *r.stream);
  co_return total;
}

// Writes an ordinary answer's head and body to a plain socket now, without suspending, as far
// as the socket takes them (nearly always whole); `answer` is left holding what it did not take.
// True when nothing is left to write, or when the socket failed (ec says so).
inline bool write_now(tcp::socket& socket, std::array<asio::const_buffer, 2>& answer,
                      boost::system::error_code& ec) {
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  const std::size_t sent = ec ? 0 : socket.write_some(answer, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec || sent == answer[0].size() + answer[1].size()) return true;
  const std::size_t from_head = std::min(sent, answer[0].size());
  answer[0] += from_head;
  answer[1] += sent - from_head;
  return false;
}

// Feeds the parser what the buffer holds and consumes what it used. ec is set when the request
// cannot be read (a parse error, or a Content-Length over body_limit, refused as soon as the
// header is complete); need_more is not an error. True when the request is complete.
template <class Parser>
bool parse_buffered(Parser& parser, beast::flat_buffer& buffer, std::size_t body_limit,
                    bool& length_checked, boost::system::error_code& ec) {
  while (buffer.size() > 0) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more)
      ec = {};
    else if (ec)
      return false;
    // Only a complete header may be asked its length (Beast asserts it; found by fuzzing).
    if (!length_checked && parser.is_header_done()) {
      length_checked = true;
      if (auto length = parser.content_length(); length && *length > body_limit) {
        ec = bhttp::error::body_limit;
        return false;
      }
    }
    if (parser.is_done()) return true;
    if (used == 0) break;  // what is left is not enough to go on: read more
  }
  return false;
}

// The answer of a connection beyond max_connections: small, then a short lingering close so
// the client reads it rather than a reset. Bounded in time and bytes: an overloaded server
// owes a refused client little.
template <class Stream>
asio::awaitable<void> answer_server_full(Stream& stream, bool tls) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  auto res = server_full_answer(tls);
  tcp_layer.expires_after(std::chrono::seconds(2));
  auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
  if (ec) co_return;
  boost::system::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
  tcp_layer.expires_after(std::chrono::seconds(1));
  char sink[4096];
  for (std::size_t discarded = 0; discarded < (std::size_t{64} << 10);) {
    auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
    if (rec) break;
    discarded += rn;
  }
}

}  // namespace marketsim::http::connection

#include "websocket_session.hpp"

namespace marketsim::http {

template <class Stream>
boost::asio::awaitable<void> server::serve(Stream& stream, std::string remote) {
  using namespace connection;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  constexpr bool in_memory = std::is_same_v<std::decay_t<decltype(tcp_layer)>, memory_stream>;
  // What the request loop reads from and writes to: a plain connection's socket itself, since
  // the loop times its I/O with its own deadline and Beast's stream would only add its timer
  // checks and bookkeeping to each operation; a TLS or in-memory stream as it is.
  auto& io = [&]() -> auto& {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>)
      return stream.socket();
    else
      return stream;
  }();
  constexpr std::size_t read_chunk = 16384;  // a request's further reads, once it has begun
  beast::flat_buffer buffer;

  // While this connection waits for its next request, shutdown may end the wait: the end is
  // posted to the connection's strand and cancels the read only if it is still that wait.
  struct idle_state {
    bool waiting = false;
    std::function<void()> cancel;
  };
  auto idle = std::make_shared<idle_state>();
  std::optional<std::uint64_t> idle_id;
  if constexpr (!in_memory) {
    idle->cancel = [&tcp_layer] {
      boost::system::error_code ignored;
      tcp_layer.socket().cancel(ignored);
    };
    auto ex = co_await asio::this_coro::executor;
    std::lock_guard lock(idle_->mutex);
    idle_id = idle_->next++;
    idle_->end.emplace(*idle_id, [ex, weak = std::weak_ptr(idle)] {
      asio::post(ex, [weak] {
        if (auto state = weak.lock(); state && state->waiting) state->cancel();
      });
    });
  }
  // The request loop's own timeouts (idle, read, write) are one deadline per connection
  // (deadline_watch.hpp); streams and WebSockets time their I/O with the stream's own timers.
  std::optional<deadline_watch> deadline;
  if constexpr (!in_memory) {
    const std::chrono::steady_clock::duration shortest =
        std::min({std::chrono::steady_clock::duration(settings_.idle_timeout),
                  std::chrono::steady_clock::duration(settings_.read_timeout),
                  std::chrono::steady_clock::duration(write_timeout)});
    deadline.emplace(co_await asio::this_coro::executor, shortest, [&tcp_layer] {
      boost::system::error_code ignored;
      tcp_layer.socket().cancel(ignored);
    });
  }
  using clock = std::chrono::steady_clock;
  auto deadline_at = [&deadline](clock::time_point t) {
    if (deadline) deadline->expires_at(t);
  };
  // The clock is read three times a request (begun, answered, written), and each reading
  // serves every deadline and duration that follows it.
  clock::time_point last_written = clock::now();
  std::string head_text;  // an ordinary answer's status line and headers, reused by each request

  struct forget_idle {
    std::shared_ptr<idle_waits> waits;
    std::optional<std::uint64_t> id;
    ~forget_idle() {
      if (!id) return;
      std::lock_guard lock(waits->mutex);
      waits->end.erase(*id);
    }
  } forget{idle_, idle_id};

  auto send_error_and_close = [&](errc code, std::string message) -> asio::awaitable<void> {
    deadline.reset();  // timed by the stream from here on
    auto rid = choose_request_id("");
    auto r = error_response({code, std::move(message)}, rid);
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
    res.set(bhttp::field::content_type, r.content_type);
    res.set("X-Request-Id", rid);
    res.set(bhttp::field::cache_control, "no-store");
    add_security_headers(res, tls_ != nullptr);
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    tcp_layer.expires_after(write_timeout);
    co_await bhttp::async_write(stream, res, use_tuple);
    log_access({.request_id = rid,
                .status = r.status,
                .bytes = res.body().size(),
                .error = code_name(code)});
    // Lingering close: a client still sending its body would get a reset (and lose this
    // answer) if we closed at once, so stop sending and discard its input for a short while.
    boost::system::error_code ignored;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::size_t discarded = 0;
    char sink[8192];
    while (discarded < (std::size_t{8} << 20)) {
      tcp_layer.expires_after(std::chrono::milliseconds(500));
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      if (ec) break;
      discarded += n;
    }
  };

  // Pipelined requests already in the buffer are served without waiting for the socket, and
  // an answer the socket takes at once is written without waiting either: every so many such
  // requests the connection yields, so one client's pipeline cannot hold the io thread.
  unsigned served_without_waiting = 0;
  for (;;) {
    if (buffer.size() != 0 && ++served_without_waiting % 16 == 0)
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    if (buffer.size() == 0) {
      served_without_waiting = 0;
      // Idle keep-alive: the next request must start within the idle timeout.
      if (stopping_) break;
      deadline_at(last_written + settings_.idle_timeout);
      idle->waiting = true;
      auto [ec, n] = co_await io.async_read_some(buffer.prepare(4096), use_tuple);
      idle->waiting = false;
      if (ec) break;
      buffer.commit(n);
    }
    // The whole request must arrive within the read timeout (drops slow-loris clients).
    const auto started = clock::now();
    deadline_at(started + settings_.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings_.header_limit));
    parser.body_limit(settings_.body_limit);
    parser.eager(true);
    // The parser is fed from the buffer here rather than by Beast's async_read_header and
    // async_read: a request that came in one read (nearly all) is parsed without another
    // operation, where those two would each post their completion through the executor.
    boost::system::error_code ec;
    for (bool length_checked = false;;) {
      if (parse_buffered(parser, buffer, settings_.body_limit, length_checked, ec) || ec) break;
      auto [rec, n] = co_await io.async_read_some(buffer.prepare(read_chunk), use_tuple);
      if (rec) {
        // As Beast's read says it: the stream ended inside a request, or between requests.
        if (rec == asio::error::eof)
          ec = parser.got_some() ? bhttp::error::partial_message : bhttp::error::end_of_stream;
        else
          ec = rec;
        break;
      }
      buffer.commit(n);
    }
    if (ec) {
      if (auto answer = read_failure(ec, settings_.body_limit))
        co_await send_error_and_close(answer->code, std::move(answer->message));
      break;
    }

    ++active_requests_;
    auto& req = parser.get();
    request_context ctx;
    ctx.started = started;
    ctx.method = std::string(req.method_string());
    std::string_view target = req.target();
    auto qmark = target.find('?');
    // '+' in a path is a plus; only a query string's form encoding makes it a space.
    ctx.path = percent_decode(target.substr(0, qmark));
    std::string_view query = qmark == std::string_view::npos ? "" : target.substr(qmark + 1);
    ctx.raw_query = std::string(query);
    ctx.query = parse_query(query);
    ctx.headers = &req.base();
    ctx.body = std::move(req.body());
    ctx.request_id = choose_request_id(find_header(req, "X-Request-Id").value_or(""));
    ctx.remote_address = remote;
    ctx.client_address = client_address(remote, find_header(req, "X-Forwarded-For").value_or(""),
                                        settings_.trusted_proxies);

    // A WebSocket upgrade to a WebSocket path (websocket.hpp); any other request to those paths
    // is routed as before. Not over the in-memory stream (no socket to hand over).
    std::unique_ptr<ws_application> ws_app;
    std::optional<response> ws_refusal;
    if constexpr (!in_memory) {
      if (websockets_ && req.method() == bhttp::verb::get && websocket::is_upgrade(req)) {
        if (auto it = websockets_->routes.find(ctx.path); it != websockets_->routes.end()) {
          ctx.route = &it->first;
          if (middleware_.screen) ws_refusal = middleware_.screen(ctx);
          if (!ws_refusal && stopping_) {
            ws_refusal = with_retry_after(
                error_response({errc::unavailable, "the server is shutting down"}, ctx.request_id),
                std::chrono::seconds(5));
          } else if (!ws_refusal) {
            auto opened = it->second(ctx);
            if (opened)
              ws_app = std::move(*opened);
            else
              ws_refusal = with_retry_after(error_response(opened.error(), ctx.request_id),
                                            std::chrono::seconds(5));
          }
        }
      }
    }
    if constexpr (!in_memory) {
      if (ws_app) {
        // Unlike an SSE stream, a WebSocket stays counted as a request in flight until it has
        // ended: a shutdown's drain then waits for each to write its close frame (1001), which
        // the io_context stopping would otherwise cut off (the client would see 1006).
        struct ended_at_exit {
          server& self;
          ~ended_at_exit() { self.request_ended(); }
        } counted{*this};
        deadline.reset();  // the WebSocket times itself; its watcher and timer go now
        log_access({ctx.request_id, ctx.method, ctx.path, 101, 0, -1, "stream-open"});
        if (middleware_.observe) middleware_.observe(ctx, 101, -1);
        ws_key_check peer(middleware_, ctx);
        std::size_t total = 0;
        // Not a scope guard: a frame destroyed unfinished (the io_context torn down at exit)
        // must not call into the hub, which may be gone by then.
        try {
          total = co_await run_websocket(stream, req, *ws_app, websockets_->settings, peer,
                                         idle->waiting);
        } catch (...) {
          ws_app->ended();  // whatever ends it gives its hub slot back
          throw;
        }
        ws_app->ended();
        log_access(
            {ctx.request_id, ctx.method, ctx.path, 101, total,
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                 .count(),
             "stream-closed"});
        break;
      }
    }

    response r = ws_refusal ? std::move(*ws_refusal) : co_await dispatch(ctx);
    for (auto& h : ctx.response_headers) r.headers.push_back(std::move(h));
    if (middleware_.after) middleware_.after(ctx, r);

    if (r.stream) {
      // A stream's writes are timed by the stream; its watcher and timer are freed now rather
      // than kept for the stream's life (an idle stream's memory is counted in bytes).
      deadline.reset();
      request_ended();
      // A stream never reads again: give back the read buffer (most of an idle stream's memory).
      buffer.clear();
      buffer.shrink_to_fit();
      log_access({ctx.request_id, ctx.method, ctx.path, 200, 0, -1, "stream-open"});
      if (middleware_.observe) middleware_.observe(ctx, 200, -1);
      // Nor is the request kept: its fields and body are an idle stream's largest remains.
      const unsigned version = req.version();
      ctx.headers = nullptr;
      { auto request_gone = parser.release(); }
      std::size_t total = 0;
      // Whatever ends a stream, an exception too, gives its slots back; but not as a scope
      // guard: a frame destroyed unfinished (the io_context torn down at exit) must not call
      // into the hub, which may be gone by then.
      try {
        total = co_await write_event_stream(stream, r, ctx, tls_ != nullptr, version);
      } catch (...) {
        if (r.on_stream_end) r.on_stream_end();
        throw;
      }
      if (r.on_stream_end) r.on_stream_end();
      log_access(
          {ctx.request_id, ctx.method, ctx.path, 200, total,
           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
               .count(),
           "stream-closed"});
      break;
    }

    // The status line and headers by hand, then one gather write of them and the body
    // (answer_head.hpp): a shared body (a cached list, a page) is sent without a copy.
    bool keep_alive = req.keep_alive() && !stopping_;
    std::string_view body = answer_body(r);
    std::size_t body_size = body.size();
    write_answer_head(head_text, r, ctx, tls_ != nullptr, req.version(), keep_alive, body_size);
    if (ctx.method == "HEAD") body = {};
    deadline_at(clock::now() + write_timeout);
    std::array<asio::const_buffer, 2> answer{asio::buffer(head_text), asio::buffer(body)};
    boost::system::error_code wec;
    bool written = false;
    // On a plain socket, the answer is tried at once; only what the socket did not take waits.
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) written = write_now(io, answer, wec);
    if (!written) std::tie(wec, std::ignore) = co_await asio::async_write(io, answer, use_tuple);
    request_ended();
    last_written = clock::now();
    double ms = std::chrono::duration<double, std::milli>(last_written - started).count();
    log_access({ctx.request_id, ctx.method, ctx.path, r.status, body_size, ms});
    if (middleware_.observe) middleware_.observe(ctx, r.status, ms / 1000);
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace marketsim::http
