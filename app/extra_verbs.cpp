// The multi-run verbs: sweep, merge, compare, report, regress, explore, shrink.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "app/explain.hpp"
#include "app/explore.hpp"
#include "app/report.hpp"
#include "app/sweep.hpp"
#include "app/verbs.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

namespace {

struct Options {
  std::string scenario, seeds, pattern, shard, db = "results/dtxsim.db", report, baseline, out,
                                               invariant;
  std::string patterns = "all";
  std::vector<std::string> inputs;
  std::string write_dir;
  double pause_ms = 0;
  int jobs = 1;
  std::string seed;
  int64_t count = 0;
  bool write = false, quiet = false, all_builds = false;
  CLI::App *sweep = nullptr, *merge = nullptr, *compare = nullptr, *report_cmd = nullptr,
           *regress = nullptr, *explore = nullptr, *shrink = nullptr, *explain = nullptr;
  ExplainOptions explain_opts;
};
Options g;

void ensure_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return;
  std::string dir = path.substr(0, slash);
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (!part.empty()) mkdir(part.c_str(), 0755);
    }
  }
}

std::vector<std::string> pattern_list(const Scenario& s, const std::string& spec) {
  std::vector<std::string> out;
  if (spec == "all") {
    for (const auto& p : pattern_registry()) {
      if (std::find(p.workloads.begin(), p.workloads.end(), s.workload.kind) != p.workloads.end())
        out.push_back(p.name + ":correct");
    }
    return out;
  }
  std::string cur;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i == spec.size() || spec[i] == ',') {
      if (!cur.empty())
        out.push_back(resolve_pattern(cur, "--patterns").first + ":" +
                      resolve_pattern(cur, "--patterns").second);
      cur.clear();
    } else {
      cur += spec[i];
    }
  }
  if (out.empty())
    throw InputError("--patterns: expected all or a comma-separated list of NAME[:VARIANT]");
  return out;
}

void print_stats(const SweepStats& st, const std::string& db) {
  std::cout << "runs planned " << st.planned << ", already stored " << st.skipped << ", ran "
            << st.ran << ", with violations " << st.violating
            << (st.limited ? ", known limitations " + std::to_string(st.limited) : "")
            << (st.interrupted ? " (interrupted: re-run to resume)" : "") << "\nresults: " << db
            << "\n";
}

int do_sweep() {
  Scenario s = load_scenario(g.scenario);
  SeedRange seeds = parse_seeds(g.seeds);
  Shard shard = g.shard.empty() ? Shard{} : parse_shard(g.shard);
  std::string p = g.pattern.empty() ? s.pattern.name + ":" + s.pattern.variant : g.pattern;
  ensure_parent(g.db);
  ResultsDb db(g.db);
  SweepStats st = run_sweep(s, {p}, seeds, shard, g.jobs, db, !g.quiet);
  print_stats(st, g.db);
  return st.interrupted ? 130 : 0;
}

int do_merge() {
  ensure_parent(g.out);
  ResultsDb out(g.out);
  size_t n = 0;
  for (const auto& in : g.inputs) {
    ResultsDb src(in, true);
    for (const auto& r : src.runs()) {
      out.insert(r);
      ++n;
    }
  }
  std::cout << "merged " << n << " runs from " << g.inputs.size() << " databases into " << g.out
            << "\n";
  return 0;
}

int do_compare() {
  Scenario s = with_infrastructure(load_scenario(g.scenario));
  SeedRange seeds = parse_seeds(g.seeds);
  if (!g.report.empty()) write_report(g.report, {}, "probe");  // fail early on a bad report path
  std::vector<std::string> pats = pattern_list(s, g.patterns);
  ensure_parent(g.db);
  ResultsDb db(g.db);
  SweepStats st = run_sweep(s, pats, seeds, Shard{}, g.jobs, db, !g.quiet);
  print_stats(st, g.db);
  std::string hash = scenario_hash(s);
  std::vector<StoredRun> mine;
  for (auto& r : db.runs(s.name)) {
    std::string pv = r.pattern + ":" + r.variant;
    if (r.scenario_hash == hash && r.seed >= seeds.first && r.seed <= seeds.last &&
        r.build == build_id() && std::find(pats.begin(), pats.end(), pv) != pats.end())
      mine.push_back(std::move(r));
  }
  auto sum = summarize(mine);
  if (!g.report.empty()) {
    write_report(g.report, sum, "dtxsim compare: " + s.name + " (seeds " + g.seeds + ")");
    std::cout << "report: " << g.report << "\n";
  } else {
    std::cout << report_markdown(sum, "dtxsim compare: " + s.name);
  }
  return st.interrupted ? 130 : 0;
}

// The runs a report or a regression check reads: this build's, unless --all-builds.
std::vector<StoredRun> reported_runs(ResultsDb& db) {
  return db.runs("", g.all_builds ? "" : build_id());
}

int do_report() {
  ResultsDb db(g.db, true);
  auto sum = summarize(reported_runs(db));
  if (g.report.empty()) {
    std::cout << report_markdown(sum, "dtxsim report: " + g.db);
  } else {
    write_report(g.report, sum, "dtxsim report: " + g.db);
    std::cout << "report: " << g.report << "\n";
  }
  return 0;
}

int do_regress() {
  ResultsDb db(g.db, true);
  auto sum = summarize(reported_runs(db));
  if (g.write) {
    ensure_parent(g.baseline);
    std::ofstream out(g.baseline);
    if (!out) throw InputError(g.baseline + ": cannot open for writing");
    out << make_baseline(sum).dump(2) << "\n";
    std::cout << "baseline written: " << g.baseline << " (" << sum.size() << " entries)\n";
    return 0;
  }
  std::ifstream in(g.baseline);
  if (!in) throw InputError(g.baseline + ": cannot open baseline");
  Json base = Json::parse(in, nullptr, false);
  if (base.is_discarded()) throw InputError(g.baseline + ": not valid JSON");
  auto problems = compare_baseline(base, sum);
  for (const auto& p : problems) std::cout << "REGRESSION " << p << "\n";
  std::cout << (problems.empty() ? "no regression against "
                                 : std::to_string(problems.size()) + " regression(s) against ")
            << g.baseline << " (" << sum.size() << " pattern/scenario groups)\n";
  return problems.empty() ? 0 : 1;
}

// Writes the scenario that replays one failing explore point; returns its path.
std::string write_point(const ExploreResult& r, const ExplorePoint& p, size_t index) {
  std::string name =
      r.scenario.name + "-" + r.pattern + "-" + r.variant + "-point-" + std::to_string(index + 1);
  std::string path = g.write_dir + "/" + name + ".json";
  Json doc = replay_scenario(r.scenario, r.pattern, r.variant, p.faults, r.scenario.heal_us, name,
                             "Explore point of " + r.scenario.file + ": " + p.what, p.violated);
  std::ofstream out(path);
  if (!out) throw InputError(path + ": cannot open for writing (--write-dir)");
  out << doc.dump(2) << "\n";
  return path;
}

int do_explore() {
  Scenario s = load_scenario(g.scenario);
  ExploreOptions o;
  if (!g.pattern.empty()) o.pattern = g.pattern;
  if (g.count > 0) o.count = g.count;
  o.jobs = g.jobs;
  if (g.pause_ms > 0) o.pause_us = static_cast<TimeUs>(g.pause_ms * kUsPerMs);
  if (!g.write_dir.empty()) ensure_parent(g.write_dir + "/x");
  ExploreResult r = explore(s, o);
  std::cout << "explore " << s.name << " with " << r.pattern << ":" << r.variant << ": " << r.points
            << " fault points (pauses " << r.pause_us / 1000 << " ms)";
  if (!r.baseline_violated.empty()) {
    std::cout << "\n  the fault-free baseline already violates:";
    for (const auto& v : r.baseline_violated) std::cout << " " << v;
  }
  std::cout << "\n";
  for (size_t i = 0; i < r.failing.size(); ++i) {
    const ExplorePoint& p = r.failing[i];
    std::cout << "  BREAKS";
    for (const auto& v : p.violated) std::cout << " " << v;
    std::cout << ": " << p.what << "\n";
    if (!g.write_dir.empty())
      std::cout << "    replay: dtxsim run " << write_point(r, p, i) << "\n";
  }
  std::cout << r.failing.size() << " of " << r.points << " points break an invariant\n";
  if (!r.failing.empty() && g.write_dir.empty())
    std::cout << "(--write-dir DIR writes a scenario file per point that replays it)\n";
  return r.failing.empty() && r.baseline_violated.empty() ? 0 : 1;
}

int do_shrink() {
  Scenario s = load_scenario(g.scenario);
  if (g.pattern.empty()) g.pattern = s.pattern.name + ":" + s.pattern.variant;
  uint64_t seed = parse_seed(g.seed, "--seed");
  ShrinkResult r = shrink(s, seed, g.pattern, g.invariant);
  std::ofstream out(g.out);
  if (!out) throw InputError(g.out + ": cannot open for writing (-o)");
  out << r.scenario.dump(2) << "\n";
  std::cout << "shrunk " << g.scenario << " seed " << seed << " (" << r.invariant << "): faults "
            << r.faults_before << " -> " << r.faults_after << ", transactions " << r.count_before
            << " -> " << r.count_after << ", " << r.runs << " runs\nwrote " << g.out
            << " (replay: dtxsim run " << g.out << ")\n";
  return 0;
}

}  // namespace

void add_extra_verbs(CLI::App& app) {
  g.sweep = app.add_subcommand("sweep", "run many seeds on worker threads into a results database");
  g.sweep->add_option("scenario", g.scenario, "scenario file")->required();
  g.sweep->add_option("--seeds", g.seeds, "seed range A..B")->required();
  g.sweep->add_option("--pattern", g.pattern, "NAME[:VARIANT] (default: the scenario's)");
  g.sweep->add_option("--jobs", g.jobs, "worker threads")->check(CLI::Range(1, 256));
  g.sweep->add_option("--shard", g.shard, "run only shard K of N (K/N)");
  g.sweep->add_option("--db", g.db, "results database");
  g.sweep->add_flag("-q,--quiet", g.quiet, "no progress bar");

  g.merge = app.add_subcommand("merge", "merge shard results databases");
  g.merge->add_option("out", g.out, "merged database")->required();
  g.merge->add_option("inputs", g.inputs, "shard databases")->required();

  g.compare = app.add_subcommand("compare",
                                 "every pattern on the same workload, faults and seeds; a report");
  g.compare->add_option("scenario", g.scenario, "scenario file")->required();
  g.compare->add_option("--patterns", g.patterns, "all, or NAME[:VARIANT],...");
  g.compare->add_option("--seeds", g.seeds, "seed range A..B")->required();
  g.compare->add_option("--report", g.report, "report file (.md or .html)");
  g.compare->add_option("--jobs", g.jobs, "worker threads")->check(CLI::Range(1, 256));
  g.compare->add_option("--db", g.db, "results database");
  g.compare->add_flag("-q,--quiet", g.quiet, "no progress bar");

  g.report_cmd = app.add_subcommand("report", "regenerate a report from stored runs");
  g.report_cmd->add_option("--db", g.db, "results database");
  g.report_cmd->add_option("--report", g.report,
                           "report file (.md or .html; default: Markdown on stdout)");

  g.regress = app.add_subcommand("regress",
                                 "compare stored runs against a baseline; exit 1 on a regression");
  g.regress->add_option("--baseline", g.baseline, "baseline file")->required();
  g.regress->add_option("--db", g.db, "results database");
  g.regress->add_flag("--write", g.write, "write the baseline from the database instead");
  for (CLI::App* verb : {g.report_cmd, g.regress})
    verb->add_flag("--all-builds", g.all_builds,
                   "include runs stored by other builds (default: this build's only)");

  g.explore = app.add_subcommand("explore",
                                 "crash, stall, drop, duplicate and delay at every protocol step");
  g.explore->add_option("scenario", g.scenario, "scenario file")->required();
  g.explore->add_option("--pattern", g.pattern, "NAME[:VARIANT] (default: the scenario's)");
  g.explore->add_option("--count", g.count, "business transactions (default: the scenario's)")
      ->check(CLI::Range(1, 1000000));
  g.explore->add_option("--jobs", g.jobs, "worker threads")->check(CLI::Range(1, 256));
  g.explore
      ->add_option("--pause-ms", g.pause_ms,
                   "pause length (default: twice the scenario's longest time-out)")
      ->check(CLI::Range(1.0, 3600000.0));
  g.explore->add_option("--write-dir", g.write_dir,
                        "write a scenario file per failing point that replays it");

  g.explain = app.add_subcommand(
      "explain",
      "tell one transaction's story from a trace: its steps, what they link to, the "
      "faults that hit them, the invariants it broke");
  g.explain->add_option("trace", g.explain_opts.trace, "trace file (dtxsim run --trace)")
      ->required();
  auto* gid_opt = g.explain->add_option("--gid", g.explain_opts.gid, "the transaction to tell");
  g.explain
      ->add_option("--finding", g.explain_opts.finding,
                   "tell the example transaction of this finding (default 1)")
      ->check(CLI::Range(1, 1000000))
      ->excludes(gid_opt);
  g.explain
      ->add_option("--steps", g.explain_opts.max_steps,
                   "longest story told in full (longer ones keep faults, state changes, effects "
                   "and evidence)")
      ->check(CLI::Range(1, 100000));
  g.explain->add_flag("--mermaid", g.explain_opts.mermaid,
                      "print the story as a Mermaid sequence diagram");
  g.explain->add_option("--perfetto", g.explain_opts.perfetto,
                        "write the whole trace in the trace-event format Perfetto opens");

  g.shrink = app.add_subcommand("shrink", "minimise a failing seed's faults into a scenario file");
  g.shrink->add_option("scenario", g.scenario, "scenario file")->required();
  g.shrink->add_option("--seed", g.seed, "failing seed")->required();
  g.shrink->add_option("--pattern", g.pattern, "NAME[:VARIANT] (default: the scenario's)");
  g.shrink->add_option("--invariant", g.invariant,
                       "invariant that must keep failing (default: the first violated)");
  g.shrink->add_option("-o,--output", g.out, "minimal scenario file")->required();
}

int run_extra_verbs(CLI::App&) {
  if (*g.sweep) return do_sweep();
  if (*g.merge) return do_merge();
  if (*g.compare) return do_compare();
  if (*g.report_cmd) return do_report();
  if (*g.regress) return do_regress();
  if (*g.explore) return do_explore();
  if (*g.shrink) return do_shrink();
  if (*g.explain) return run_explain(g.explain_opts, std::cout);
  return 2;
}

}  // namespace dtx
