// Findings: violations grouped by what they have in common, so one bug reads as one finding
// with a count and its transactions, not as hundreds of lines. Two transactions share a
// finding when they break the same invariants with the same kind of evidence: the set of
// (invariant, message shape) pairs of their violations, where a shape is the message with
// its numbers taken out ("money changed by -11" and "... by -4" have one shape).
#pragma once

#include <string>
#include <vector>

#include "sim/check/checkers.hpp"

namespace dtx {

struct Finding {
  std::vector<std::string> invariants;  // sorted
  std::vector<std::string> gids;        // in the order the violations list them
  std::vector<size_t> violations;       // indices into the violations grouped
  std::string example_gid;              // the first transaction, whose violations tell it
  Json to_json(const std::vector<Violation>& all) const;
};

// The message with every run of digits replaced by "N" (signs kept out of it too).
std::string message_shape(const std::string& message);

// Findings in the order of their first violation; violations without a gid are one finding
// per shape.
std::vector<Finding> group_findings(const std::vector<Violation>& violations);

}  // namespace dtx
