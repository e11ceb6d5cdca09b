// A connection held in memory, for driving the real HTTP session loop without a socket
// (server::serve_memory): the client's bytes are given up front and the client then half-closes,
// as `printf 'GET / ...' | nc` would; what the server writes is collected. The fuzzer and tests
// use it. Every operation completes through the executor (never inline, as a socket's would);
// there are no timers (expires_after is accepted and ignored: nothing here waits on a peer), and
// one coroutine at a time uses a stream, so there is no locking.
#pragma once
#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace marketsim::http {

class memory_stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  // `max_read` caps the bytes one read returns (0: no cap), so a request can arrive in pieces.
  memory_stream(executor_type ex, std::string input, std::size_t max_read = 0)
      : ex_(std::move(ex)), input_(std::move(input)), max_read_(max_read) {}

  [[nodiscard]] executor_type get_executor() const noexcept { return ex_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          boost::system::error_code ec;
          std::size_t n = 0;
          std::size_t left = input_.size() - read_;
          if (boost::asio::buffer_size(into) == 0) {
            // A zero-byte read succeeds at once, as on a socket.
          } else if (left == 0) {
            ec = boost::asio::error::eof;
          } else {
            if (max_read_ != 0) left = std::min(left, max_read_);
            n = boost::asio::buffer_copy(into, boost::asio::buffer(input_.data() + read_, left));
            read_ += n;
          }
          complete(std::move(handler), ec, n);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& from) {
          boost::system::error_code ec;
          std::size_t n = 0;
          if (gone_ || send_closed_) {
            ec = boost::asio::error::broken_pipe;
          } else {
            for (auto it = boost::asio::buffer_sequence_begin(from);
                 it != boost::asio::buffer_sequence_end(from); ++it) {
              boost::asio::const_buffer b(*it);
              output_.append(static_cast<const char*>(b.data()), b.size());
              n += b.size();
            }
          }
          complete(std::move(handler), ec, n);
        },
        token, buffers);
  }

  // What the server uses of a tcp_stream besides reading and writing: deadlines (ignored)
  // and the socket's half-close.
  template <class Duration>
  void expires_after(Duration) noexcept {}
  memory_stream& socket() noexcept { return *this; }
  void shutdown(boost::asio::socket_base::shutdown_type what, boost::system::error_code& ec) {
    ec = {};
    if (what != boost::asio::socket_base::shutdown_receive) send_closed_ = true;
  }

  // The client goes away: every later write fails as on a reset connection (ends a stream).
  void disconnect() noexcept { gone_ = true; }

  [[nodiscard]] const std::string& output() const noexcept { return output_; }
  [[nodiscard]] std::size_t unread() const noexcept { return input_.size() - read_; }
  [[nodiscard]] bool send_closed() const noexcept { return send_closed_; }

 private:
  template <class Handler>
  void complete(Handler handler, boost::system::error_code ec, std::size_t n) {
    auto ex = boost::asio::get_associated_executor(handler, ex_);
    boost::asio::post(ex, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
  }

  executor_type ex_;
  std::string input_;
  std::size_t max_read_;
  std::size_t read_ = 0;
  std::string output_;
  bool send_closed_ = false;
  bool gone_ = false;
};

}  // namespace marketsim::http
