// The checkout's directory (test_support.hpp). Only this file's command line carries the path: a
// path in a definition makes an object a ccache miss in every other clone, and a file with a
// definition of its own stays out of the unity batches.
#include "test_support.hpp"

namespace marketsim::test_support {
const char* const source_dir = MARKETSIM_SOURCE_DIR;
}  // namespace marketsim::test_support
