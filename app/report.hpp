// Reports over stored runs: per pattern, violations (with seeds and the first replay
// command), latency, inconsistency window, cost per business transaction, check-backs,
// retries, duplicates, dead letters, throughput; Markdown, or a self-contained HTML page
// with SVG charts (latency percentiles, violating runs by fault kind). Also the baseline
// comparison behind `dtxsim regress`.
#pragma once

#include <string>
#include <vector>

#include "app/results_db.hpp"

namespace dtx {

struct PatternSummary {
  std::string scenario, file, pattern, variant;
  size_t runs = 0, violating = 0;
  std::map<std::string, size_t> by_invariant;  // runs violating each invariant
  std::vector<uint64_t> violating_seeds;       // first few
  std::map<std::string, double> metric_mean;   // mean over runs
  std::map<std::string, double> metric_max;    // max over runs
  std::map<std::string, size_t>
      violating_by_fault;  // violating runs whose schedule has this fault kind
  std::string replay() const;
};

std::vector<PatternSummary> summarize(const std::vector<StoredRun>& runs);
std::string report_markdown(const std::vector<PatternSummary>& s, const std::string& title);
std::string report_html(const std::vector<PatternSummary>& s, const std::string& title);
// Writes .md or .html by extension; throws InputError on another extension or I/O failure.
void write_report(const std::string& path, const std::vector<PatternSummary>& s,
                  const std::string& title);

Json make_baseline(const std::vector<PatternSummary>& s);
// Returns the regressions found (empty: none), each one line.
std::vector<std::string> compare_baseline(const Json& baseline,
                                          const std::vector<PatternSummary>& s);

}  // namespace dtx
