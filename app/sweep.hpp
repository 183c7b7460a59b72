// Many runs: seed ranges, shards, a worker pool (each run is an independent world on one
// thread), results stored as each run finishes so an interrupted sweep resumes where it
// stopped. Parallelism lives only here, above single runs.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "app/results_db.hpp"

namespace dtx {

struct SeedRange {
  uint64_t first = 0, last = 0;  // inclusive
};
struct Shard {
  int k = 1, n = 1;  // this is shard k of n (1-based)
};

// Command-line seeds, each in [0, 2^64-1]; throw InputError naming the option and the range.
uint64_t parse_seed(const std::string& text, const std::string& option);
// Largest range a baseline lists (its seed sets are held in memory); sweeps take any range.
constexpr uint64_t kMaxSeedsPerRange = 1000000;
SeedRange parse_seeds(const std::string& text);  // "A..B"; throws InputError
Shard parse_shard(const std::string& text);      // "K/N"; throws InputError

struct SweepTask {
  std::string pattern;  // NAME:VARIANT
  uint64_t seed = 0;
};

struct SweepStats {
  uint64_t planned = 0;  // runs of the range and shard, for every pattern
  size_t skipped = 0;    // already stored
  size_t leased = 0;     // claimed by another sweep on the same database
  size_t ran = 0, violating = 0;
  size_t limited = 0;  // runs of a correct variant breaking only its pattern's known limitations
  bool interrupted = false;
};

// Default lease of a claimed run: a sweep killed with runs claimed leaves them to others
// after this long.
// True when every invariant in `violated` (not empty) is a limitation the pattern declares
// for its correct variant (3PC's split under a partition): a known property of the protocol,
// shown by a seed, not a bug and not a regression.
bool within_limitations(const std::string& pattern, const std::string& variant,
                        const std::set<std::string>& violated);

constexpr int64_t kDefaultLeaseSeconds = 300;

// Runs every task whose (pattern, seed) the database neither holds nor has leased to another
// sweep. Seeds are walked lazily (a range of 10^10 starts at once) and each run is claimed
// with a lease of `lease_s` seconds, so sweeps sharing the database split the work.
SweepStats run_sweep(const Scenario& s, const std::vector<std::string>& patterns, SeedRange seeds,
                     Shard shard, int jobs, ResultsDb& db, bool progress,
                     int64_t lease_s = kDefaultLeaseSeconds);

// Adds the topology a pattern needs that the scenario lacks (a broker "mq", a coordinator
// "dtm"), identically for every pattern, so compare runs them all on one world.
Scenario with_infrastructure(const Scenario& s);

}  // namespace dtx
