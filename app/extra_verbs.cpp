// The multi-run verbs: sweep, merge, compare, report, regress, explore, shrink.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/explain.hpp"
#include "app/explore.hpp"
#include "app/output.hpp"
#include "app/regress.hpp"
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
  int64_t lease_seconds = kDefaultLeaseSeconds;
  std::string seed;
  int64_t count = 0;
  size_t budget = 0;
  std::string sample_seed = "1";
  std::string junit, json_out, load;
  bool write = false, quiet = false, all_builds = false, run_missing = false,
       fail_on_violation = false, explore_points = false;
  CLI::App *sweep = nullptr, *merge = nullptr, *compare = nullptr, *report_cmd = nullptr,
           *regress = nullptr, *explore = nullptr, *shrink = nullptr, *explain = nullptr,
           *export_cmd = nullptr;
  ExplainOptions explain_opts, export_opts;
  bool explain_mermaid = false;
  std::string explain_perfetto;
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
            << st.ran
            << (st.leased ? ", claimed by another sweep " + std::to_string(st.leased) : "")
            << ", with violations " << st.violating
            << (st.limited ? ", known limitations " + std::to_string(st.limited) : "")
            << (st.interrupted ? " (interrupted: re-run to resume)" : "") << "\nresults: " << db
            << "\n";
}

// --fail-on-violation: 1 when any of the runs (stored before or run now) broke an invariant,
// with the replay command of each of the first few.
int report_violating(const std::vector<StoredRun>& runs) {
  size_t bad = 0;
  for (const auto& r : runs) {
    if (r.violated().empty()) continue;
    if (++bad <= 5)
      std::cout << "VIOLATION " << r.pattern << ":" << r.variant << " seed " << r.seed << " breaks";
    if (bad > 5) continue;
    for (const auto& inv : r.violated()) std::cout << " " << inv;
    std::cout << "; replay: dtxsim run " << r.file << " --seed " << r.seed << " --pattern "
              << r.pattern << ":" << r.variant << "\n";
  }
  if (bad) std::cout << bad << " of " << runs.size() << " runs violate an invariant\n";
  return bad ? 1 : 0;
}

int do_sweep() {
  Scenario s = load_scenario(g.scenario);
  SeedRange seeds = parse_seeds(g.seeds);
  Shard shard = g.shard.empty() ? Shard{} : parse_shard(g.shard);
  std::string p = g.pattern.empty() ? s.pattern.name + ":" + s.pattern.variant : g.pattern;
  ensure_parent(g.db);
  ResultsDb db(g.db);
  SweepStats st = run_sweep(s, {p}, seeds, shard, g.jobs, db, !g.quiet, g.lease_seconds);
  print_stats(st, g.db);
  if (st.interrupted) return 130;
  if (!g.fail_on_violation) return 0;
  auto [name, variant] = resolve_pattern(p, "--pattern");
  std::vector<StoredRun> mine;
  for (auto& r : db.runs(s.name, build_id())) {
    if (r.scenario_hash == scenario_hash(s) && r.pattern == name && r.variant == variant &&
        r.seed >= seeds.first && r.seed <= seeds.last &&
        (r.seed - seeds.first) % static_cast<uint64_t>(shard.n) ==
            static_cast<uint64_t>(shard.k - 1))
      mine.push_back(std::move(r));
  }
  return report_violating(mine);
}

int do_merge() {
  // Every input is checked before the output is created: a foreign one leaves nothing behind.
  for (const auto& in : g.inputs) ResultsDb check(in, true);
  ensure_parent(g.out);
  ResultsDb out(g.out);
  size_t n = 0;
  for (const auto& in : g.inputs) {
    ResultsDb src(in, true);
    ResultsDb::Batch tx(out);
    for (const auto& r : src.runs()) {
      out.insert(r);
      ++n;
    }
    tx.commit();
  }
  std::cout << "merged " << n << " runs from " << g.inputs.size() << " databases into " << g.out
            << "\n";
  return 0;
}

// "10,50,200": arrival rates in (0, 100000] transactions per second.
std::vector<double> parse_loads(const std::string& text) {
  std::vector<double> out;
  if (text.empty()) return out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = std::min(text.find(',', at), text.size());
    std::string part = text.substr(at, end - at);
    char* stop = nullptr;
    double v = std::strtod(part.c_str(), &stop);
    if (part.empty() || *stop != '\0' || !(v > 0 && v <= 100000))
      throw InputError(
          "--load: expected arrival rates in (0, 100000] per second separated by "
          "commas (e.g. 10,50,200), got '" +
          text + "'");
    out.push_back(v);
    at = end + 1;
  }
  return out;
}

// The scenario at another arrival rate, fault-free, stored under its own name and hash.
Scenario load_point(const Scenario& s, double rate) {
  Scenario out = s;
  out.name = load_scenario_name(s.name, rate);
  out.workload.arrival_per_s = rate;
  out.faults.clear();
  out.swarm.enabled = false;
  TimeUs arrivals_us = static_cast<TimeUs>(static_cast<double>(s.workload.count) / rate * kUsPerS);
  out.heal_us = std::max(s.heal_us, s.workload.start_us + arrivals_us + kUsPerS);
  out.raw["name"] = out.name;
  out.raw["workload"]["arrival_per_s"] = rate;
  out.raw["faults"] = {{"heal_at_ms", out.heal_us / 1000.0}};
  return out;
}

// This build's runs of scenario `s` (by content) for the patterns and seeds given.
std::vector<StoredRun> runs_of(ResultsDb& db, const Scenario& s,
                               const std::vector<std::string>& pats, SeedRange seeds) {
  std::string hash = scenario_hash(s);
  std::vector<StoredRun> mine;
  for (auto& r : db.runs(s.name)) {
    std::string pv = r.pattern + ":" + r.variant;
    if (r.scenario_hash == hash && r.seed >= seeds.first && r.seed <= seeds.last &&
        r.build == build_id() && std::find(pats.begin(), pats.end(), pv) != pats.end())
      mine.push_back(std::move(r));
  }
  return mine;
}

int do_compare() {
  Scenario s = with_infrastructure(load_scenario(g.scenario));
  SeedRange seeds = parse_seeds(g.seeds);
  if (!g.report.empty()) check_report_path(g.report);  // fail before any run
  std::vector<double> loads = parse_loads(g.load);
  std::vector<std::string> pats = pattern_list(s, g.patterns);
  ensure_parent(g.db);
  ResultsDb db(g.db);
  SweepStats st = run_sweep(s, pats, seeds, Shard{}, g.jobs, db, !g.quiet, g.lease_seconds);
  print_stats(st, g.db);
  ReportInput in;
  in.title = "dtxsim compare: " + s.name + " (seeds " + g.seeds + ")";
  in.runs = runs_of(db, s, pats, seeds);
  in.scenario = s;
  for (const auto& p : pats) {
    if (!g.explore_points || st.interrupted) break;
    ExploreOptions o;
    o.pattern = p;
    o.count = 3;
    o.jobs = g.jobs;
    in.explored.push_back(explore(s, o));
    std::cout << "explore " << p << ": " << in.explored.back().failing.size() << " of "
              << in.explored.back().points << " fault points break an invariant\n";
  }
  for (double rate : loads) {
    if (st.interrupted) break;
    Scenario ls = load_point(s, rate);
    SweepStats ld = run_sweep(ls, pats, seeds, Shard{}, g.jobs, db, !g.quiet, g.lease_seconds);
    st.interrupted = st.interrupted || ld.interrupted;
    std::cout << "load " << rate << "/s: ";
    print_stats(ld, g.db);
    for (auto& r : runs_of(db, ls, pats, seeds)) in.load_runs.push_back(std::move(r));
  }
  if (!g.report.empty()) {
    write_report(g.report, in);
    std::cout << "report: " << g.report << "\n";
  } else {
    std::cout << report_markdown(in);
  }
  if (st.interrupted) return 130;
  return g.fail_on_violation ? report_violating(in.runs) : 0;
}

// The runs a report or a regression check reads: this build's, unless --all-builds.
std::vector<StoredRun> reported_runs(ResultsDb& db) {
  return db.runs("", g.all_builds ? "" : build_id());
}

int do_report() {
  ResultsDb db(g.db, true);
  ReportInput in = report_input(reported_runs(db), "dtxsim report: " + g.db);
  if (g.report.empty()) {
    std::cout << report_markdown(in);
  } else {
    write_report(g.report, in);
    std::cout << "report: " << g.report << "\n";
  }
  return 0;
}

void write_text(const std::string& path, const std::string& text, const std::string& option) {
  ensure_parent(path);
  write_file_checked(path, text, option);
}

int write_baseline() {
  ResultsDb db(g.db, true);
  std::vector<StoredRun> runs = db.runs("", build_id());
  if (runs.empty())
    throw InputError(g.db + ": holds no runs of this build (" + build_id() +
                     "): expected the runs the baseline is to cover");
  Baseline b = make_baseline(runs);
  write_text(g.baseline, b.to_json().dump(2) + "\n", "--baseline");
  std::cout << "baseline written: " << g.baseline << " (" << b.groups.size() << " groups, "
            << runs.size() << " runs of build " << b.build << ")\n";
  return 0;
}

int do_regress() {
  if (g.write) return write_baseline();
  Baseline b = read_baseline(g.baseline);
  std::vector<std::pair<std::string, std::string>> outputs = {{g.junit, "--junit"},
                                                              {g.json_out, "--json"}};
  for (const auto& [path, option] : outputs)
    if (!path.empty()) write_text(path, "", option);  // fail early on an unwritable path
  auto changed = changed_scenarios(b);
  std::vector<StoredRun> runs;
  struct stat st;
  bool exists = stat(g.db.c_str(), &st) == 0;
  if (g.run_missing) {
    ensure_parent(g.db);
    ResultsDb db(g.db);
    size_t ran = fill_baseline(b, changed, db, g.jobs, !g.quiet, g.lease_seconds);
    std::cout << "ran " << ran << " missing baseline runs into " << g.db << "\n";
    runs = db.runs("", build_id());
  } else if (exists) {
    ResultsDb db(g.db, true);
    runs = db.runs("", build_id());
  } else {
    std::cout << g.db << " does not exist: every baseline run is missing (--run runs them)\n";
  }
  RegressResult r = check_baseline(b, runs, changed);
  r.baseline_path = g.baseline;
  r.db_path = g.db;
  r.build = build_id();
  if (!g.junit.empty()) write_text(g.junit, r.junit_xml(), "--junit");
  if (!g.json_out.empty()) write_text(g.json_out, r.to_json().dump(2) + "\n", "--json");
  std::cout << r.text();
  return r.failed() ? 1 : 0;
}

// Writes the scenario that replays one failing explore point; returns its path.
std::string write_point(const ExploreResult& r, const ExplorePoint& p, size_t index) {
  std::string name =
      r.scenario.name + "-" + r.pattern + "-" + r.variant + "-point-" + std::to_string(index + 1);
  std::string path = g.write_dir + "/" + name + ".json";
  Json doc = replay_scenario(r.scenario, r.pattern, r.variant, p.faults, r.scenario.heal_us, name,
                             "Explore point of " + r.scenario.file + ": " + p.what, p.violated);
  write_file_checked(path, doc.dump(2) + "\n", "--write-dir");
  return path;
}

// "[#####.....] 120/200 points, 1m05s left" while stdout is a terminal, redrawn in place.
std::function<void(size_t, size_t)> explore_progress() {
  if (!isatty(STDOUT_FILENO)) return {};
  auto t0 = std::chrono::steady_clock::now();
  return [t0](size_t done, size_t total) {
    double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto left = static_cast<long>(done ? spent * (total - done) / done : 0);
    size_t width = 30, filled = total ? done * width / total : width;
    std::printf("\r[%s%s] %zu/%zu points, %ldm%02lds left ", std::string(filled, '#').c_str(),
                std::string(width - filled, '.').c_str(), done, total, left / 60, left % 60);
    if (done == total) std::printf("\r\033[K");
    std::fflush(stdout);
  };
}

Json explore_json(const ExploreResult& r, const ExploreOptions& o) {
  Json failing = Json::array();
  for (const auto& p : r.failing) {
    Json faults = Json::array();
    for (const auto& f : p.faults) faults.push_back(fault_to_json(f));
    failing.push_back(
        {{"what", p.what}, {"kind", p.kind}, {"violated", p.violated}, {"faults", faults}});
  }
  return {{"scenario", r.scenario.name},
          {"file", r.scenario.file},
          {"pattern", r.pattern},
          {"variant", r.variant},
          {"transactions", r.scenario.workload.count},
          {"budget", o.budget},
          {"sample_seed", o.sample_seed},
          {"pause_ms", r.pause_us / 1000},
          {"points_listed", r.listed},
          {"points_run", r.points},
          {"kinds", r.kinds},
          {"kinds_tried", r.kinds_tried},
          {"baseline_violated", r.baseline_violated},
          {"failing", failing}};
}

void print_explore(const Scenario& s, const ExploreResult& r, const ExploreOptions& o) {
  std::cout << "explore " << s.name << " with " << r.pattern << ":" << r.variant << ": " << r.points
            << " fault points (pauses " << r.pause_us / 1000 << " ms)";
  if (o.budget)
    std::cout << "\n  budget " << o.budget << " (sample seed " << o.sample_seed
              << "): " << r.kinds_tried << " of " << r.kinds << " step kinds, " << r.points
              << " of " << r.listed << " points";
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
}

int do_explore() {
  Scenario s = load_scenario(g.scenario);
  ExploreOptions o;
  if (!g.pattern.empty()) o.pattern = g.pattern;
  if (g.count > 0) o.count = g.count;
  o.jobs = g.jobs;
  o.budget = g.budget;
  o.sample_seed = parse_seed(g.sample_seed, "--sample-seed");
  if (!g.quiet) o.on_progress = explore_progress();
  if (g.pause_ms > 0) o.pause_us = static_cast<TimeUs>(g.pause_ms * kUsPerMs);
  if (!g.write_dir.empty()) ensure_parent(g.write_dir + "/x");
  if (!g.json_out.empty()) ensure_parent(g.json_out);
  ExploreResult r = explore(s, o);
  print_explore(s, r, o);
  if (!g.json_out.empty()) write_text(g.json_out, explore_json(r, o).dump(2) + "\n", "--json");
  return r.failing.empty() && r.baseline_violated.empty() ? 0 : 1;
}

int do_shrink() {
  Scenario s = load_scenario(g.scenario);
  if (g.pattern.empty()) g.pattern = s.pattern.name + ":" + s.pattern.variant;
  uint64_t seed = parse_seed(g.seed, "--seed");
  ShrinkResult r = shrink(s, seed, g.pattern, g.invariant);
  write_file_checked(g.out, r.scenario.dump(2) + "\n", "-o");
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
  g.sweep
      ->add_option("--lease-seconds", g.lease_seconds,
                   "a claimed run is this sweep's for this long; a killed sweep's claims pass "
                   "to others after it (default 300)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 365}));
  g.sweep->add_option("--shard", g.shard, "run only shard K of N (K/N)");
  g.sweep->add_option("--db", g.db, "results database");
  g.sweep->add_flag("-q,--quiet", g.quiet, "no progress bar");
  g.sweep->add_flag("--fail-on-violation", g.fail_on_violation,
                    "exit 1 when any run of the range violates an invariant");

  g.merge = app.add_subcommand("merge", "merge shard results databases");
  g.merge->add_option("out", g.out, "merged database")->required();
  g.merge->add_option("inputs", g.inputs, "shard databases")->required();

  g.compare = app.add_subcommand("compare",
                                 "every pattern on the same workload, faults and seeds; a report");
  g.compare->add_option("scenario", g.scenario, "scenario file")->required();
  g.compare->add_option("--patterns", g.patterns, "all, or NAME[:VARIANT],...");
  g.compare->add_option("--seeds", g.seeds, "seed range A..B")->required();
  g.compare->add_option("--report", g.report, "report file (.md or .html)");
  g.compare->add_flag("--explore", g.explore_points,
                      "also put each fault at every protocol step of each pattern (explore, 3 "
                      "transactions) for the report's tolerance matrix");
  g.compare->add_option("--load", g.load,
                        "also run every pattern fault-free at these arrival rates per second "
                        "(e.g. 10,50,200) for the report's load curve");
  g.compare->add_option("--jobs", g.jobs, "worker threads")->check(CLI::Range(1, 256));
  g.compare
      ->add_option("--lease-seconds", g.lease_seconds,
                   "a claimed run is this compare's for this long (default 300)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 365}));
  g.compare->add_option("--db", g.db, "results database");
  g.compare->add_flag("-q,--quiet", g.quiet, "no progress bar");
  g.compare->add_flag("--fail-on-violation", g.fail_on_violation,
                      "exit 1 when any run violates an invariant");

  g.report_cmd = app.add_subcommand("report", "regenerate a report from stored runs");
  g.report_cmd->add_option("--db", g.db, "results database");
  g.report_cmd->add_option("--report", g.report,
                           "report file (.md or .html; default: Markdown on stdout)");

  g.regress = app.add_subcommand(
      "regress",
      "check this build's stored runs against a baseline (its scenarios, patterns, variants and "
      "seeds); exit 1 on a missing run, a new violation or a metric beyond tolerance");
  g.regress->add_option("--baseline", g.baseline, "baseline file")->required();
  g.regress->add_option("--db", g.db, "results database");
  auto* write_flag = g.regress->add_flag(
      "--write", g.write, "write the baseline from this build's runs in the database instead");
  g.regress->add_flag("--run", g.run_missing, "run the baseline's runs the database lacks first")
      ->excludes(write_flag);
  g.regress->add_option("--jobs", g.jobs, "worker threads for --run")->check(CLI::Range(1, 256));
  g.regress
      ->add_option("--lease-seconds", g.lease_seconds,
                   "--run: a claimed run is this process's for this long, as in sweep "
                   "(default 300)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 365}));
  g.regress->add_option("--junit", g.junit, "write a JUnit XML report (a test case per group)");
  g.regress->add_option("--json", g.json_out, "write the verdict as JSON");
  g.regress->add_flag("-q,--quiet", g.quiet, "no progress bar");
  g.report_cmd->add_flag("--all-builds", g.all_builds,
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
  g.explore
      ->add_option("--budget", g.budget,
                   "run at most N points: one of every protocol step kind first, then "
                   "instances sampled by --sample-seed")
      ->check(CLI::Range(1, 10000000));
  g.explore->add_option("--sample-seed", g.sample_seed, "seed of the budget's sample (default 1)");
  g.explore->add_option("--json", g.json_out, "also write the result as JSON");
  g.explore->add_flag("-q,--quiet", g.quiet, "no progress bar");

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
  g.explain->add_flag("--mermaid", g.explain_mermaid,
                      "print the story as a Mermaid sequence diagram (as export --format mermaid)");
  g.explain->add_option("--perfetto", g.explain_perfetto,
                        "write the whole trace in the trace-event format Perfetto opens (as "
                        "export --format perfetto --out FILE)");

  g.export_cmd = app.add_subcommand(
      "export",
      "draw a trace for other tools: one transaction as a Mermaid sequence diagram, or "
      "the whole trace as Perfetto / Chrome trace-event JSON");
  g.export_cmd->add_option("trace", g.export_opts.trace, "trace file (dtxsim run --trace)")
      ->required();
  g.export_cmd->add_option("--format", g.export_opts.format, "mermaid or perfetto")
      ->required()
      ->check(CLI::IsMember({"mermaid", "perfetto"}));
  auto* export_gid =
      g.export_cmd->add_option("--gid", g.export_opts.gid, "the transaction to draw (mermaid)");
  g.export_cmd
      ->add_option("--finding", g.export_opts.finding,
                   "draw the example transaction of this finding (mermaid; default 1)")
      ->check(CLI::Range(1, 1000000))
      ->excludes(export_gid);
  g.export_cmd->add_option("-o,--out", g.export_opts.out, "write here (default: standard output)");
  g.export_cmd
      ->add_option("--steps", g.export_opts.max_steps,
                   "longest diagram drawn in full (longer ones keep the marked steps, decisions "
                   "and effects)")
      ->check(CLI::Range(1, 100000));

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
  if (*g.explain) {
    if (g.explain_mermaid) g.explain_opts.format = "mermaid";
    if (!g.explain_perfetto.empty()) {
      g.explain_opts.format = "perfetto";
      g.explain_opts.out = g.explain_perfetto;
    }
    return run_explain(g.explain_opts, std::cout);
  }
  if (*g.export_cmd) return run_explain(g.export_opts, std::cout);
  return 2;
}

}  // namespace dtx
