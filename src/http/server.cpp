// The listener (see server.hpp): TLS setup, binding, the accept loop that hands each connection
// to a plain or TLS session (plain_session.cpp, tls_session.cpp; the request loop they share is
// connection.hpp), shutdown and draining, and the routing of one request (dispatch). The
// accept loop runs on the acceptor's executor, dispatch inside a connection's strand; drain on
// the caller's strand; stop_accepting from any thread.
#include "marketsim/http/server.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "marketsim/core/scrub.hpp"

namespace marketsim::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

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
  std::string id(16, '0');
  constexpr char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, z >>= 4) id[static_cast<std::size_t>(i)] = hex[z & 0xf];
  return id;
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
    return fail(errc::config_malformed,
                "MARKETSIM_BIND: not an IP address: " + settings_.bind_address);
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
  // A redirect-only listener speaks plain HTTP even when the server has a certificate.
  const bool tls_connections = tls_ && !redirect_only_;
  while (!stopping_) {
    // Each connection's own strand keeps its handlers apart on several io threads; one io
    // thread runs them one after the other anyway, and a strand would only add a lock and a
    // reference count to every completion.
    const asio::any_io_executor connection_executor =
        settings_.io_threads == 1 ? asio::any_io_executor(ioc_.get_executor())
                                  : asio::any_io_executor(asio::make_strand(ioc_));
    auto [ec, socket] = co_await acceptor_.async_accept(connection_executor, use_tuple);
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
        auto ex = socket.get_executor();
        if (tls_connections)
          asio::co_spawn(ex, refuse_tls(std::move(socket), std::move(slot)), asio::detached);
        else
          asio::co_spawn(ex, refuse_plain(std::move(socket), std::move(slot)), asio::detached);
      }
      continue;
    }
    full_logged_ = false;
    counted_slot slot(std::shared_ptr<std::atomic<std::size_t>>(counts_, &counts_->open));
    auto ex = socket.get_executor();
    if (tls_connections)
      asio::co_spawn(ex, tls_session(std::move(socket), std::move(slot)), asio::detached);
    else
      asio::co_spawn(ex, plain_session(std::move(socket), std::move(slot)), asio::detached);
  }
}

asio::awaitable<response> server::dispatch(request_context& ctx) {
  if (middleware_.screen)
    if (auto stop = middleware_.screen(ctx)) co_return std::move(*stop);
  auto found = routes_.find(ctx.method, ctx.path);
  if (auto* m = std::get_if<router::match>(&found)) {
    ctx.params = std::move(m->params);
    ctx.route = m->pattern;
    const in_flight_list::entry here(in_flight_, ctx.request_id, ctx.method, m->pattern,
                                     ctx.started);
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

}  // namespace marketsim::http
