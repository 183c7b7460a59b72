// Findings: violations grouped by what they have in common, so one bug reads as one finding
// with a count and its transactions, not as hundreds of lines. Two transactions share a
// finding when they break the same invariants with the same kind of evidence: the set of
// (invariant, message shape) pairs of their violations, where a shape is the message with
// its numbers taken out ("money changed by -11" and "... by -4" have one shape), and, when
// the history is at hand, the same cause: the kind of their decisive step and the kinds of
// the faults in their stories (sim/check/story.hpp).
#pragma once

#include <string>
#include <vector>

#include "sim/check/checkers.hpp"
#include "sim/check/story.hpp"

namespace dtx {

struct Finding {
  std::vector<std::string> invariants;  // sorted
  std::vector<std::string> gids;        // in the order the violations list them
  std::vector<size_t> violations;       // indices into the violations grouped
  std::string example_gid;              // the first transaction, whose violations tell it
  Story story;                          // the example's story (empty without a history)
  // The finding as the --json output and the trace's `finding` trailer line carry it; `n`
  // counts from 1.
  Json to_json(const std::vector<Violation>& all, size_t n) const;
};

// The message with every run of digits replaced by "N" (signs kept out of it too).
std::string message_shape(const std::string& message);

// Findings in the order of their first violation; violations without a gid are one finding
// per shape. With a teller, each transaction's story splits findings by cause and the
// example's story is kept.
std::vector<Finding> group_findings(const std::vector<Violation>& violations,
                                    const Storyteller* teller = nullptr);

}  // namespace dtx
