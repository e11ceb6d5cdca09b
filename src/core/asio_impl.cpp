// Asio's compiled part, built once here instead of inline in every file that uses Asio.
// marketsim_lib defines BOOST_ASIO_SEPARATE_COMPILATION publicly (CMakeLists.txt), so the
// headers everywhere else only declare these functions. The SSL part too: http::server,
// app::smtp and market::http_provider use asio::ssl.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
