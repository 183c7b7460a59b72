// The comparison report over stored runs: which pattern, and what it costs. Per pattern what
// it requires, whether it held each invariant (with the replay of a violating run), a
// tolerance matrix (pattern x fault class), its costs each defined in the report (latency
// percentiles, messages and local transactions per transaction, per-transaction
// inconsistency window, in-doubt lock time, recovery after a crash), a load curve when runs
// at several arrival rates exist, and the scenario's and patterns' parameters. Written as
// Markdown or as a self-contained HTML page with SVG charts, both with the same content.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/explore.hpp"
#include "app/report_doc.hpp"
#include "app/results_db.hpp"

namespace dtx {

struct PatternSummary {
  std::string scenario, file, pattern, variant;
  size_t runs = 0, violating = 0;
  std::map<std::string, size_t> by_invariant;  // runs violating each invariant
  std::vector<uint64_t> violating_seeds;       // first few
  std::map<std::string, double> metric_mean;   // mean over runs
  std::map<std::string, double> metric_max;    // max over runs
  size_t crashed_runs = 0;                     // runs with a crash
  double recovery_ms_mean = 0;                 // over the runs with a crash
  std::string replay() const;
};

std::vector<PatternSummary> summarize(const std::vector<StoredRun>& runs);

// The name load-curve runs are stored under: "<scenario>@<rate>/s".
std::string load_scenario_name(const std::string& scenario, double arrival_per_s);

struct ReportInput {
  std::string title;
  std::vector<StoredRun> runs;          // the runs compared
  std::vector<StoredRun> load_runs;     // runs of the load curve, one scenario name per rate
  std::optional<Scenario> scenario;     // its parameters are printed when known
  bool tolerance = true;                // replay violating runs to blame their faults
  std::vector<ExploreResult> explored;  // explore points per pattern (compare --explore)
};

// Splits runs read from a database into compared runs and load-curve runs.
ReportInput report_input(std::vector<StoredRun> runs, const std::string& title);
Doc build_report(const ReportInput& in);
std::string report_markdown(const ReportInput& in);
std::string report_html(const ReportInput& in);
// Writes .md or .html by extension; throws InputError on another extension or I/O failure.
void write_report(const std::string& path, const ReportInput& in);
// Throws InputError unless `path` ends in .md or .html.
void check_report_path(const std::string& path);

}  // namespace dtx
