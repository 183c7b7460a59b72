// Summaries of stored runs and their Markdown/HTML renderings; baseline comparison.
#include "app/report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dtx {

namespace {

const char* const kMetrics[] = {"latency_ms_p50",
                                "latency_ms_p90",
                                "latency_ms_p99",
                                "latency_ms_max",
                                "inconsistency_window_ms",
                                "messages_per_txn",
                                "local_txns_per_txn",
                                "checkbacks",
                                "retries",
                                "duplicate_deliveries",
                                "dead_letters",
                                "redeliveries",
                                "alerts",
                                "in_doubt_ms_max",
                                "business_txns",
                                "finished_txns",
                                "simulated_ms",
                                "throughput_per_s"};

std::string fmt(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

double throughput(const PatternSummary& p) {
  return p.metric_mean.at("throughput_per_s");
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
    std::set<std::string> bad = r.violated();
    if (bad.empty()) continue;
    ++p.violating;
    for (const auto& b : bad) ++p.by_invariant[b];
    if (p.violating_seeds.size() < 5) p.violating_seeds.push_back(r.seed);
    std::set<std::string> kinds;
    for (const auto& f : r.faults) kinds.insert(f.value("kind", "?"));
    if (kinds.empty()) kinds.insert("no fault");
    for (const auto& k : kinds) ++p.violating_by_fault[k];
  }
  std::vector<PatternSummary> out;
  for (auto& [key, p] : by) {
    for (auto& [m, v] : p.metric_mean) v /= static_cast<double>(p.runs);
    out.push_back(std::move(p));
  }
  return out;
}

std::string report_markdown(const std::vector<PatternSummary>& s, const std::string& title) {
  std::ostringstream o;
  o << "# " << title << "\n\n";
  o << "Each row aggregates the runs of one pattern and variant over the same seeds, workload and "
       "fault "
       "schedules. Latency and costs are means over runs (latency max: the worst run).\n\n";
  o << "| scenario | pattern | runs | violating runs | invariants broken | latency ms p50 / p90 / "
       "p99 (max) | "
       "inconsistency ms | msgs/txn | local txns/txn | check-backs | retries | duplicates | dead "
       "letters | "
       "finished txn per simulated s |\n";
  o << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& p : s) {
    std::string broken;
    for (const auto& [inv, n] : p.by_invariant)
      broken += (broken.empty() ? "" : ", ") + inv + " (" + std::to_string(n) + ")";
    auto m = [&](const char* k) { return p.metric_mean.at(k); };
    o << "| " << p.scenario << " | " << p.pattern << ":" << p.variant << " | " << p.runs << " | "
      << p.violating << " | " << (broken.empty() ? "none" : broken) << " | "
      << fmt(m("latency_ms_p50")) << " / " << fmt(m("latency_ms_p90")) << " / "
      << fmt(m("latency_ms_p99")) << " (" << fmt(p.metric_max.at("latency_ms_max")) << ") | "
      << fmt(m("inconsistency_window_ms"), 1) << " | " << fmt(m("messages_per_txn")) << " | "
      << fmt(m("local_txns_per_txn")) << " | " << fmt(m("checkbacks"), 1) << " | "
      << fmt(m("retries"), 1) << " | " << fmt(m("duplicate_deliveries"), 1) << " | "
      << fmt(m("dead_letters"), 1) << " | " << fmt(throughput(p), 1) << " |\n";
  }
  o << "\n## Violations\n\n";
  bool any = false;
  for (const auto& p : s) {
    if (!p.violating) continue;
    any = true;
    o << "- **" << p.scenario << " " << p.pattern << ":" << p.variant << "**: " << p.violating
      << " of " << p.runs << " runs; seeds";
    for (auto seed : p.violating_seeds) o << " " << seed;
    o << "; replay: `" << p.replay() << "`; fault kinds in violating runs:";
    for (const auto& [k, n] : p.violating_by_fault) o << " " << k << " (" << n << ")";
    o << "\n";
  }
  if (!any) o << "No run violated an invariant.\n";
  return o.str();
}

namespace {

// Grouped bar chart; values[g][k] for group g and series k.
std::string svg_bars(const std::string& title, const std::vector<std::string>& groups,
                     const std::vector<std::string>& series,
                     const std::vector<std::vector<double>>& values, const std::string& unit) {
  const int w = 900, h = 320, left = 60, bottom = 90, top = 30;
  double max_v = 0;
  for (const auto& row : values)
    for (double v : row) max_v = std::max(max_v, v);
  if (max_v <= 0) max_v = 1;
  const char* colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                           "#59a14f", "#edc948", "#b07aa1", "#ff9da7"};
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h
    << "' role='img'>";
  o << "<title>" << html_escape(title) << "</title>";
  o << "<text x='" << left << "' y='18' font-size='14' font-weight='bold'>" << html_escape(title)
    << "</text>";
  int plot_w = w - left - 20, plot_h = h - bottom - top;
  o << "<line x1='" << left << "' y1='" << top + plot_h << "' x2='" << left + plot_w << "' y2='"
    << top + plot_h << "' stroke='#333'/>";
  for (int t = 0; t <= 4; ++t) {
    double v = max_v * t / 4;
    int y = top + plot_h - static_cast<int>(plot_h * t / 4.0);
    o << "<text x='" << left - 6 << "' y='" << y + 4 << "' font-size='10' text-anchor='end'>"
      << fmt(v, 1) << "</text>";
    o << "<line x1='" << left << "' y1='" << y << "' x2='" << left + plot_w << "' y2='" << y
      << "' stroke='#ddd'/>";
  }
  double gw = groups.empty() ? plot_w : static_cast<double>(plot_w) / groups.size();
  double bw = series.empty() ? gw : gw * 0.8 / series.size();
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t k = 0; k < series.size(); ++k) {
      double v = values[g][k];
      int bh = static_cast<int>(plot_h * v / max_v);
      double x = left + g * gw + gw * 0.1 + k * bw;
      o << "<rect x='" << fmt(x, 1) << "' y='" << top + plot_h - bh << "' width='" << fmt(bw - 1, 1)
        << "' height='" << bh << "' fill='" << colours[k % 8] << "'><title>"
        << html_escape(groups[g] + " " + series[k] + ": " + fmt(v) + " " + unit)
        << "</title></rect>";
    }
    o << "<text font-size='10' transform='translate(" << fmt(left + g * gw + gw / 2, 1) << ","
      << top + plot_h + 12 << ") rotate(30)'>" << html_escape(groups[g]) << "</text>";
  }
  for (size_t k = 0; k < series.size(); ++k) {
    o << "<rect x='" << left + plot_w - 150 << "' y='" << top + 14 * k
      << "' width='10' height='10' fill='" << colours[k % 8] << "'/><text x='"
      << left + plot_w - 135 << "' y='" << top + 9 + 14 * k << "' font-size='10'>"
      << html_escape(series[k]) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string report_html(const std::vector<PatternSummary>& s, const std::string& title) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>" << html_escape(title)
    << "</title>"
    << "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
       "font-size:13px}"
       "td,th{border:1px solid #ccc;padding:4px "
       "8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}"
       "th{background:#f3f3f3}.bad{color:#b00020;font-weight:bold}.ok{color:#1b7f3b}code{font-size:"
       "12px}</style>"
       "</head><body>\n";
  o << "<h1>" << html_escape(title) << "</h1>\n";
  o << "<p>Every pattern ran on the same workload, fault schedules and seeds. Means over runs "
       "unless stated.</p>\n";
  o << "<table><thead><tr><th>scenario</th><th>pattern</th><th>runs</th><th>violating</"
       "th><th>invariants broken</th>"
       "<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>inconsistency "
       "ms</th><th>msgs/txn</th>"
       "<th>local txns/txn</th><th>check-backs</th><th>retries</th><th>duplicates</th><th>dead "
       "letters</th>"
       "<th>in-doubt max ms</th><th>finished txn/simulated s</th></tr></thead><tbody>\n";
  for (const auto& p : s) {
    std::string broken;
    for (const auto& [inv, n] : p.by_invariant)
      broken += (broken.empty() ? "" : ", ") + inv + " (" + std::to_string(n) + ")";
    auto m = [&](const char* k) { return p.metric_mean.at(k); };
    o << "<tr><td>" << html_escape(p.scenario) << "</td><td>"
      << html_escape(p.pattern + ":" + p.variant) << "</td><td>" << p.runs << "</td><td class='"
      << (p.violating ? "bad" : "ok") << "'>" << p.violating << "</td><td>"
      << html_escape(broken.empty() ? "none" : broken) << "</td><td>" << fmt(m("latency_ms_p50"))
      << "</td><td>" << fmt(m("latency_ms_p90")) << "</td><td>" << fmt(m("latency_ms_p99"))
      << "</td><td>" << fmt(p.metric_max.at("latency_ms_max")) << "</td><td>"
      << fmt(m("inconsistency_window_ms"), 1) << "</td><td>" << fmt(m("messages_per_txn"))
      << "</td><td>" << fmt(m("local_txns_per_txn")) << "</td><td>" << fmt(m("checkbacks"), 1)
      << "</td><td>" << fmt(m("retries"), 1) << "</td><td>" << fmt(m("duplicate_deliveries"), 1)
      << "</td><td>" << fmt(m("dead_letters"), 1) << "</td><td>"
      << fmt(p.metric_max.at("in_doubt_ms_max"), 1) << "</td><td>" << fmt(throughput(p), 1)
      << "</td></tr>\n";
  }
  o << "</tbody></table>\n";
  std::vector<std::string> groups;
  std::vector<std::vector<double>> lat;
  std::set<std::string> fault_kinds;
  for (const auto& p : s) {
    groups.push_back(p.scenario + " " + p.pattern + ":" + p.variant);
    lat.push_back({p.metric_mean.at("latency_ms_p50"), p.metric_mean.at("latency_ms_p90"),
                   p.metric_mean.at("latency_ms_p99")});
    for (const auto& [k, n] : p.violating_by_fault) fault_kinds.insert(k);
  }
  o << "<h2>Latency distribution</h2>\n"
    << svg_bars("End-to-end latency (ms)", groups, {"p50", "p90", "p99"}, lat, "ms") << "\n";
  std::vector<std::string> kinds(fault_kinds.begin(), fault_kinds.end());
  std::vector<std::vector<double>> viol;
  for (const auto& p : s) {
    std::vector<double> row;
    for (const auto& k : kinds)
      row.push_back(p.violating_by_fault.count(k) ? p.violating_by_fault.at(k) : 0);
    viol.push_back(row);
  }
  o << "<h2>Violating runs by fault kind</h2>\n";
  if (kinds.empty()) {
    o << "<p>No run violated an invariant.</p>\n";
  } else {
    o << svg_bars("Violating runs whose schedule contains each fault kind", groups, kinds, viol,
                  "runs")
      << "\n";
  }
  o << "<h2>Replays</h2>\n<ul>\n";
  for (const auto& p : s) {
    if (!p.violating) continue;
    o << "<li>" << html_escape(p.pattern + ":" + p.variant) << ": seeds";
    for (auto seed : p.violating_seeds) o << " " << seed;
    o << " &mdash; <code>" << html_escape(p.replay()) << "</code></li>\n";
  }
  o << "</ul>\n</body></html>\n";
  return o.str();
}

void write_report(const std::string& path, const std::vector<PatternSummary>& s,
                  const std::string& title) {
  auto ends = [&](const std::string& ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  std::string text;
  if (ends(".md")) {
    text = report_markdown(s, title);
  } else if (ends(".html")) {
    text = report_html(s, title);
  } else {
    throw InputError("--report " + path + ": expected a file name ending in .md or .html");
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError("--report " + path + ": cannot open for writing");
  out << text;
  if (!out) throw InputError("--report " + path + ": write failed");
}

namespace {
// Relative tolerance per metric (a regression is a mean larger than baseline * (1 + tol) + slack).
const std::map<std::string, std::pair<double, double>> kTolerance = {
    {"latency_ms_p50", {0.25, 1.0}},          {"latency_ms_p99", {0.25, 5.0}},
    {"messages_per_txn", {0.10, 0.1}},        {"local_txns_per_txn", {0.10, 0.1}},
    {"inconsistency_window_ms", {0.25, 5.0}},
};
}  // namespace

Json make_baseline(const std::vector<PatternSummary>& s) {
  Json entries = Json::array();
  for (const auto& p : s) {
    Json metrics = Json::object();
    for (const auto& [m, tol] : kTolerance) metrics[m] = p.metric_mean.at(m);
    Json violated = Json::array();
    for (const auto& [inv, n] : p.by_invariant) violated.push_back(inv);
    entries.push_back({{"scenario", p.scenario},
                       {"pattern", p.pattern},
                       {"variant", p.variant},
                       {"runs", p.runs},
                       {"violated", violated},
                       {"metrics", metrics}});
  }
  Json tol = Json::object();
  for (const auto& [m, t] : kTolerance) tol[m] = {{"relative", t.first}, {"absolute", t.second}};
  return {{"format", "dtxsim-baseline"}, {"version", 1}, {"tolerance", tol}, {"entries", entries}};
}

std::vector<std::string> compare_baseline(const Json& baseline,
                                          const std::vector<PatternSummary>& s) {
  std::vector<std::string> out;
  if (!baseline.is_object() || baseline.value("format", "") != "dtxsim-baseline")
    throw InputError("--baseline: expected a dtxsim baseline file (format \"dtxsim-baseline\")");
  for (const auto& p : s) {
    const Json* entry = nullptr;
    for (const auto& e : baseline["entries"]) {
      if (e.value("scenario", "") == p.scenario && e.value("pattern", "") == p.pattern &&
          e.value("variant", "") == p.variant)
        entry = &e;
    }
    std::string who = p.scenario + " " + p.pattern + ":" + p.variant;
    if (!entry) continue;  // not in the baseline: nothing to regress against
    std::set<std::string> allowed;
    for (const auto& v : (*entry)["violated"]) allowed.insert(v.get<std::string>());
    for (const auto& [inv, n] : p.by_invariant) {
      if (!allowed.count(inv))
        out.push_back(who + ": new violation of " + inv + " in " + std::to_string(n) +
                      " run(s); replay: " + p.replay());
    }
    for (const auto& [m, t] : kTolerance) {
      double base = (*entry)["metrics"].value(m, 0.0), now = p.metric_mean.at(m);
      if (now > base * (1 + t.first) + t.second)
        out.push_back(who + ": " + m + " regressed from " + fmt(base) + " to " + fmt(now) +
                      " (tolerance +" + fmt(t.first * 100, 0) + "% + " + fmt(t.second) + ")");
    }
  }
  return out;
}

}  // namespace dtx
