// One connection over an in-memory stream (server::serve_memory, for the fuzzer and tests):
// the request loop (connection.hpp) instantiated for memory_stream. Runs on whatever executor
// the caller spawns it on.
#include "connection.hpp"

namespace marketsim::http {

boost::asio::awaitable<void> server::serve_memory(memory_stream& stream, std::string remote) {
  co_await serve(stream, std::move(remote));
}

}  // namespace marketsim::http
