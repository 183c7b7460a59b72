// What each pattern costs (each figure defined where it is shown), how it behaves as the
// offered load grows, and the parameters each pattern ran with.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "app/report_sections.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

namespace {

std::string fmt(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double mean(const PatternSummary& p, const char* m) {
  auto it = p.metric_mean.find(m);
  return it == p.metric_mean.end() ? 0 : it->second;
}

std::string row_name(const PatternSummary& p, bool with_scenario) {
  return (with_scenario ? p.scenario + " " : "") + p.pattern + ":" + p.variant;
}

bool several_scenarios(const std::vector<PatternSummary>& sum) {
  for (const auto& p : sum)
    if (p.scenario != sum.front().scenario) return true;
  return false;
}

const std::vector<std::string> kDefinitions = {
    "**latency**: a business transaction's arrival (the request reaching its first service) to "
    "its final state (all branches done or compensated), so time spent waiting for a saturated "
    "database or a lock counts; p50, p90 and p99 of each run, averaged over runs; max is the worst "
    "run's.",
    "**transaction window**: per transaction, its first effect (the origin's commit) to its last "
    "effect (the last downstream or compensating commit) - how long others can see it half "
    "done; p50 and p99 of each run, averaged over runs.",
    "**money in flight**: the total time, per run, during which some money has left one account "
    "and not reached the other (a snapshot of all databases would not balance), summed over "
    "every transaction at once.",
    "**messages / txn** and **local txns / txn**: messages sent and local database "
    "transactions committed, over the business transactions.",
    "**in-doubt lock time**: prepared (two-phase commit) database transactions hold their locks "
    "until the decision reaches them: total per business transaction, and the longest one.",
    "**recovery after a crash**: from a crash to the moment every transaction open at that crash "
    "is final (the longest over a run's crashes), averaged over the runs that had a crash.",
    "**check-backs, retries, duplicates, dead letters**: per run, averaged over runs "
    "(duplicates: deliveries of a message already delivered)."};

}  // namespace

void costs_section(const std::vector<PatternSummary>& sum, Doc& d) {
  if (sum.empty()) return;
  bool sc = several_scenarios(sum);
  DocSection sec{"Costs", {}};
  sec.list(kDefinitions);
  DocTable time{{"pattern", "latency p50 ms", "p90", "p99", "max", "txn window p50 ms", "p99",
                 "money in flight ms", "recovery after crash ms (runs)"},
                {}};
  DocTable work{{"pattern", "messages / txn", "local txns / txn", "in-doubt lock ms / txn",
                 "longest in-doubt ms", "check-backs", "retries", "duplicates", "dead letters"},
                {}};
  DocChart lat{DocChart::Kind::bars, "End-to-end latency", "ms", {}, {"p50", "p90", "p99"}, {}, ""};
  DocChart win{DocChart::Kind::bars,
               "Transaction window and recovery after a crash",
               "ms",
               {},
               {"txn window p50", "txn window p99", "recovery after crash"},
               {},
               ""};
  DocChart per{DocChart::Kind::bars,
               "Work per business transaction",
               "per txn",
               {},
               {"messages", "local txns"},
               {},
               ""};
  for (const auto& p : sum) {
    std::string name = row_name(p, sc);
    double txns = std::max(1.0, mean(p, "business_txns"));
    std::string recovery =
        p.crashed_runs ? fmt(p.recovery_ms_mean) + " (" + std::to_string(p.crashed_runs) + ")"
                       : "no crash";
    time.rows.push_back({name, fmt(mean(p, "latency_ms_p50")), fmt(mean(p, "latency_ms_p90")),
                         fmt(mean(p, "latency_ms_p99")), fmt(p.metric_max.at("latency_ms_max")),
                         fmt(mean(p, "txn_window_ms_p50")), fmt(mean(p, "txn_window_ms_p99")),
                         fmt(mean(p, "inconsistency_window_ms")), recovery});
    work.rows.push_back(
        {name, fmt(mean(p, "messages_per_txn"), 2), fmt(mean(p, "local_txns_per_txn"), 2),
         fmt(mean(p, "in_doubt_ms_total") / txns, 2), fmt(p.metric_max.at("in_doubt_ms_max")),
         fmt(mean(p, "checkbacks")), fmt(mean(p, "retries")), fmt(mean(p, "duplicate_deliveries")),
         fmt(mean(p, "dead_letters"))});
    lat.labels.push_back(name);
    lat.values.push_back(
        {mean(p, "latency_ms_p50"), mean(p, "latency_ms_p90"), mean(p, "latency_ms_p99")});
    win.labels.push_back(name);
    win.values.push_back({mean(p, "txn_window_ms_p50"), mean(p, "txn_window_ms_p99"),
                          p.crashed_runs ? p.recovery_ms_mean : 0});
    per.labels.push_back(name);
    per.values.push_back({mean(p, "messages_per_txn"), mean(p, "local_txns_per_txn")});
  }
  sec.table(std::move(time));
  sec.table(std::move(work));
  sec.chart(std::move(lat));
  sec.chart(std::move(win));
  sec.chart(std::move(per));
  d.sections.push_back(std::move(sec));
}

void load_section(const std::vector<StoredRun>& load_runs, Doc& d) {
  if (load_runs.empty()) return;
  // rate -> pattern -> (sum throughput, sum p99, runs)
  std::map<double, std::map<std::string, std::array<double, 3>>> by;
  std::vector<std::string> patterns;
  std::set<std::string> bases;  // scenarios, when the runs come from several (`report`)
  for (const auto& r : load_runs) bases.insert(r.scenario.substr(0, r.scenario.rfind('@')));
  for (const auto& r : load_runs) {
    auto at = r.scenario.rfind('@');
    double rate = std::atof(r.scenario.c_str() + at + 1);
    std::string p =
        (bases.size() > 1 ? r.scenario.substr(0, at) + " " : "") + r.pattern + ":" + r.variant;
    if (std::find(patterns.begin(), patterns.end(), p) == patterns.end()) patterns.push_back(p);
    auto& cell = by[rate][p];
    cell[0] += r.metrics.value("throughput_per_s", 0.0);
    cell[1] += r.metrics.value("latency_ms_p99", 0.0);
    cell[2] += 1;
  }
  std::sort(patterns.begin(), patterns.end());
  DocSection sec{"Load curve", {}};
  sec.paragraph(
      "Each pattern ran the scenario's transactions at each offered load (arrival rate), without "
      "faults, over the same seeds. Throughput is finished transactions per simulated second "
      "from the first arrival to the last final state: it follows the offered load until the "
      "pattern saturates, then falls behind while p99 latency climbs.");
  DocChart tp{DocChart::Kind::lines, "Throughput against offered load", "txn/s", {}, patterns, {},
              "offered load (txn/s)"};
  DocChart p99{DocChart::Kind::lines, "p99 latency against offered load", "ms", {}, patterns, {},
               "offered load (txn/s)"};
  for (const auto& [rate, cells] : by) {
    tp.labels.push_back(fmt(rate, 0));
    p99.labels.push_back(fmt(rate, 0));
    std::vector<double> a, b;
    for (const auto& p : patterns) {
      auto it = cells.find(p);
      double n = it == cells.end() ? 0 : it->second[2];
      a.push_back(n ? it->second[0] / n : 0);
      b.push_back(n ? it->second[1] / n : 0);
    }
    tp.values.push_back(a);
    p99.values.push_back(b);
  }
  sec.chart(std::move(tp));
  sec.chart(std::move(p99));
  d.sections.push_back(std::move(sec));
}

void parameters_section(const ReportInput& in, const std::vector<PatternSummary>& sum, Doc& d) {
  DocSection sec{"Pattern parameters", {}};
  DocTable t{{"pattern", "parameters (set by the scenario, else the default)"}, {}};
  std::vector<std::string> seen;
  for (const auto& p : sum) {
    if (std::find(seen.begin(), seen.end(), p.pattern) != seen.end()) continue;
    seen.push_back(p.pattern);
    const PatternInfo* info = find_pattern(p.pattern);
    if (!info) continue;
    Json schema;
    Reader r = Reader::schema_mode(schema, p.pattern + " parameters");
    info->make("correct")->configure(r);
    Json given = in.scenario ? in.scenario->pattern.params_for(p.pattern) : Json::object();
    std::string text;
    const Json props = schema.value("properties", Json::object());
    for (auto it = props.begin(); it != props.end(); ++it) {
      bool set = given.contains(it.key());
      Json v = set ? given[it.key()] : it.value().value("default", Json());
      std::string shown = v.is_string() ? v.get<std::string>() : v.dump();
      text += (text.empty() ? "" : ", ") + it.key() + "=" + shown + (set ? " (set)" : "");
    }
    t.rows.push_back({p.pattern, text.empty() ? "none" : text});
  }
  if (t.rows.empty()) return;
  if (!in.scenario) sec.paragraph("The scenario file could not be read: the defaults are shown.");
  sec.table(std::move(t));
  d.sections.push_back(std::move(sec));
}

}  // namespace dtx
