// Fuzz target: the bytes one client connection sends → the server's real connection loop
// (http::server::serve_memory: Beast's parser with our header and body limits, keep-alive and
// pipelining, request ids, routing, the auth guard with its cookie, API key, Origin and CSRF
// checks, the handlers up to their first database step, static pages, SSE streams with
// Last-Event-ID) → the bytes it answers. Credentials the fuzzer could never forge are written
// as placeholders that the target replaces before sending: {{session}} and {{admin}} become
// the Cookie pairs of a signed-in player and admin, {{csrf}} and {{admin_csrf}} their CSRF
// tokens, {{anon_csrf}} a valid anonymous token. Aborts on an answer with status 500 (bad
// input must never be a server error) and on a connection that does not end once the client
// has gone. Single-threaded and deterministic: no socket, no timer, no database.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "marketsim/http/memory_stream.hpp"
#include "spdlog/spdlog.h"
#include "wiring.hpp"

using namespace marketsim;

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// Runs every handler that is ready, until none is.
void drain(boost::asio::io_context& ioc) {
  for (;;) {
    ioc.restart();
    if (ioc.poll() == 0) break;
  }
}

// True when some answer in the server's output has status 500. Answers start at the output's
// beginning or right after a line end; the fixture site and JSON bodies hold no such line.
bool has_server_error(std::string_view out) {
  for (std::string_view v : {"HTTP/1.1 500 ", "HTTP/1.0 500 "}) {
    for (auto at = out.find(v); at != std::string_view::npos; at = out.find(v, at + 1))
      if (at == 0 || out[at - 1] == '\n') return true;
  }
  return false;
}

const http::static_site& fixture_site() {
  static const http::static_site site = [] {
    auto s = http::static_site::load(MARKETSIM_SOURCE_DIR "/tests/fuzz/site");
    if (!s || s->file_count() == 0) {
      std::fprintf(stderr, "fuzz: cannot load tests/fuzz/site\n");
      std::abort();
    }
    return std::move(*s);
  }();
  return site;
}

// The services, the guard and the server as the application wires them, built once.
struct http_wiring {
  boost::asio::io_context ioc;
  fuzz::wiring w{ioc};
  auth::guard guard = w.make_guard();
  http::server server{ioc, app::server_settings_of(w.cfg), w.routes, fixture_site()};

  http_wiring() {
    server.set_middleware(
        http::middleware{[this](http::request_context& ctx, const http::endpoint& ep) {
                           return guard.before(ctx, ep);
                         },
                         api::server_error_recorder(ioc, w.pool),
                         [this](const http::request_context& ctx) { return guard.screen(ctx); }});
  }
};

http_wiring& wired() {
  static http_wiring h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One access-log line per request would dominate the run time.
  spdlog::set_level(spdlog::level::off);
  (void)wired();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& [ioc, w, guard, server] = wired();
  w.restore();
  std::string input(reinterpret_cast<const char*>(data), size);
  if (input.find("{{") != std::string::npos) {
    replace_all(input, "{{session}}", w.player.cookie);
    replace_all(input, "{{admin}}", w.admin.cookie);
    replace_all(input, "{{csrf}}", w.player.csrf);
    replace_all(input, "{{admin_csrf}}", w.admin.csrf);
    replace_all(input, "{{anon_csrf}}", w.sign.anonymous_csrf());
  }

  http::memory_stream stream(ioc.get_executor(), std::move(input));
  bool ended = false;
  std::exception_ptr failure;
  boost::asio::co_spawn(ioc, server.serve_memory(stream, "127.0.0.1"), [&](std::exception_ptr e) {
    ended = true;
    failure = e;
  });
  drain(ioc);
  if (!ended) {
    // An open event stream waits for events: the client leaves, the next heartbeat fails.
    stream.disconnect();
    w.hub.heartbeat_all();
    drain(ioc);
  }
  if (!ended) {
    std::fprintf(stderr, "fuzz: the connection did not end after the client left\n");
    std::abort();
  }
  if (failure) std::rethrow_exception(failure);
  // For reading what an input did: MARKETSIM_FUZZ_PRINT=1 build-fuzz/fuzz_http_request FILE
  static const bool print = std::getenv("MARKETSIM_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "%s\n", stream.output().c_str());
  if (has_server_error(stream.output())) {
    std::fprintf(stderr, "fuzz: a 500 answer:\n%s\n", stream.output().c_str());
    std::abort();
  }
  return 0;
}
