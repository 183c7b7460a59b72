// xoshiro256** streams seeded by splitmix64 of (root seed, FNV-1a of the stream name).
// det_log avoids libm so exponential draws are identical on every platform.
#include "sim/kernel/random.hpp"

#include <bit>
#include <cstring>

namespace dtx {

uint64_t fnv1a64(std::string_view bytes, uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double det_log(double x) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln(m) = 2 atanh((m-1)/(m+1)).
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  // atanh(s) = s + s^3/3 + s^5/5 + ... = s + s^3 * P(s^2), P's coefficients the odd
  // reciprocals 1/3 .. 1/23. |s| <= 0.1716, so s^2 <= 0.0295 and terms up to s^23 reach below
  // 1e-17. P is evaluated by Estrin's scheme: a few independent products instead of one long
  // chain of dependent multiply-adds (this runs for every latency draw).
  static constexpr double c[] = {1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11, 1.0 / 13,
                                 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};
  double y = s2, y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
  double p01 = c[0] + c[1] * y, p23 = c[2] + c[3] * y, p45 = c[4] + c[5] * y;
  double p67 = c[6] + c[7] * y, p89 = c[8] + c[9] * y;
  double p0_3 = p01 + p23 * y2, p4_7 = p45 + p67 * y2, p8_10 = p89 + c[10] * y2;
  double tail = (p0_3 + p4_7 * y4) + p8_10 * y8;
  double sum = s + s * s2 * tail;
  return 2.0 * sum + e * 0.6931471805599453;
}

Random::Random(uint64_t root_seed, std::string_view stream_name) {
  uint64_t state = root_seed ^ fnv1a64(stream_name);
  for (auto& s : s_) s = splitmix64(state);
}

uint64_t Random::next_u64() {
  uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

uint64_t Random::below(uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top sliver so every residue is equally likely.
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t r;
  do r = next_u64();
  while (r >= limit);
  return r % n;
}

int64_t Random::uniform(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
}

double Random::unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

int64_t Random::exponential(double mean) {
  if (mean <= 0) return 0;
  double u = 1.0 - unit();  // (0, 1]
  return static_cast<int64_t>(-det_log(u) * mean + 0.5);
}

}  // namespace dtx
