// Registry entries of two-phase commit (XA across every branch's database, presumed abort with
// a durable decision log) and three-phase commit (can-commit, pre-commit, do-commit).
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo two_phase_commit_info();
PatternInfo three_phase_commit_info();
}  // namespace dtx
