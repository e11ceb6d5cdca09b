// Beast's compiled part (the HTTP parser, fields, error categories...), built once here; see
// asio_impl.cpp. marketsim_lib defines BOOST_BEAST_SEPARATE_COMPILATION publicly.
#include <boost/beast/src.hpp>
