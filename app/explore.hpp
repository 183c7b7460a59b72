// Systematic fault points and failure shrinking.
// explore: one fault-free run lists the protocol's durable steps (local commits) and its
// sends; then each point is re-run alone: the committing node crashed just before and just
// after its commit or prepare (and restarted) or paused just after it for longer than the
// scenario's time-outs, its database stalled, out of disk, down or held by a long writer
// there, each broker and the coordinator crashed just after it; the sender crashed or paused
// just after a send, and each message dropped, duplicated or delayed. Every point that
// breaks an invariant is reported with the fault that caused it.
// shrink: from a failing seed, the explicit schedule (swarm faults included) is minimised
// (fewest faults, fewest transactions, earliest heal) while the same invariant still fails,
// and written as a scenario that reproduces it deterministically.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/runner.hpp"

namespace dtx {

struct ExploreOptions {
  std::optional<std::string> pattern;
  std::optional<int64_t> count;  // business transactions (default: the scenario's)
  TimeUs restart_us = 200 * kUsPerMs;
  TimeUs stall_us = 3 * kUsPerS;
  TimeUs delay_us = 2 * kUsPerS;
  TimeUs pause_us = 0;  // 0: long enough to outlive the scenario's time-outs
  // Database outage, full disk, lock contention: as short as a restart, so consumers'
  // redeliveries outlast it (a longer failure dead-letters messages by design).
  TimeUs fail_us = 200 * kUsPerMs;
  size_t max_points = 2000;  // more points than this: an even sample (without a budget)
  // Budget mode (0: off): at most this many points, first one of every kind (the same fault
  // at the same protocol step), then instances drawn by a stream seeded with sample_seed.
  size_t budget = 0;
  uint64_t sample_seed = 1;
  int jobs = 1;
  // Called after each point, under a lock, from the worker that ran it.
  std::function<void(size_t done, size_t total)> on_progress;
};

struct ExplorePoint {
  std::string what;
  std::vector<FaultSpec> faults;
  std::set<std::string> violated;
  std::string kind;  // `what` without the instance: time, event, message id
};

struct ExploreResult {
  std::string pattern, variant;
  std::set<std::string> baseline_violated;
  size_t points = 0;       // points run
  size_t listed = 0;       // points the baseline offers
  size_t kinds = 0;        // distinct kinds among them
  size_t kinds_tried = 0;  // kinds among the points run
  TimeUs pause_us = 0;     // the pause length the points used
  Scenario scenario;       // the explored scenario (no swarm, heal after the last point)
  std::vector<ExplorePoint> failing;
  std::vector<ExplorePoint> tried;  // every point, failing or not, in order
};

// A scenario file (JSON) that replays `faults` on `s` deterministically with `pattern`
// ("name:variant"), expecting `expect`; shared by explore's points and shrink.
Json replay_scenario(const Scenario& s, const std::string& pattern, const std::string& variant,
                     const std::vector<FaultSpec>& faults, TimeUs heal_us, const std::string& name,
                     const std::string& description, const std::set<std::string>& expect);

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
