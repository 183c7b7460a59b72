// The dtxsim command line as a function: `dtxsim` is a main() that calls it, and a team's own
// build registers its patterns (sim/plugin/pattern.hpp, register_pattern) and then calls it,
// so its patterns run through the same verbs.
#pragma once

namespace dtx {
// Parses argv and runs the verb; returns the process exit code (0, 1, 2 or 3).
int dtxsim_main(int argc, char** argv);
}  // namespace dtx
