// The HTTP provider: live quotes polled from Stooq's CSV endpoint. A poll thread of its own does
// the blocking HTTP work and stores the last good quote per symbol under a mutex; the feed loop's
// next_batch only reads that map, so it never waits on the network. Bad answers (errors,
// timeouts, garbage, N/D) keep the last good quote and back off; the thread stops on destruction.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "marketsim/market/provider.hpp"
#include "marketsim/market/stooq.hpp"

namespace marketsim::market {

// The pieces of http_base_url the client needs.
struct base_url {
  bool tls = false;
  std::string host;
  std::string port;         // "80"/"443" when the URL names none
  std::string path_prefix;  // without a trailing slash; usually empty
};
// config_malformed unless "http://host[:port][/prefix]" or "https://...".
[[nodiscard]] result<base_url> parse_base_url(std::string_view url);

class http_provider final : public quote_provider {
 public:
  // Starts polling right away. config_malformed for a bad base URL.
  [[nodiscard]] static result<std::unique_ptr<http_provider>> create(
      const market_settings& settings);
  ~http_provider() override;
  http_provider(const http_provider&) = delete;
  http_provider& operator=(const http_provider&) = delete;

  [[nodiscard]] std::string_view name() const override { return "http"; }
  [[nodiscard]] const std::vector<instrument>& instruments() const override { return instruments_; }
  // Stooq's quote carries no previous close: unknown until the day rolls in the quote cache.
  [[nodiscard]] std::optional<price_e4> previous_close(std::string_view symbol) const override;
  // A tick per symbol whose quote changed since the last call, stamped wall_ms.
  [[nodiscard]] std::vector<tick> next_batch(std::int64_t wall_ms) override;
  [[nodiscard]] bool resumes() const override { return false; }

  // For tests and status: the last good quote, and how many polls succeeded or failed.
  [[nodiscard]] std::optional<stooq_quote> last_quote(std::string_view symbol) const;
  [[nodiscard]] std::uint64_t good_polls() const noexcept { return good_polls_.load(); }
  [[nodiscard]] std::uint64_t failed_polls() const noexcept { return failed_polls_.load(); }

 private:
  struct state;  // Asio objects stay out of this header

  http_provider() = default;
  void run();
  [[nodiscard]] result<std::string> fetch();

  std::vector<instrument> instruments_;
  std::vector<std::string> symbols_;
  base_url url_;
  std::string target_;
  std::chrono::milliseconds poll_interval_{15'000};
  std::chrono::milliseconds timeout_{5'000};
  std::unique_ptr<state> state_;

  mutable std::mutex mutex_;  // guards everything below and state_'s running io_context pointer
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, stooq_quote, std::less<>> latest_;    // written by the poll thread
  std::map<std::string, stooq_quote, std::less<>> reported_;  // what next_batch last emitted

  std::atomic<std::uint64_t> good_polls_{0};
  std::atomic<std::uint64_t> failed_polls_{0};
  std::thread thread_;  // last: started after everything it touches exists
};

}  // namespace marketsim::market
