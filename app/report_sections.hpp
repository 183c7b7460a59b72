// The report's cost, load-curve and parameter sections (report_costs.cpp), used by
// build_report.
#pragma once

#include "app/report.hpp"

namespace dtx {

void costs_section(const std::vector<PatternSummary>& sum, Doc& d);
void load_section(const std::vector<StoredRun>& load_runs, Doc& d);
void parameters_section(const ReportInput& in, const std::vector<PatternSummary>& sum, Doc& d);

}  // namespace dtx
