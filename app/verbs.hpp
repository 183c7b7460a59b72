// Verbs beyond run/validate/list/schema: the ping demo and the multi-run verbs
// (sweep, compare, explore, shrink, report, regress) as they land.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace dtx {
int run_ping(uint64_t seed, const std::string& trace_path);
void add_extra_verbs(CLI::App& app);
// Runs whichever extra verb was parsed; 2 when none was.
int run_extra_verbs(CLI::App& app);
}  // namespace dtx
