// Live quotes from Stooq. The poll thread (started in create, joined in the destructor) runs a
// private io_context per request so that Beast's per-operation timeouts apply to an otherwise
// blocking client (the GET itself: quote_fetch.hpp); the feed loop only reads the quote map
// under the mutex.
#include "marketsim/market/http_provider.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "marketsim/market/catalog.hpp"
#include "quote_fetch.hpp"

namespace marketsim::market {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto max_backoff = std::chrono::milliseconds(60'000);

net::awaitable<result<std::string>> get(base_url url, std::string target,
                                        std::chrono::milliseconds timeout, net::ssl::context* tls) {
  tcp::resolver resolver(co_await net::this_coro::executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(url.host, url.port, quote_fetch::as_values);
  if (resolve_ec) {
    co_return fail(errc::unavailable,
                   fmt::format("resolve {}: {}", url.host, resolve_ec.message()));
  }
  if (!url.tls) co_return co_await quote_fetch::get_http(endpoints, url, target, timeout);
  co_return co_await quote_fetch::get_https(endpoints, url, target, timeout, *tls);
}

bool valid_symbol(std::string_view s) {
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '^' || c == '-';
  });
}

}  // namespace

struct http_provider::state {
  net::ssl::context tls{net::ssl::context::tls_client};
  net::io_context* running = nullptr;  // the request in flight, so the destructor can stop it
};

result<base_url> parse_base_url(std::string_view url) {
  base_url out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return fail(errc::config_malformed, fmt::format("base URL '{}' is not http(s)://", url));
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path_prefix = std::string(rest.substr(slash));
  while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    out.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    const bool numeric =
        !out.port.empty() && out.port.size() <= 5 &&
        std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) return fail(errc::config_malformed, fmt::format("bad port in '{}'", url));
  } else {
    out.port = out.tls ? "443" : "80";
  }
  if (authority.empty()) return fail(errc::config_malformed, fmt::format("no host in '{}'", url));
  out.host = std::string(authority);
  return out;
}

result<std::unique_ptr<http_provider>> http_provider::create(const market_settings& settings) {
  auto url = parse_base_url(settings.http_base_url);
  if (!url) return std::unexpected(url.error());
  if (settings.http_poll_interval.count() <= 0 || settings.http_timeout.count() <= 0) {
    return fail(errc::config_malformed, "http poll interval and timeout must be positive");
  }
  std::unique_ptr<http_provider> p(new http_provider());
  p->url_ = std::move(*url);
  p->poll_interval_ = settings.http_poll_interval;
  p->timeout_ = settings.http_timeout;
  for (const auto& profile : real_stock_profiles()) p->instruments_.push_back(profile.info);
  p->instruments_.push_back(index_profile().info);
  for (const std::string& raw : settings.http_symbols) {
    std::string symbol = raw;
    for (char& c : symbol) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!valid_symbol(symbol)) {
      return fail(errc::config_malformed, fmt::format("bad http symbol '{}'", raw));
    }
    const bool known = std::any_of(p->instruments_.begin(), p->instruments_.end(),
                                   [&](const instrument& i) { return i.symbol == symbol; });
    if (known) continue;
    const instrument_profile* profile = find_profile(symbol);
    p->instruments_.push_back(
        profile ? profile->info : instrument{symbol, symbol, "Unknown", instrument_kind::stock});
  }
  for (const instrument& i : p->instruments_) p->symbols_.push_back(i.symbol);
  p->target_ = stooq_target(p->url_.path_prefix, p->symbols_);
  p->state_ = std::make_unique<state>();
  boost::system::error_code ec;
  p->state_->tls.set_default_verify_paths(ec);
  if (ec) spdlog::warn("http provider: no default CA certificates: {}", ec.message());
  p->state_->tls.set_verify_mode(net::ssl::verify_peer, ec);
  p->thread_ = std::thread([raw = p.get()] { raw->run(); });
  return p;
}

http_provider::~http_provider() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (state_ && state_->running) state_->running->stop();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<price_e4> http_provider::previous_close(std::string_view) const {
  return std::nullopt;
}

std::optional<stooq_quote> http_provider::last_quote(std::string_view symbol) const {
  std::lock_guard lock(mutex_);
  auto it = latest_.find(symbol);
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

std::vector<tick> http_provider::next_batch(std::int64_t wall_ms) {
  std::vector<tick> out;
  std::lock_guard lock(mutex_);
  for (const std::string& symbol : symbols_) {
    auto now = latest_.find(symbol);
    if (now == latest_.end()) continue;
    const stooq_quote& q = now->second;
    auto before = reported_.find(symbol);
    std::int64_t volume = 0;
    if (before == reported_.end()) {
      volume = q.volume.value_or(0);  // the first quote carries the day's volume so far
    } else {
      const stooq_quote& b = before->second;
      if (b.close == q.close && b.volume == q.volume) continue;
      // Stooq reports the day's cumulative volume; it drops at a new session, which is no trade.
      if (q.volume && b.volume && *q.volume > *b.volume) volume = *q.volume - *b.volume;
    }
    out.push_back(tick{symbol, q.close, volume, wall_ms});
    reported_[symbol] = q;
  }
  return out;
}

result<std::string> http_provider::fetch() {
  std::optional<result<std::string>> outcome;  // outlives the io_context and its handlers
  net::io_context ioc;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return fail(errc::unavailable, "stopping");
    state_->running = &ioc;
  }
  net::co_spawn(ioc, get(url_, target_, timeout_, url_.tls ? &state_->tls : nullptr),
                [&outcome](std::exception_ptr e, result<std::string> r) {
                  if (e) {
                    outcome = fail(errc::internal, "HTTP client raised an exception");
                  } else {
                    outcome = std::move(r);
                  }
                });
  // Each operation has its own timeout; this bounds the name lookup, which has none.
  ioc.run_for(timeout_ * 4);
  {
    std::lock_guard lock(mutex_);
    state_->running = nullptr;
  }
  if (!outcome) return fail(errc::unavailable, "request timed out");
  return std::move(*outcome);
}

void http_provider::run() {
  int failures = 0;
  for (;;) {
    bool ok = false;
    try {
      auto body = fetch();
      if (!body) {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        spdlog::warn("http provider: {}{}: {}", url_.host, target_, body.error().message);
      } else if (auto batch = parse_stooq_csv(*body); !batch) {
        spdlog::warn("http provider: unusable answer: {}", batch.error().message);
      } else {
        ok = true;
        std::lock_guard lock(mutex_);
        for (stooq_quote& q : batch->quotes) {
          if (std::find(symbols_.begin(), symbols_.end(), q.symbol) == symbols_.end()) continue;
          latest_[q.symbol] = std::move(q);
        }
        if (!batch->unavailable.empty()) {
          spdlog::warn("http provider: no data (N/D) for {}, keeping the last quote",
                       fmt::join(batch->unavailable, ","));
        }
      }
    } catch (const std::exception& e) {
      // Only resource exhaustion gets here; the thread must survive it.
      spdlog::error("http provider: poll failed: {}", e.what());
    }
    std::chrono::milliseconds delay = poll_interval_;
    if (ok) {
      failures = 0;
      ++good_polls_;
    } else {
      ++failures;
      ++failed_polls_;
      for (int i = 0; i < failures && delay < max_backoff; ++i) delay *= 2;
      delay = std::max(poll_interval_, std::min(delay, max_backoff));
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
  }
}

}  // namespace marketsim::market
