// Reproducible random numbers for the price generators. std::mt19937_64's output is fixed by
// the standard, but std's distributions are not (libstdc++ and libc++ differ), so the uniform
// and normal draws are derived here by hand. Each generator is owned by one thread (the feed
// loop's provider); nothing is shared.
#pragma once
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string_view>

namespace marketsim::market {

// splitmix64 finaliser: spreads nearby seeds (42, 43) into unrelated generator states.
[[nodiscard]] constexpr std::uint64_t mix_seed(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: std::hash is not stable across implementations, and seeds derived from symbol names
// must be.
[[nodiscard]] constexpr std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// One stream per (seed, label, number), so e.g. a stock's path on one day does not depend on
// which days were generated before it.
[[nodiscard]] constexpr std::uint64_t derive_seed(std::uint64_t seed, std::string_view label,
                                                  std::int64_t number = 0) noexcept {
  return mix_seed(mix_seed(seed ^ stable_hash(label)) ^ static_cast<std::uint64_t>(number));
}

class random_source {
 public:
  explicit random_source(std::uint64_t seed) : engine_(seed) {}

  // In [0, 1) with 53 random bits.
  [[nodiscard]] double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  [[nodiscard]] double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log(0) must not happen
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(angle);
    has_spare_ = true;
    return r * std::cos(angle);
  }

  // Uniform integer in [0, n) for small n (the modulo bias is far below anything observable).
  [[nodiscard]] std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace marketsim::market
