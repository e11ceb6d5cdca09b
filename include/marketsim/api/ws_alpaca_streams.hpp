// Alpaca's WebSocket streams on marketsim's port (docs/api.md, "Streams for programs"): the
// trading stream at /stream (a player's trade updates) and the market data stream at /v2/iex
// and /v2/sip (trades, quotes and minute bars from the ticks). Each connection is a WebSocket
// application (http/websocket.hpp) whose protocol is ws_alpaca_protocol.hpp; once its API key is
// accepted it is a subscriber of the SSE hub like any stream, under the same caps per player,
// per address and server-wide, with the same bounded, coalescing queue, and it closes when the
// hub does (shutdown). Built once by the app; the sessions run on io threads, each inside its
// connection's strand.
#pragma once
#include <cstddef>
#include <memory>

#include "marketsim/http/websocket.hpp"
#include "marketsim/market/types.hpp"
#include "marketsim/sse/hub.hpp"

namespace marketsim::api {

struct alpaca_stream_settings {
  market::price_e4 half_spread = 100;  // the house's quote around a tick (as the REST quotes)
  std::size_t max_symbols = 100;       // distinct symbols one data connection subscribes to
};

// The endpoints for http::server::set_websockets. `hub` outlives the server.
[[nodiscard]] std::shared_ptr<const http::ws_endpoints> alpaca_websockets(
    sse::hub& hub, alpaca_stream_settings settings, http::ws_settings transport = {});

}  // namespace marketsim::api
