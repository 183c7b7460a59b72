// A small pattern written outside dtxsim, as a team would write its own: "notify" commits the
// origin's branch, then calls every downstream service until it answers that its branch is
// applied. Downstream services apply each branch once (a dedupe row in the effect's
// transaction). The retry loop lives only in memory, so a crash of the origin between its
// commit and the last answer loses the notification: this pattern tolerates a lossy network,
// not crashes (compare the local message table, which keeps the loop's state in a table).
#pragma once

#include "sim/plugin/pattern.hpp"

namespace example {
dtx::PatternInfo notify_info();
}  // namespace example
