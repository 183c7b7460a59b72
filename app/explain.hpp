// `dtxsim explain`: a transaction's story from a trace file (app/explain.cpp).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace dtx {

struct ExplainOptions {
  std::string trace;
  std::string gid;  // empty: the example transaction of finding `finding`
  int finding = 1;
  size_t max_steps = 40;  // longer stories keep faults, state changes, effects and evidence
  bool mermaid = false;   // a Mermaid sequence diagram instead of the numbered story
  std::string perfetto;   // write the whole trace for Perfetto here instead of a story
};

// Prints the story; returns the exit code. Bad input throws InputError.
int run_explain(const ExplainOptions& o, std::ostream& out);

}  // namespace dtx
