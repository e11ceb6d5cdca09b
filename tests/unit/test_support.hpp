// What more than one unit test file needs. The unit tests compile in unity batches, where a
// helper defined in each file would be a redefinition.
#pragma once

#include "marketsim/market/types.hpp"

namespace marketsim::test_support {

// One dollar as a price_e4 (the trading tests).
inline constexpr market::price_e4 usd = 10'000;

// The checkout's directory, for the tests that read tests/fixtures/ (defined in source_dir.cpp,
// the one file whose command line carries the path).
extern const char* const source_dir;

}  // namespace marketsim::test_support
