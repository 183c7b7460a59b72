// Systematic fault points and failure shrinking.
// explore: one fault-free run lists the protocol's durable steps (local commits) and its
// sends; then each point is re-run alone: the committing node crashed just before and just
// after its commit (and restarted), its database stalled at that commit, the sender crashed
// just after a send, and each message dropped, duplicated or delayed. Every point that
// breaks an invariant is reported with the fault that caused it.
// shrink: from a failing seed, the explicit schedule (swarm faults included) is minimised
// (fewest faults, fewest transactions, earliest heal) while the same invariant still fails,
// and written as a scenario that reproduces it deterministically.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/app/runner.hpp"

namespace dtx {

struct ExploreOptions {
  std::optional<std::string> pattern;
  std::optional<int64_t> count;  // business transactions (default: the scenario's)
  TimeUs restart_us = 200 * kUsPerMs;
  TimeUs stall_us = 3 * kUsPerS;
  TimeUs delay_us = 2 * kUsPerS;
  size_t max_points = 2000;
  int jobs = 1;
};

struct ExplorePoint {
  std::string what;
  std::vector<FaultSpec> faults;
  std::set<std::string> violated;
};

struct ExploreResult {
  std::string pattern, variant;
  std::set<std::string> baseline_violated;
  size_t points = 0;
  std::vector<ExplorePoint> failing;
};

ExploreResult explore(const Scenario& s, const ExploreOptions& o);

struct ShrinkResult {
  Json scenario;  // the minimal scenario file
  std::string invariant;
  size_t faults_before = 0, faults_after = 0;
  int64_t count_before = 0, count_after = 0;
  size_t runs = 0;
};

ShrinkResult shrink(const Scenario& s, uint64_t seed, const std::string& pattern,
                    const std::string& invariant);

}  // namespace dtx
