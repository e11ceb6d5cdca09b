// WebSocket endpoints on the HTTP port: what a WebSocket application implements and what the
// server offers it. A GET with `Upgrade: websocket` to a registered path (server::
// set_websockets) becomes a WebSocket connection driven by the server's transport
// (src/http/websocket_session.hpp: the handshake, the auth deadline, the message size limit,
// pings, one writer, shutdown); the application only turns messages and hub batches into
// frames. Other requests to those paths are served as before. Everything here runs on an io
// thread inside the connection's strand; an application is never called from two at once.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketsim/core/error.hpp"
#include "marketsim/core/principal.hpp"
#include "marketsim/http/message.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::http {

// What to send, in order, and whether to close the connection afterwards (with this close code).
struct ws_reply {
  std::vector<std::string> frames;
  std::optional<std::uint16_t> close;
};

// An API key pair checked exactly as on the REST API's /v2 routes (the guard: the per-address
// failure budget, the per-key request budget, the key cache): `who` when it is right, else the
// error a REST request with it would have got.
struct ws_auth {
  std::shared_ptr<const auth::principal> who;
  std::optional<error> refused;
};

// What the transport offers an application while it handles a message.
class ws_peer {
 public:
  virtual ~ws_peer() = default;
  [[nodiscard]] virtual boost::asio::awaitable<ws_auth> authenticate(std::string key_id,
                                                                     std::string secret) = 0;
  [[nodiscard]] virtual const std::string& client_address() const = 0;
};

class ws_application {
 public:
  virtual ~ws_application() = default;
  // Binary frames (else text).
  [[nodiscard]] virtual bool binary() const = 0;
  // Sent right after the handshake.
  [[nodiscard]] virtual ws_reply opened() = 0;
  // One whole client message (text or binary).
  [[nodiscard]] virtual boost::asio::awaitable<ws_reply> message(std::string data, bool binary,
                                                                 ws_peer& peer) = 0;
  // Once this is true the auth deadline no longer applies.
  [[nodiscard]] virtual bool authenticated() const = 0;
  // The deadline passed unauthenticated.
  [[nodiscard]] virtual ws_reply auth_timed_out() = 0;
  // The hub subscription once there is one (it may come with any message); its batches go to
  // events(). A batch marked closed (shutdown, the hub's close_all) ends the connection with
  // 1001 after the frames.
  [[nodiscard]] virtual std::shared_ptr<sse::subscriber> subscriber() const = 0;
  [[nodiscard]] virtual ws_reply events(sse::subscriber::batch batch) = 0;
  // The connection is over, however it ended: give the hub slot back.
  virtual void ended() = 0;
};

// Opens the application for an upgrade request (its headers and client address are in the
// context), or refuses it with an HTTP error answered before any handshake.
using ws_opener = std::function<result<std::unique_ptr<ws_application>>(const request_context&)>;
// Path → opener; exact paths ("/stream", "/v2/iex").
using ws_routes = std::map<std::string, ws_opener, std::less<>>;

struct ws_settings {
  std::chrono::milliseconds auth_timeout{10'000};  // Alpaca's: unauthenticated, closed with 404
  std::size_t max_message = 16 << 10;              // a client message; beyond: close 1009
  // Nothing received for this long (pings go out at half of it) closes the connection.
  std::chrono::milliseconds idle_timeout{30'000};
};

// What server::set_websockets takes.
struct ws_endpoints {
  ws_routes routes;
  ws_settings settings;
};

}  // namespace marketsim::http
