// Placeholder registration point for the multi-run verbs (sweep, compare, explore, shrink,
// report, regress); each lands in its own file and registers here.
#include "sim/app/verbs.hpp"

namespace dtx {

void add_extra_verbs(CLI::App&) {}

int run_extra_verbs(CLI::App&) { return 2; }

}  // namespace dtx
