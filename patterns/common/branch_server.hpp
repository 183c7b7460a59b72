// The branch side of coordinator-driven patterns (2-phase message, TCC, saga): handlers
// branch.{action,compensate,try,confirm,cancel} on a service, each running the workload's
// operation in one local transaction guarded by the barrier. Options switch the guard off,
// or replace it by a read-then-act check, for the broken variants.
#pragma once

#include <set>
#include <string>

#include "patterns/common/tm_protocol.hpp"
#include "sim/plugin/workload.hpp"
#include "sim/world/context.hpp"

namespace dtx {

struct BranchServerOptions {
  std::set<std::string> unguarded;      // ops that run without the barrier
  bool null_compensation_guard = true;  // false: a Cancel/Compensate without Try/Action runs
  bool check_then_act = false;          // Try/Cancel guarded by SELECT, then act
  TimeUs try_delay_us = 0;              // Try's transaction stays open this long (a slow Try)
};

void install_branch_server(Context c, const Workload* w, BranchServerOptions o);

}  // namespace dtx
