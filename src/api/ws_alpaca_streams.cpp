// Alpaca's trading and market data WebSocket streams (see ws_alpaca_streams.hpp). A session lives
// on one connection's strand (io thread); the hub is shared and locks for itself.
#include "marketsim/api/ws_alpaca_streams.hpp"

#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <set>

#include "marketsim/api/ws_alpaca_protocol.hpp"

namespace marketsim::api {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

namespace ap = alpaca;

// What both streams share: the codec, the key check, the hub subscription.
class alpaca_session : public http::ws_application {
 public:
  alpaca_session(sse::hub& hub, ap::codec codec) : hub_(hub), codec_(codec) {}
  [[nodiscard]] bool authenticated() const override { return user_id_ != 0; }
  [[nodiscard]] std::shared_ptr<sse::subscriber> subscriber() const override { return sub_; }
  void ended() override {
    if (sub_) hub_.unsubscribe(sub_);
  }

 protected:
  [[nodiscard]] std::string frame(const json& j) const { return ap::encode(j, codec_); }

  // Checks the pair as the REST API would, then takes a hub slot for the player from this
  // address. The Alpaca code of the refusal, if any.
  asio::awaitable<std::optional<ap::code>> sign_in(const ap::client_message& m, http::ws_peer& peer,
                                                   std::set<std::string, std::less<>> filter) {
    // Header-safe and short, or not a key of ours: refused without a lookup, as a wrong key
    // would be after one (so it costs nothing of the address's budget).
    auto plain = [](const std::string& s) {
      return !s.empty() && s.size() <= 256 &&
             std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
    };
    if (!plain(m.key) || !plain(m.secret)) co_return ap::code::auth_failed;
    auto checked = co_await peer.authenticate(m.key, m.secret);
    if (!checked.who) {
      const auto code = checked.refused ? checked.refused->code : errc::unauthenticated;
      co_return code == errc::unavailable || code == errc::internal ? ap::code::internal_error
                                                                    : ap::code::auth_failed;
    }
    auto ex = co_await asio::this_coro::executor;
    auto sub = hub_.subscribe(ex, sse::subscription{std::move(filter), std::nullopt,
                                                    checked.who->user->id, peer.client_address(),
                                                    m.key});
    if (!sub) co_return ap::code::connection_limit_exceeded;
    sub_ = std::move(*sub);
    user_id_ = checked.who->user->id;
    co_return std::nullopt;
  }

  sse::hub& hub_;
  ap::codec codec_;
  std::int64_t user_id_ = 0;
  std::shared_ptr<sse::subscriber> sub_;
};

constexpr auto policy_close = static_cast<std::uint16_t>(1008);  // a protocol or budget error

// The market data stream: `[{"T":...}, ...]` arrays, one frame per reply or hub batch.
class data_session final : public alpaca_session {
 public:
  data_session(sse::hub& hub, ap::codec codec,
               std::shared_ptr<const alpaca_stream_settings> settings)
      : alpaca_session(hub, codec), settings_(std::move(settings)) {}

  [[nodiscard]] bool binary() const override { return codec_ == ap::codec::msgpack; }

  http::ws_reply opened() override { return reply({ap::success_message("connected")}); }

  asio::awaitable<http::ws_reply> message(std::string data, bool, http::ws_peer& peer) override {
    auto decoded = ap::decode_message(data, codec_);
    if (!decoded) co_return failure(ap::code::invalid_syntax);
    auto m = ap::parse_client_message(*decoded);
    if (!m || m->what == ap::client_message::kind::listen)
      co_return failure(ap::code::invalid_syntax);
    if (m->what == ap::client_message::kind::auth) {
      if (authenticated()) co_return reply({ap::error_message(ap::code::already_authenticated)});
      // Every symbol: the hub's filter is fixed at subscription, this one changes; the
      // session picks what the client subscribed to.
      if (auto refused = co_await sign_in(*m, peer, {})) co_return failure(*refused);
      co_return reply({ap::success_message("authenticated")});
    }
    if (!authenticated()) co_return reply({ap::error_message(ap::code::not_authenticated)});
    if (m->what == ap::client_message::kind::subscribe) {
      if (auto added = subs_.add(m->channels, settings_->max_symbols); !added)
        co_return failure(added.error());
    } else {
      subs_.remove(m->channels);
      // A bar resumed after a gap would span it: start the minutes over.
      if (!m->channels.bars.empty()) bars_ = {};
    }
    co_return reply({subs_.message()});
  }

  http::ws_reply auth_timed_out() override { return failure(ap::code::auth_timeout); }

  http::ws_reply events(sse::subscriber::batch batch) override {
    json out = json::array();
    for (const auto& e : batch.events) {
      if (e.each_delivered || e.everyone || !e.frame) continue;  // a player's own, the feed
      auto f = ap::read_frame(*e.frame);
      if (!f || f->name != "tick") continue;
      const bool trades = subs_.trades(e.symbol), quotes = subs_.quotes(e.symbol),
                 bars = subs_.bars(e.symbol);
      if (!trades && !quotes && !bars) continue;
      auto t = ap::parse_tick(f->data, e.id);
      if (!t) continue;
      if (trades) out.push_back(ap::trade_message(*t));
      if (quotes) out.push_back(ap::quote_message(*t, settings_->half_spread));
      if (bars)
        if (auto b = bars_.add(*t)) out.push_back(ap::bar_message(*b));
    }
    http::ws_reply r;
    if (!out.empty()) r.frames.push_back(frame(out));
    return r;
  }

 private:
  http::ws_reply reply(std::initializer_list<json> messages) const {
    http::ws_reply r;
    r.frames.push_back(frame(json::array_t(messages)));
    return r;
  }
  http::ws_reply failure(ap::code c) const {
    auto r = reply({ap::error_message(c)});
    r.close = policy_close;
    return r;
  }

  std::shared_ptr<const alpaca_stream_settings> settings_;
  ap::subscriptions subs_;
  ap::bar_builder bars_;
};

// The trading stream: one `{"stream":...,"data":...}` object per frame, binary frames as
// Alpaca's paper trading stream sends them (JSON inside unless MessagePack was asked for).
class trading_session final : public alpaca_session {
 public:
  trading_session(sse::hub& hub, ap::codec codec) : alpaca_session(hub, codec) {}

  [[nodiscard]] bool binary() const override { return true; }

  http::ws_reply opened() override { return {}; }

  asio::awaitable<http::ws_reply> message(std::string data, bool, http::ws_peer& peer) override {
    auto decoded = ap::decode_message(data, codec_);
    if (!decoded) co_return failure(ap::trading_error_message(ap::code::invalid_syntax));
    auto m = ap::parse_client_message(*decoded);
    if (!m || m->what == ap::client_message::kind::subscribe ||
        m->what == ap::client_message::kind::unsubscribe)
      co_return failure(ap::trading_error_message(ap::code::invalid_syntax));
    if (m->what == ap::client_message::kind::auth) {
      if (authenticated())
        co_return reply(ap::trading_error_message(ap::code::already_authenticated));
      // No symbol is wanted: only the player's own events (and the feed, dropped) arrive.
      if (auto refused = co_await sign_in(*m, peer, {std::string(1, '\0')})) {
        co_return failure(*refused == ap::code::auth_failed
                              ? ap::authorization_message(false, "authenticate")
                              : ap::trading_error_message(*refused));
      }
      co_return reply(ap::authorization_message(true, "authenticate"));
    }
    if (!authenticated()) co_return reply(ap::authorization_message(false, "listen"));
    // The streams asked for that exist; the list replaces the previous one (Alpaca's rule).
    std::vector<std::string> streams;
    for (const auto& s : m->streams)
      if (s == "trade_updates" && streams.empty()) streams.push_back(s);
    listening_ = !streams.empty();
    co_return reply(ap::listening_message(streams));
  }

  http::ws_reply auth_timed_out() override {
    return failure(ap::trading_error_message(ap::code::auth_timeout));
  }

  http::ws_reply events(sse::subscriber::batch batch) override {
    http::ws_reply r;
    if (!listening_) return r;
    for (const auto& e : batch.events) {
      if (!e.each_delivered || !e.frame) continue;
      auto f = ap::read_frame(*e.frame);
      if (!f || f->name != "trade_update") continue;
      if (auto m = ap::trade_update_message(f->data)) r.frames.push_back(frame(*m));
    }
    return r;
  }

 private:
  http::ws_reply reply(const json& m) const {
    http::ws_reply r;
    r.frames.push_back(frame(m));
    return r;
  }
  http::ws_reply failure(const json& m) const {
    auto r = reply(m);
    r.close = policy_close;
    return r;
  }

  bool listening_ = false;
};

ap::codec codec_of(const http::request_context& ctx) {
  auto type = ctx.header("Content-Type").value_or("");
  return type.starts_with("application/msgpack") ? ap::codec::msgpack : ap::codec::json;
}

}  // namespace

std::shared_ptr<const http::ws_endpoints> alpaca_websockets(sse::hub& hub,
                                                            alpaca_stream_settings settings,
                                                            http::ws_settings transport) {
  auto endpoints = std::make_shared<http::ws_endpoints>();
  endpoints->settings = transport;
  auto shared = std::make_shared<const alpaca_stream_settings>(settings);
  endpoints->routes.emplace(
      "/stream",
      [&hub](const http::request_context& ctx) -> result<std::unique_ptr<http::ws_application>> {
        return std::make_unique<trading_session>(hub, codec_of(ctx));
      });
  for (const char* feed : {"/v2/iex", "/v2/sip"})
    endpoints->routes.emplace(feed,
                              [&hub, shared](const http::request_context& ctx)
                                  -> result<std::unique_ptr<http::ws_application>> {
                                return std::make_unique<data_session>(hub, codec_of(ctx), shared);
                              });
  return endpoints;
}

}  // namespace marketsim::api
