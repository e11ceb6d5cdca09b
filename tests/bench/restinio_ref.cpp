// RESTinio reference server for scripts/bench's REST section (not part of the product or the
// pass/fail suite).
//
// Answers every GET with 200, Content-Type application/json and a fixed body read from a file
// at start-up (the bytes of marketsim's GET /api/stocks), so the bench can put marketsim beside
// another Asio-based HTTP server doing the least work possible for the same answer. One thread
// (on_this_thread), the one the bench pins; RESTinio over Boost.Asio, as Debian's
// librestinio-dev is built to allow. It writes its port to --port-file once listening.
//
// Usage: restinio_ref --port N --body FILE
#include <restinio/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Connections stay open for the whole wrk run (keep-alive), as with nginx and marketsim.
struct reference_traits : public restinio::default_single_thread_traits_t {
  using logger_t = restinio::null_logger_t;
};

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  std::string body_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--port") port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    if (arg == "--body") body_path = argv[i + 1];
  }
  if (port == 0 || body_path.empty()) {
    std::cerr << "usage: restinio_ref --port N --body FILE\n";
    return 2;
  }
  const std::string body = read_file(body_path);
  if (body.empty()) {
    std::cerr << "restinio_ref: empty body file " << body_path << "\n";
    return 2;
  }
  restinio::run(restinio::on_this_thread<reference_traits>()
                    .address("127.0.0.1")
                    .port(port)
                    .max_pipelined_requests(1)
                    .request_handler([&body](auto req) {
                      return req->create_response()
                          .append_header(restinio::http_field::content_type, "application/json")
                          .set_body(body)
                          .done();
                    }));
  return 0;
}
