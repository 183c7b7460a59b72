// The tolerance matrix of a report: for each pattern variant and each class of fault (a
// crash of each role, pause, partition, drop, duplicate, delay, database stall or failure),
// whether the runs that had such a fault held every invariant or which invariants broke.
// A violation is blamed on the fault its causal chain turns on: the violating run is replayed
// with its stories (sim/check/story.hpp) and each finding's invariants go to the class of
// its decisive step when that step is a fault (a crash, a lost message, a duplicate), else to
// the faults of its chain before the decisive step; a chain without a fault (a protocol bug,
// such as a poll that skips a late-committing row) is blamed on "no fault". A fault that
// merely ran beside the violation is not blamed.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/explore.hpp"
#include "app/results_db.hpp"

namespace dtx {

struct ToleranceCell {
  size_t exposed = 0;                    // runs whose schedule had this fault class
  size_t points = 0, points_broken = 0;  // explore points of this class, and those that broke
  std::map<std::string, size_t> broken;  // invariant -> runs where it was blamed on this class
  std::set<uint64_t> broken_seeds;
  std::string replay;  // of the first run that broke here
};

struct ToleranceMatrix {
  std::vector<std::string> classes;  // columns exercised by some run, in a fixed order
  std::vector<std::string> rows;     // pattern:variant
  std::map<std::string, std::map<std::string, ToleranceCell>> cells;  // row -> class -> cell
  std::vector<std::string> unexercised;                               // known classes no run had
};

// Node name -> role ("source", "target", "broker", "coordinator", ...), from a scenario.
std::map<std::string, std::string> node_roles(const Scenario& s);
// A fault's class (a column): its kind's family, a crash by the role of its node; "" for
// faults that end others (restart, heal).
std::string fault_class(FaultKind kind, const std::string& node,
                        const std::map<std::string, std::string>& roles);
// The same for a fault as the results database stores it (fault_to_json); "" for an unknown
// kind.
std::string fault_class(const Json& stored, const std::map<std::string, std::string>& roles);

// Builds the matrix from swarm runs (replaying violating runs, at most max_replays, to blame
// their faults) and explore results (each point is one fault: what breaks is its doing).
ToleranceMatrix tolerance_matrix(const std::vector<StoredRun>& runs,
                                 const std::vector<ExploreResult>& explored,
                                 size_t max_replays = 50);

}  // namespace dtx
