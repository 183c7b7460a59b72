// Seeded random streams with our own distributions.
// A stream is derived from the run's root seed and a component's stable name, so adding a
// component never shifts another's draws; every function is pure integer/IEEE arithmetic,
// so a seed replays bit-identically on any platform and standard library.
#pragma once

#include <cstdint>
#include <string_view>

namespace dtx {

uint64_t fnv1a64(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ull);
uint64_t splitmix64(uint64_t& state);

// Natural logarithm computed with IEEE-754 double arithmetic only (no libm), so results are
// identical everywhere. Accurate to ~1e-15 relative; x must be > 0.
double det_log(double x);

class Random {
 public:
  Random() : Random(0, "") {}
  Random(uint64_t root_seed, std::string_view stream_name);

  uint64_t next_u64();
  // Uniform in [0, n); n > 0. Unbiased (rejection).
  uint64_t below(uint64_t n);
  // Uniform in [lo, hi], inclusive.
  int64_t uniform(int64_t lo, int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double unit();
  bool chance(double p) { return p > 0 && unit() < p; }
  // Exponential with the given mean, rounded to an integer (e.g. microseconds).
  int64_t exponential(double mean);
  template <typename Container>
  auto& choice(Container& c) {
    return c[below(c.size())];
  }

 private:
  uint64_t s_[4];
};

}  // namespace dtx
