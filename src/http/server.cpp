// HTTP sessions (see server.hpp). Every function here runs on an io thread inside a
// connection's strand; nothing blocks: database work is delegated to db::pool by handlers.
#include "marketsim/http/server.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "marketsim/core/log.hpp"
#include "marketsim/core/scrub.hpp"
#include "marketsim/core/url.hpp"
#include "marketsim/http/memory_stream.hpp"
#include "marketsim/sse/event.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::chrono::seconds write_timeout{10};

// Harmless endings of a connection are not worth a log line.
bool is_quiet(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == beast::error::timeout ||
         ec == bhttp::error::end_of_stream || ec == asio::error::broken_pipe;
}

// What a client whose request could not be read is told; nullopt when the connection simply
// ended (closed, timed out) and there is nobody to tell.
std::optional<error> read_failure(const boost::system::error_code& ec, std::size_t body_limit) {
  // Beast reports a too-large Content-Length as soon as the header is complete.
  if (ec == bhttp::error::body_limit)
    return error{errc::payload_too_large,
                 fmt::format("request body is larger than {} bytes", body_limit)};
  if (ec == bhttp::error::header_limit)
    return error{errc::headers_too_large, "request headers are too large"};
  if (is_quiet(ec)) return std::nullopt;
  return error{errc::bad_request, "malformed HTTP request"};
}

void add_security_headers(bhttp::fields& f, bool tls) {
  if (tls) f.set("Strict-Transport-Security", "max-age=31536000");
  f.set("X-Content-Type-Options", "nosniff");
  f.set("X-Frame-Options", "DENY");
  f.set("Referrer-Policy", "strict-origin-when-cross-origin");
  f.set("Cross-Origin-Opener-Policy", "same-origin");
  f.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  // Pages replace this with their own policy (inline scripts by hash, see static_site); API
  // answers and assets are never meant to run anything.
  f.set("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
}

// What every answer carries, streams included: the request id, the security headers, the
// handler's and the middleware's own headers (a rotated session cookie) and a cache policy.
void set_answer_headers(bhttp::fields& f, const response& r, const request_context& ctx, bool tls) {
  f.set(bhttp::field::content_type, r.content_type);
  f.set("X-Request-Id", ctx.request_id);
  add_security_headers(f, tls);
  // A signed-in answer is private: no cache keeps it, whatever the handler said.
  bool private_answer = ctx.principal != nullptr;
  bool has_cache_control = false;
  for (const auto& [name, value] : r.headers) {
    if (beast::iequals(name, "Cache-Control")) {
      if (private_answer) continue;
      has_cache_control = true;
    }
    // A handler's own policy replaces the default one (two policies would both apply).
    if (beast::iequals(name, "Content-Security-Policy"))
      f.set(name, value);
    else
      f.insert(name, value);
  }
  if (!has_cache_control) f.set(bhttp::field::cache_control, "no-store");
}

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
      tcp_layer.expires_after(write_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, pieces, use_tuple);
      total += wn;
      // A client that stops reading hits the write timeout and is dropped; its queue stayed
      // bounded meanwhile by coalescing, and its replay waits in the ring.
      if (wec) break;
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

// The answer of a connection beyond max_connections: small, then a short lingering close so
// the client reads it rather than a reset. Bounded in time and bytes: an overloaded server
// owes a refused client little.
template <class Stream>
asio::awaitable<void> answer_server_full(Stream& stream, bool tls) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  auto rid = choose_request_id("");
  auto r = with_retry_after(
      error_response({errc::too_many_connections, "the server is full; retry later"}, rid),
      std::chrono::seconds(5));
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
  request_context ctx;
  ctx.request_id = rid;
  set_answer_headers(res, r, ctx, tls);
  res.keep_alive(false);
  res.body() = std::move(r.body);
  res.prepare_payload();
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

}  // namespace

std::string choose_request_id(std::string_view supplied) {
  if (is_plain_request_id(supplied)) return std::string(supplied);
  // Request ids must be unique, not secret: a per-thread random seed and a splitmix64 sequence
  // avoid a getrandom system call on every request.
  thread_local std::uint64_t state = [] {
    std::uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    return seed;
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return fmt::format("{:016x}", z);
}

server::server(asio::io_context& ioc, server_settings settings, router routes, static_site site)
    : ioc_(ioc),
      settings_(std::move(settings)),
      routes_(std::move(routes)),
      site_(std::move(site)),
      acceptor_(ioc) {}

result<void> server::enable_tls(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  // TLS 1.2 and 1.3 only.
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return fail(errc::config_malformed, "MARKETSIM_TLS_CERT: " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec)
    return fail(errc::config_malformed, "MARKETSIM_TLS_KEY: " + key_file + ": " + ec.message());
  tls_ = std::move(ctx);
  return {};
}

void server::redirect_to(std::uint16_t tls_port) {
  redirect_only_ = true;
  tls_port_ = tls_port;
}

result<std::uint16_t> server::listen(std::optional<std::uint16_t> port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(settings_.bind_address, ec);
  if (ec)
    return fail(errc::config_malformed, "MARKETSIM_BIND: not an IP address: " + settings_.bind_address);
  tcp::endpoint endpoint(address, port.value_or(settings_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(errc::io_error, fmt::format("cannot listen on {}:{}: {}", settings_.bind_address,
                                            settings_.port, ec.message()));
  auto bound = acceptor_.local_endpoint().port();
  if (!settings_.port_file.empty() && !redirect_only_) {
    std::ofstream(settings_.port_file) << bound << '\n';
  }
  return bound;
}

void server::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void server::stop_accepting() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  // Idle keep-alive connections would otherwise sit out their idle timeout.
  std::vector<std::function<void()>> ends;
  {
    std::lock_guard lock(idle_->mutex);
    for (const auto& [id, end] : idle_->end) ends.push_back(end);
  }
  for (const auto& end : ends) end();
}

void server::request_ended() {
  if (--active_requests_ != 0 || !stopping_) return;
  std::lock_guard lock(drain_mutex_);
  if (wake_drain_) wake_drain_();
}

asio::awaitable<void> server::drain(std::chrono::milliseconds max_wait) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, max_wait);
  {
    std::lock_guard lock(drain_mutex_);
    // An expiry in the past also completes a wait that starts after the wake.
    wake_drain_ = [ex, weak = std::weak_ptr(timer)] {
      asio::post(ex, [weak] {
        if (auto t = weak.lock()) t->expires_at(asio::steady_timer::time_point::min());
      });
    };
  }
  // Registered first, so a request ending between the two is never missed.
  if (active_requests_.load() > 0) co_await timer->async_wait(use_tuple);
  std::lock_guard lock(drain_mutex_);
  wake_drain_ = nullptr;
}

asio::awaitable<void> server::accept_loop() {
  // Refusals in flight beyond this are closed without an answer (a flood gets nothing).
  constexpr std::size_t max_refusing = 256;
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_tuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      // Out of file descriptors the same error comes back at once: pause instead of spinning.
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    // Every connection counts, not only streams: idle keep-alives and slow requests hold
    // memory and a descriptor too.
    if (counts_->open.load() >= settings_.max_connections) {
      if (!full_logged_)
        spdlog::warn("http: {} connections open (MARKETSIM_MAX_CONNECTIONS): refusing new ones",
                     settings_.max_connections);
      full_logged_ = true;
      if (counts_->refusing.load() < max_refusing) {
        counted_slot slot(std::shared_ptr<std::atomic<std::size_t>>(counts_, &counts_->refusing));
        asio::co_spawn(socket.get_executor(), refuse(std::move(socket), std::move(slot)),
                       asio::detached);
      }
      continue;
    }
    full_logged_ = false;
    counted_slot slot(std::shared_ptr<std::atomic<std::size_t>>(counts_, &counts_->open));
    asio::co_spawn(socket.get_executor(), session(std::move(socket), std::move(slot)),
                   asio::detached);
  }
}

asio::awaitable<void> server::refuse(tcp::socket socket, counted_slot) {
  if (!tls_ || redirect_only_) {
    beast::tcp_stream stream(std::move(socket));
    co_await answer_server_full(stream, false);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (!hec) co_await answer_server_full(stream, true);
}

asio::awaitable<response> server::dispatch(request_context& ctx) {
  if (middleware_.screen)
    if (auto stop = middleware_.screen(ctx)) co_return std::move(*stop);
  auto found = routes_.find(ctx.method, ctx.path);
  if (auto* m = std::get_if<router::match>(&found)) {
    ctx.params = std::move(m->params);
    std::string what;
    try {
      if (middleware_.before)
        if (auto stop = co_await middleware_.before(ctx, *m->handler)) co_return std::move(*stop);
      co_return co_await m->handler->fn(ctx);
    } catch (const std::exception& e) {
      what = e.what();
    }
    // Exception texts may quote input: scrubbed like everything else that is kept.
    what = scrub_text(what);
    spdlog::error("http: unhandled exception in {} {} rid={}: {}", ctx.method, ctx.path,
                  ctx.request_id, what);
    auto r = error_response({errc::internal, "internal error"}, ctx.request_id);
    r.diagnostic = "unhandled exception: " + what;
    co_return r;
  }
  if (auto* na = std::get_if<router::method_not_allowed>(&found)) {
    auto r = error_response(
        {errc::method_not_allowed, ctx.method + " is not allowed on " + ctx.path}, ctx.request_id);
    r.headers.emplace_back("Allow", na->allow);
    co_return r;
  }
  bool api_path =
      ctx.path.starts_with("/api/") || ctx.path == "/api" || ctx.path.starts_with("/v2/");
  if (!api_path) {
    if (ctx.method != "GET" && ctx.method != "HEAD") {
      auto r =
          error_response({errc::method_not_allowed, ctx.method + " is not allowed on " + ctx.path},
                         ctx.request_id);
      r.headers.emplace_back("Allow", "GET, HEAD");
      co_return r;
    }
    if (auto page = site_.serve(ctx.path, ctx.raw_query)) co_return std::move(*page);
    if (auto page = site_.not_found_page()) co_return std::move(*page);
  }
  co_return error_response({errc::not_found, "no such resource: " + ctx.path}, ctx.request_id);
}

asio::awaitable<void> server::session(tcp::socket socket, counted_slot) {
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  if (redirect_only_) {
    beast::tcp_stream stream(std::move(socket));
    co_await redirect_to_https(stream);
    co_return;
  }
  if (!tls_) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, std::move(remote));
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  beast::get_lowest_layer(stream).expires_after(settings_.read_timeout);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (hec) {
    if (!is_quiet(hec)) spdlog::debug("tls: handshake with {} failed: {}", remote, hec.message());
    co_return;
  }
  co_await serve(stream, std::move(remote));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(use_tuple);
}

// Answers every request on the plain-HTTP port with a redirect to the same path over HTTPS.
asio::awaitable<void> server::redirect_to_https(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(settings_.read_timeout);
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings_.header_limit));
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    if (ec) break;
    auto& req = parser.get();
    std::string host(req[bhttp::field::host]);
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == host.npos)
      host.resize(colon);
    bool plain_host = !host.empty();
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'))
        plain_host = false;
    std::string location = plain_host ? "https://" + host : settings_.public_url;
    if (plain_host && tls_port_ != 443) location += ":" + std::to_string(tls_port_);
    location += std::string(req.target());
    bhttp::response<bhttp::string_body> res{bhttp::status::permanent_redirect, req.version()};
    res.set(bhttp::field::location, location);
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = "use HTTPS: " + location + "\n";
    res.prepare_payload();
    stream.expires_after(write_timeout);
    co_await bhttp::async_write(stream, res, use_tuple);
    break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

template <class Stream>
asio::awaitable<void> server::serve(Stream& stream, std::string remote) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;

  // While this connection waits for its next request, shutdown may end the wait: the end is
  // posted to the connection's strand and cancels the read only if it is still that wait.
  struct idle_state {
    bool waiting = false;
    std::function<void()> cancel;
  };
  auto idle = std::make_shared<idle_state>();
  std::optional<std::uint64_t> idle_id;
  if constexpr (!std::is_same_v<std::decay_t<decltype(tcp_layer)>, memory_stream>) {
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

  for (;;) {
    if (buffer.size() == 0) {
      // Idle keep-alive: the next request must start within the idle timeout.
      if (stopping_) break;
      tcp_layer.expires_after(settings_.idle_timeout);
      idle->waiting = true;
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
      idle->waiting = false;
      if (ec) break;
      buffer.commit(n);
    }
    // The whole request must arrive within the read timeout (drops slow-loris clients).
    tcp_layer.expires_after(settings_.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(settings_.header_limit));
    parser.body_limit(settings_.body_limit);
    auto [ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    // Only a complete header may be asked its length (Beast asserts it; found by fuzzing).
    if (!ec)
      if (auto length = parser.content_length(); length && *length > settings_.body_limit)
        ec = bhttp::error::body_limit;
    if (!ec)
      std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (ec) {
      if (auto answer = read_failure(ec, settings_.body_limit))
        co_await send_error_and_close(answer->code, std::move(answer->message));
      break;
    }

    auto started = std::chrono::steady_clock::now();
    ++active_requests_;
    auto& req = parser.get();
    request_context ctx;
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
    ctx.request_id = choose_request_id(req["X-Request-Id"]);
    ctx.remote_address = remote;
    ctx.client_address = client_address(remote, req["X-Forwarded-For"], settings_.trusted_proxies);

    response r = co_await dispatch(ctx);
    for (auto& h : ctx.response_headers) r.headers.push_back(std::move(h));
    if (middleware_.after) middleware_.after(ctx, r);

    if (r.stream) {
      request_ended();
      // A stream never reads again: give back the read buffer (most of an idle stream's memory).
      buffer.clear();
      buffer.shrink_to_fit();
      log_access({ctx.request_id, ctx.method, ctx.path, 200, 0, -1, "stream-open"});
      // The same headers as any other answer (a rotated session cookie above all), written by
      // Beast; the body is open-ended, so the connection closes after it.
      bhttp::response<bhttp::empty_body> head{bhttp::status::ok, req.version()};
      set_answer_headers(head, r, ctx, tls_ != nullptr);
      head.set(bhttp::field::content_type, "text/event-stream");
      head.set("X-Accel-Buffering", "no");
      head.keep_alive(false);
      bhttp::response_serializer<bhttp::empty_body> serializer{head};
      tcp_layer.expires_after(write_timeout);
      auto [hec, total] = co_await bhttp::async_write_header(stream, serializer, use_tuple);
      if (!hec) {
        try {
          total += co_await write_events(stream, *r.stream);
        } catch (...) {
          // Whatever ends a stream gives its slots back.
          if (r.on_stream_end) r.on_stream_end();
          throw;
        }
      }
      if (r.on_stream_end) r.on_stream_end();
      log_access(
          {ctx.request_id, ctx.method, ctx.path, 200, total,
           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
               .count(),
           "stream-closed"});
      break;
    }

    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), req.version()};
    set_answer_headers(res, r, ctx, tls_ != nullptr);
    bool keep_alive = req.keep_alive() && !stopping_;
    res.keep_alive(keep_alive);
    std::size_t body_size = r.body.size();
    if (ctx.method == "HEAD") {
      res.content_length(body_size);
    } else {
      res.body() = std::move(r.body);
      res.prepare_payload();
    }
    tcp_layer.expires_after(write_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
    request_ended();
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    log_access({ctx.request_id, ctx.method, ctx.path, r.status, body_size, ms});
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> server::serve_memory(memory_stream& stream, std::string remote) {
  co_await serve(stream, std::move(remote));
}

}  // namespace marketsim::http
