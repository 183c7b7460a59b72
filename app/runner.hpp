// Runs one scenario: builds the world from the scenario, lets the pattern set itself up,
// injects the faults, drives the workload, then checks the invariants on the history and
// the final database states. The same scenario, seed and build give a byte-identical trace.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/check/checkers.hpp"
#include "sim/check/findings.hpp"
#include "sim/check/metrics.hpp"
#include "sim/scenario/scenario.hpp"

namespace dtx {

class World;

// A run keeps its events for the storyteller (RunOptions::explain) only up to this many
// business transactions; a longer run is checked in memory that grows with its transactions,
// not with its events, and its findings come without stories.
inline constexpr int64_t kStoryMaxTxns = 20000;

struct RunOptions {
  std::optional<uint64_t> seed;
  std::optional<std::string> pattern;  // NAME or NAME:VARIANT
  std::string trace_path;              // empty: no trace file
  TraceFilter trace_filter;            // what the trace file keeps (default: everything)
  bool keep_history = true;
  // Tell each violating transaction's story (every event stays in memory until the checkers
  // ran): findings grouped by cause, each with its example's story, written to the trace's
  // trailer as `finding` lines.
  bool explain = false;
  // Transactions final and quiet are checked and let go during a run nobody reads the
  // events of (memory then follows the transactions in flight); off to hold all to the end.
  bool seal = true;
  TimeUs seal_quiet_us = 0;  // how long quiet before sealing (0: the termination bound, >= 10 s)
  // Teaching runs: the scenario's `expect` is reported but does not fail the run.
  bool ignore_expect = false;
  bool fast_forward = true;  // Simulator::advance_if_next (off only to test it changes nothing)
  // Replaces the scenario's faults (explore and shrink drive the schedule themselves).
  std::optional<std::vector<FaultSpec>> faults;
  bool disable_swarm = false;
  // Called once the world is built and its trace header written, before its nodes start
  // (benchmarks use it to drive the run's databases directly).
  std::function<void(World&)> before_start;
  // When set, the run advances in slices of `slice_us` simulated time and calls this between
  // them (benchmarks measure a reference in the same stretch of wall time). Slicing changes
  // nothing in the run: the same events run in the same order.
  std::function<void()> between_slices;
  TimeUs slice_us = 100 * kUsPerMs;
};

struct RunResult {
  std::string scenario;
  std::string file;
  std::string pattern;
  std::string variant;
  uint64_t seed = 0;
  std::string trace_hash;
  uint64_t events = 0;
  Metrics metrics;
  std::vector<Violation> violations;
  std::vector<Finding> findings;  // the violations grouped (sim/check/findings.hpp)
  std::string stories_skipped;    // why the findings have no stories (empty: they have)
  bool sealed_too_soon = false;   // internal: the run must be checked without sealing
  uint64_t sealed = 0;            // transactions checked and let go before the end
  std::vector<std::string> checked;
  std::vector<std::string> expected;
  bool expectation_met = true;
  bool expectation_ignored = false;  // unmet, but the run was told to --ignore-expect
  std::string expectation_note;
  std::string description;  // the scenario's
  std::map<std::string, int64_t> counters;
  std::vector<FaultSpec> faults;  // the faults that ran (scheduled + drawn swarm)
  EventLog history;               // kept when RunOptions::keep_history

  std::set<std::string> violated() const;
  std::string replay_command() const;
  Json to_json() const;
};

// Splits "name[:variant]"; throws InputError naming `where` on an unknown name or variant.
std::pair<std::string, std::string> resolve_pattern(const std::string& spec,
                                                    const std::string& where);

// Everything a run checks before it simulates, shared by `run`, `validate` and
// run_scenario: the pattern (name, variant, the workload, broker and coordinator it needs),
// the parameters of every pattern the scenario configures and then, when no error was found
// so far, the world built from it (link ends, fault and swarm node names, pattern-owned nodes
// included). Adds each error to `errors`.
void check_run(const Scenario& s, const RunOptions& o, InputErrors& errors);

// Loads `path` and checks it as a run with `o` would: throws one InputError listing every
// error in the file, one per line.
Scenario load_checked(const std::string& path, const RunOptions& o);

// Throws InputError on bad input (unknown pattern, bad node name in a fault, ...).
RunResult run_scenario(const Scenario& s, const RunOptions& o);

// The run's summary; violations grouped into findings, or every one with all_violations.
// Steps of the first finding's story the summary prints (its marked steps first).
inline constexpr size_t kSummaryStorySteps = 16;
std::string summary_text(const RunResult& r, bool all_violations = false, bool colour = false);

}  // namespace dtx
