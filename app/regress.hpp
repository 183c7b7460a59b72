// The regression gate behind `dtxsim regress`. A baseline records exactly what it covers:
// the scenario files with their content hashes, each (pattern, variant) group with its seeds,
// the invariants its runs break and its metric means, and the build that made it. The check
// covers that set and nothing less (a missing run fails, or `--run` fills it), plus every
// stored run of this build: a violation the baseline does not list fails, wherever it is.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/results_db.hpp"
#include "app/sweep.hpp"

namespace dtx {

// Seeds as sorted, disjoint, inclusive ranges; written "1..20" or "1..5,9,12..14".
using SeedSet = std::vector<SeedRange>;
std::string format_seeds(const std::set<uint64_t>& seeds);
// False when `text` is not such a list.
bool parse_seed_set(const std::string& text, SeedSet& out);
bool contains(const SeedSet& s, uint64_t seed);
size_t count_seeds(const SeedSet& s);

struct BaselineScenario {
  std::string file, name, hash;  // hash: scenario_hash() of the scenario the runs used
};

struct BaselineGroup {
  std::string scenario, hash, file, pattern, variant;
  SeedSet seeds;
  std::set<std::string> violated;         // invariants some run of the group breaks
  std::map<std::string, double> metrics;  // means over the group's runs
  std::string who() const { return scenario + " " + pattern + ":" + variant; }
};

struct Tolerance {
  double relative = 0, absolute = 0;  // a mean regresses past base * (1 + relative) + absolute
};

struct Baseline {
  std::string build;  // the build whose runs made it (information: regress checks this build)
  std::map<std::string, Tolerance> tolerance;
  std::vector<BaselineScenario> scenarios;
  std::vector<BaselineGroup> groups;
  Json to_json() const;
};

// The baseline of every group in `runs` (one build's), with the default tolerances.
Baseline make_baseline(const std::vector<StoredRun>& runs);
// Reads a baseline file; throws one InputError naming the file, each bad field's JSON path
// and what was expected.
Baseline read_baseline(const std::string& path);

// One group's verdict: a baseline group, or a group found only in the database.
struct GroupVerdict {
  std::string scenario, file, pattern, variant;
  bool in_baseline = false;
  size_t runs_expected = 0, runs_checked = 0;
  std::vector<std::string> problems;  // empty: passed
  std::vector<std::string> notes;     // said, never failing
  std::string replay;                 // of the first violating run, when one violates
  std::vector<std::string> known;     // seeds showing a declared limitation (said, not failing)
  std::string who() const { return scenario + " " + pattern + ":" + variant; }
};

struct RegressResult {
  std::string baseline_path, db_path, build, baseline_build;
  std::vector<GroupVerdict> groups;
  size_t failed() const;
  std::string text() const;  // one line per problem, then the verdict
  Json to_json() const;
  std::string junit_xml() const;  // one test case per group
};

// Scenario files whose content no longer hashes to the baseline's: file -> message.
std::map<std::string, std::string> changed_scenarios(const Baseline& b);

// Checks `runs` (this build's) against the baseline; `changed` from changed_scenarios().
RegressResult check_baseline(const Baseline& b, const std::vector<StoredRun>& runs,
                             const std::map<std::string, std::string>& changed);

// Runs the baseline's runs the database lacks for this build (scenarios whose file still
// hashes as recorded), claiming each with a lease of lease_s seconds as a sweep does;
// returns how many ran.
size_t fill_baseline(const Baseline& b, const std::map<std::string, std::string>& changed,
                     ResultsDb& db, int jobs, bool progress, int64_t lease_s);

}  // namespace dtx
