// `dtxsim explain` and `dtxsim export`: a transaction's story from a trace file, as text, as a
// Mermaid diagram, or the whole trace for Perfetto (app/explain.cpp).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace dtx {

struct ExplainOptions {
  std::string trace;
  std::string gid;  // empty: the example transaction of finding `finding`
  int finding = 1;
  size_t max_steps = 40;         // longer stories keep faults, state changes, effects and evidence
  std::string format = "story";  // story, mermaid (one transaction) or perfetto (the trace)
  std::string out;               // write here instead of standard output
};

// Prints the story; returns the exit code. Bad input throws InputError.
int run_explain(const ExplainOptions& o, std::ostream& out);

}  // namespace dtx
