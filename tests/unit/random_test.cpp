// Seeded random streams: a (seed, name) pair always replays the same draws, streams are
// independent of each other and of creation order, and our own distributions (below,
// uniform, exponential, det_log) are in range, unbiased and accurate.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/world/world.hpp"

using namespace dtx;

namespace {

std::vector<uint64_t> draws(Random r, int n) {
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(r.next_u64());
  return out;
}

// Pearson's chi-square statistic of `n_draws` draws of below(buckets).
double chi_square_below(Random& r, uint64_t buckets, int n_draws) {
  std::vector<int> counts(buckets, 0);
  for (int i = 0; i < n_draws; ++i) ++counts[r.below(buckets)];
  double expected = static_cast<double>(n_draws) / static_cast<double>(buckets);
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

bool near_relative(double got, double want, double rel) {
  return std::abs(got - want) <= rel * std::abs(want);
}

}  // namespace

TEST_CASE("the same seed and stream name replay the same sequence", "[random]") {
  REQUIRE(draws(Random(42, "network"), 1000) == draws(Random(42, "network"), 1000));
}

TEST_CASE("different names or seeds give different sequences", "[random]") {
  auto base = draws(Random(42, "network"), 16);
  REQUIRE(base != draws(Random(42, "network2"), 16));
  REQUIRE(base != draws(Random(43, "network"), 16));
  REQUIRE(draws(Random(0, ""), 16) != draws(Random(0, "a"), 16));
  // No shared prefix either: the first draws already differ.
  REQUIRE(base[0] != Random(42, "db:bank").next_u64());
}

TEST_CASE("a component's stream does not depend on what else exists or was created first",
          "[random]") {
  World w1(7);
  Node& a1 = w1.add_node("a", "service");
  w1.add_node("b", "service");
  World w2(7);
  w2.add_node("c", "service");
  w2.add_node("b", "service");
  Random noise = w2.stream("unrelated");
  for (int i = 0; i < 100; ++i) noise.next_u64();
  Node& a2 = w2.add_node("a", "service");
  for (int i = 0; i < 100; ++i) REQUIRE(a1.rng().next_u64() == a2.rng().next_u64());
  REQUIRE(draws(w1.stream("faults"), 50) == draws(w2.stream("faults"), 50));
}

TEST_CASE("fnv1a64 and splitmix64 match their reference values", "[random]") {
  REQUIRE(fnv1a64("") == 0xcbf29ce484222325ull);
  REQUIRE(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  REQUIRE(fnv1a64("foobar") == 0x85944171f73967e8ull);
  REQUIRE(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));  // chaining = concatenation
  uint64_t state = 0;
  REQUIRE(splitmix64(state) == 0xe220a8397b1dcdafull);
  REQUIRE(splitmix64(state) == 0x6e789e6aa1b965f4ull);
  REQUIRE(splitmix64(state) == 0x06c45d188009454full);
}

TEST_CASE("below(n) stays below n for small, odd and huge n", "[random]") {
  Random r(1, "below");
  for (uint64_t n : std::vector<uint64_t>{1, 2, 3, 7, 10, 1000, (1ull << 63) + 1, UINT64_MAX}) {
    for (int i = 0; i < 2000; ++i) REQUIRE(r.below(n) < n);
  }
  REQUIRE(r.below(0) == 0);
  REQUIRE(r.below(1) == 0);
}

TEST_CASE("below(n) is roughly uniform (chi-square bound)", "[random]") {
  // For k buckets the statistic has mean k-1 and sd sqrt(2(k-1)); 8 sd above the mean is
  // far beyond chance, while a biased generator overshoots by orders of magnitude.
  Random r(2024, "chi");
  for (uint64_t k : std::vector<uint64_t>{2, 6, 10, 37}) {
    double chi2 = chi_square_below(r, k, 100000);
    double bound = (k - 1) + 8 * std::sqrt(2.0 * (k - 1));
    INFO("buckets " << k << " chi2 " << chi2);
    REQUIRE(chi2 < bound);
  }
  // The top residues near 2^63 are the ones a modulo without rejection would favour.
  Random big(5, "big");
  uint64_t n = (1ull << 63) + (1ull << 62);  // 1.5 * 2^63: plain modulo puts 2/3 of draws low
  int low = 0;
  const int trials = 30000;
  for (int i = 0; i < trials; ++i) low += big.below(n) < n / 2 ? 1 : 0;
  REQUIRE(std::abs(low - trials / 2) < 5 * std::sqrt(trials * 0.25));
}

TEST_CASE("uniform(lo, hi) is inclusive and hits both ends", "[random]") {
  Random r(3, "uniform");
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 5000; ++i) {
    int64_t v = r.uniform(-3, 3);
    REQUIRE(v >= -3);
    REQUIRE(v <= 3);
    saw_lo = saw_lo || v == -3;
    saw_hi = saw_hi || v == 3;
  }
  REQUIRE(saw_lo);
  REQUIRE(saw_hi);
  REQUIRE(r.uniform(5, 5) == 5);
  REQUIRE(r.uniform(5, 3) == 5);
}

TEST_CASE("unit() is at least 0 and below 1, and chance(p) has frequency p", "[random]") {
  Random r(4, "unit");
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double u = r.unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  // Mean of U(0,1) has sd sqrt(1/12/n) ~ 0.0009.
  REQUIRE(std::abs(sum / n - 0.5) < 0.005);
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += r.chance(0.3) ? 1 : 0;
  REQUIRE(std::abs(hits - 0.3 * n) < 5 * std::sqrt(n * 0.3 * 0.7));
  for (int i = 0; i < 1000; ++i) {
    REQUIRE_FALSE(r.chance(0.0));
    REQUIRE(r.chance(1.0));
  }
}

TEST_CASE("exponential draws have the requested mean and are never negative", "[random]") {
  Random r(5, "exp");
  const int n = 100000;
  for (double mean : {1000.0, 250000.0}) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      int64_t v = r.exponential(mean);
      REQUIRE(v >= 0);
      sum += static_cast<double>(v);
    }
    // The sample mean's sd is mean / sqrt(n) ~ 0.32% of the mean; allow 2% (6 sd).
    INFO("mean " << mean << " got " << sum / n);
    REQUIRE(near_relative(sum / n, mean, 0.02));
  }
  REQUIRE(r.exponential(0) == 0);
  REQUIRE(r.exponential(-5) == 0);
}

TEST_CASE("det_log matches known logarithms to 1e-12 relative", "[random]") {
  REQUIRE(near_relative(det_log(2.0), 0.69314718055994530942, 1e-12));
  REQUIRE(near_relative(det_log(10.0), 2.30258509299404568402, 1e-12));
  REQUIRE(near_relative(det_log(1e-9), -20.7232658369464111, 1e-12));
  REQUIRE(near_relative(det_log(0.5), -0.69314718055994530942, 1e-12));
  REQUIRE(near_relative(det_log(0x1.0p-53), -36.7368005696771, 1e-12));  // smallest 1 - unit()
  REQUIRE(std::abs(det_log(1.0)) < 1e-300);
  // A sweep across magnitudes against the C library (the test may use libm; sim/ may not).
  for (double x = 1e-300; x < 1e300; x *= 7.3) {
    INFO("x = " << x);
    REQUIRE(near_relative(det_log(x), std::log(x), 1e-12));
  }
  for (double x = 0.9; x < 1.1; x += 0.0137) {
    if (std::abs(x - 1.0) < 1e-9) continue;
    INFO("x = " << x);
    REQUIRE(std::abs(det_log(x) - std::log(x)) < 1e-15);
  }
}
