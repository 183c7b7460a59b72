// The comparison report: summaries of stored runs, and the document built from them (the
// renderings are in report_render.cpp, the tolerance matrix in tolerance.cpp).
#include "app/report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "app/output.hpp"
#include "app/regress.hpp"
#include "app/report_sections.hpp"
#include "app/tolerance.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

namespace {

const char* const kMetrics[] = {
    "latency_ms_p50",       "latency_ms_p90",     "latency_ms_p99",    "latency_ms_max",
    "txn_window_ms_p50",    "txn_window_ms_p99",  "txn_window_ms_max", "inconsistency_window_ms",
    "messages_per_txn",     "local_txns_per_txn", "checkbacks",        "retries",
    "duplicate_deliveries", "dead_letters",       "redeliveries",      "alerts",
    "in_doubt_ms_total",    "in_doubt_ms_max",    "recovery_ms_max",   "crashes",
    "business_txns",        "finished_txns",      "simulated_ms",      "throughput_per_s"};

std::string fmt(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string who(const PatternSummary& p) {
  return p.pattern + ":" + p.variant;
}

// "a=1, b=x" for an object's scalar members; nested values as compact JSON.
std::string flat(const Json& j) {
  if (!j.is_object()) return j.dump();
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string v = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    out += (out.empty() ? "" : ", ") + it.key() + "=" + v;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string PatternSummary::replay() const {
  if (violating_seeds.empty()) return "";
  return "dtxsim run " + file + " --seed " + std::to_string(violating_seeds.front()) +
         " --pattern " + pattern + ":" + variant;
}

std::vector<PatternSummary> summarize(const std::vector<StoredRun>& runs) {
  std::map<std::tuple<std::string, std::string, std::string>, PatternSummary> by;
  for (const auto& r : runs) {
    PatternSummary& p = by[{r.scenario, r.pattern, r.variant}];
    p.scenario = r.scenario;
    p.file = r.file;
    p.pattern = r.pattern;
    p.variant = r.variant;
    ++p.runs;
    for (const char* m : kMetrics) {
      double v = r.metrics.is_object() ? r.metrics.value(m, 0.0) : 0.0;
      p.metric_mean[m] += v;
      p.metric_max[m] = std::max(p.metric_max[m], v);
    }
    if (r.metrics.is_object() && r.metrics.value("crashes", 0) > 0) {
      ++p.crashed_runs;
      p.recovery_ms_mean += r.metrics.value("recovery_ms_max", 0.0);
    }
    std::set<std::string> bad = r.violated();
    if (bad.empty()) continue;
    ++p.violating;
    for (const auto& b : bad) ++p.by_invariant[b];
    if (p.violating_seeds.size() < 5) p.violating_seeds.push_back(r.seed);
  }
  std::vector<PatternSummary> out;
  for (auto& [key, p] : by) {
    for (auto& [m, v] : p.metric_mean) v /= static_cast<double>(p.runs);
    if (p.crashed_runs) p.recovery_ms_mean /= static_cast<double>(p.crashed_runs);
    out.push_back(std::move(p));
  }
  return out;
}

std::string load_scenario_name(const std::string& scenario, double arrival_per_s) {
  return scenario + "@" +
         fmt(arrival_per_s, arrival_per_s == static_cast<int64_t>(arrival_per_s) ? 0 : 1) + "/s";
}

ReportInput report_input(std::vector<StoredRun> runs, const std::string& title) {
  ReportInput in;
  in.title = title;
  for (auto& r : runs)
    (r.scenario.find('@') == std::string::npos ? in.runs : in.load_runs).push_back(std::move(r));
  bool one_scenario =
      !in.runs.empty() && std::all_of(in.runs.begin(), in.runs.end(), [&](const auto& r) {
        return r.scenario_hash == in.runs.front().scenario_hash;
      });
  if (one_scenario) {  // several scenarios: their parameters would be ambiguous
    try {
      in.scenario = load_scenario(in.runs.front().file);
    } catch (const InputError&) {
      // The file moved or is unreadable: the report goes without its parameters.
    }
  }
  return in;
}

namespace {

void introduction(const ReportInput& in, const std::vector<PatternSummary>& sum, Doc& d) {
  DocSection s;
  std::set<uint64_t> seeds;
  std::set<std::string> builds, scenarios;
  for (const auto& r : in.runs) {
    seeds.insert(r.seed);
    builds.insert(r.build);
    scenarios.insert(r.scenario);
  }
  std::string sc, b;
  for (const auto& x : scenarios) sc += (sc.empty() ? "" : ", ") + x;
  for (const auto& x : builds) b += (b.empty() ? "" : ", ") + x;
  if (in.runs.empty()) {
    s.paragraph("No stored runs match: nothing to compare.");
  } else {
    s.paragraph(std::to_string(in.runs.size()) + " runs of " + std::to_string(sum.size()) +
                " pattern variants on " + sc + ", seeds " + format_seeds(seeds) + ", build " + b +
                ". Every pattern ran the same workload, fault schedules and seeds; a seed replays "
                "its run exactly.");
  }
  d.sections.push_back(std::move(s));
}

void scenario_section(const ReportInput& in, Doc& d) {
  if (!in.scenario) return;
  const Scenario& s = *in.scenario;
  DocSection sec{"Scenario", {}};
  DocTable t{{"parameter", "value"}, {}};
  t.rows.push_back({"file", "`" + s.file + "`"});
  if (!s.description.empty()) t.rows.push_back({"description", s.description});
  const Json& raw = s.raw;
  if (raw.contains("workload")) t.rows.push_back({"workload", flat(raw["workload"])});
  if (raw.contains("topology")) {
    for (auto it = raw["topology"].begin(); it != raw["topology"].end(); ++it) {
      std::string v;
      if (it.value().is_array()) {
        for (const auto& x : it.value()) v += (v.empty() ? "" : "; ") + flat(x);
      } else {
        v = it.value().is_string() ? it.value().get<std::string>() : flat(it.value());
      }
      t.rows.push_back({"topology: " + it.key(), v});
    }
  }
  if (raw.contains("faults")) {
    for (auto it = raw["faults"].begin(); it != raw["faults"].end(); ++it) {
      std::string v = it.value().is_array()
                          ? std::to_string(it.value().size()) + " scheduled faults"
                          : flat(it.value());
      t.rows.push_back({"faults: " + it.key(), v});
    }
  }
  t.rows.push_back(
      {"termination bound", fmt(s.termination_bound_us / 1000.0, 0) + " ms after heal"});
  sec.table(std::move(t));
  d.sections.push_back(std::move(sec));
}

std::vector<std::string> distinct_patterns(const std::vector<PatternSummary>& sum) {
  std::vector<std::string> out;
  for (const auto& p : sum)
    if (std::find(out.begin(), out.end(), p.pattern) == out.end()) out.push_back(p.pattern);
  return out;
}

void requirements_section(const std::vector<PatternSummary>& sum, Doc& d) {
  DocSection sec{"What each pattern requires", {}};
  DocTable t{
      {"pattern", "infrastructure", "extra tables", "producer", "consumers", "intrusiveness"}, {}};
  for (const auto& name : distinct_patterns(sum)) {
    const PatternInfo* info = find_pattern(name);
    if (!info) continue;
    const PatternRequirements& r = info->requirements;
    auto or_unstated = [](const std::string& x) {
      return x.empty() ? std::string("not stated") : x;
    };
    t.rows.push_back({name, or_unstated(r.infrastructure), or_unstated(r.tables),
                      or_unstated(r.producer), or_unstated(r.consumer),
                      or_unstated(r.intrusiveness)});
  }
  if (t.rows.empty()) return;
  sec.table(std::move(t));
  d.sections.push_back(std::move(sec));
}

void correctness_section(const std::vector<PatternSummary>& sum, Doc& d) {
  DocSection sec{"Invariants", {}};
  DocTable t{
      {"scenario", "pattern", "runs", "violating runs", "invariants broken (runs)", "replay"}, {}};
  size_t bad = 0;
  for (const auto& p : sum) {
    std::string broken;
    for (const auto& [inv, n] : p.by_invariant)
      broken += (broken.empty() ? "" : ", ") + inv + " (" + std::to_string(n) + ")";
    bad += p.violating;
    t.rows.push_back({p.scenario, who(p), std::to_string(p.runs), std::to_string(p.violating),
                      broken.empty() ? "none" : broken,
                      p.violating ? std::string("`") + p.replay() + "`" : "-"});
  }
  if (t.rows.empty()) return;
  sec.paragraph(bad ? "Runs that broke an invariant, with the command that replays the first of "
                      "each group (`--trace FILE` and `dtxsim explain FILE` tell its story)."
                    : "Every run of every pattern held every invariant it checks.");
  sec.table(std::move(t));
  d.sections.push_back(std::move(sec));
}

// "12 runs, 30 points" with the broken ones when any: "2 of 12 runs, 1 of 30 points".
std::string evidence(const ToleranceCell& c, bool broken) {
  std::string out;
  if (c.exposed)
    out += (broken ? std::to_string(c.broken_seeds.size()) + " of " : "") +
           std::to_string(c.exposed) + " runs";
  if (c.points)
    out += (out.empty() ? "" : ", ") + (broken ? std::to_string(c.points_broken) + " of " : "") +
           std::to_string(c.points) + " points";
  return out;
}

std::string cell_text(const ToleranceCell* c, std::vector<std::string>& replays,
                      const std::string& where) {
  if (!c || (c->exposed == 0 && c->points == 0)) return "not exercised";
  if (c->broken.empty()) return std::string("holds (") + evidence(*c, false) + ")";
  std::string inv;
  for (const auto& [i, n] : c->broken) inv += (inv.empty() ? "" : ", ") + i;
  replays.push_back(std::string("[") + std::to_string(replays.size() + 1) + "] " + where + ": `" +
                    c->replay + "`");
  return std::string("breaks ") + inv + " (" + evidence(*c, true) + ") [" +
         std::to_string(replays.size()) + "]";
}

void tolerance_section(const ReportInput& in, Doc& d) {
  if (!in.tolerance || in.runs.empty()) return;
  ToleranceMatrix m = tolerance_matrix(in.runs, in.explored);
  DocSection sec{"Fault tolerance", {}};
  sec.paragraph(
      "Each cell counts the swarm runs whose fault schedule had that class of fault and the "
      "explore points (one fault at one protocol step each) of that class. It holds when no "
      "violation was blamed on it; a point breaks what its run broke. A swarm run's violation "
      "is blamed by its causal chain: each violating run is replayed with its stories (see "
      "`dtxsim explain`), and each finding is blamed on the fault its decisive step is (a "
      "crash, a message lost to loss or a partition, a duplicate) or, when the decisive step is "
      "a protocol step such as a time-out or a check-back answer, on the faults of its chain "
      "before that step. A fault that only ran beside the violation is not blamed; a chain "
      "without a fault (a protocol bug) is counted under \"no fault\".");
  DocTable t{{"pattern"}, {}};
  for (const auto& c : m.classes) t.header.push_back(c);
  std::vector<std::string> replays;
  for (const auto& row : m.rows) {
    std::vector<std::string> cells{row};
    for (const auto& c : m.classes) {
      auto it = m.cells[row].find(c);
      cells.push_back(
          cell_text(it == m.cells[row].end() ? nullptr : &it->second, replays, row + ", " + c));
    }
    t.rows.push_back(std::move(cells));
  }
  sec.table(std::move(t));
  sec.list(replays);
  if (!m.unexercised.empty()) {
    std::string u;
    for (const auto& c : m.unexercised) u += (u.empty() ? "" : ", ") + c;
    sec.paragraph("Not exercised by these runs: " + u +
                  ". `dtxsim explore` puts each of them at every protocol step.");
  }
  d.sections.push_back(std::move(sec));
}

}  // namespace

Doc build_report(const ReportInput& in) {
  Doc d;
  d.title = in.title;
  auto sum = summarize(in.runs);
  introduction(in, sum, d);
  requirements_section(sum, d);
  correctness_section(sum, d);
  tolerance_section(in, d);
  costs_section(sum, d);
  load_section(in.load_runs, d);
  scenario_section(in, d);
  parameters_section(in, sum, d);
  return d;
}

std::string report_markdown(const ReportInput& in) {
  return render_markdown(build_report(in));
}

std::string report_html(const ReportInput& in) {
  return render_html(build_report(in));
}

void check_report_path(const std::string& path) {
  auto ends = [&](const std::string& ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (!ends(".md") && !ends(".html"))
    throw InputError("--report " + path + ": expected a file name ending in .md or .html");
}

void write_report(const std::string& path, const ReportInput& in) {
  check_report_path(path);
  bool md = path.size() >= 3 && path.compare(path.size() - 3, 3, ".md") == 0;
  std::string text = md ? report_markdown(in) : report_html(in);
  write_file_checked(path, text, "--report");
}

}  // namespace dtx
