// The multi-run verbs: sweeps give the same runs whatever the job count, resume without
// redoing finished runs, shards merge into the unsharded result, reports are well-formed,
// regress flags new violations and metric regressions, shrink keeps the failure.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "app/explore.hpp"
#include "app/regress.hpp"
#include "app/report.hpp"
#include "app/sweep.hpp"
#include "app/tolerance.hpp"

using namespace dtx;

namespace {
Scenario compare_scenario() {
  return load_scenario(std::string(DTXSIM_SOURCE_DIR) + "/scenarios/compare/compare-transfer.json");
}

std::string fresh(const std::string& name) {
  // In the temporary directory, never in the working directory (a checkout); one name per
  // test case, so test cases running side by side do not share a file.
  std::string path =
      (std::filesystem::temp_directory_path() / ("dtxsim_verbs_test_" + name + ".db")).string();
  for (const char* tail : {"", "-wal", "-shm"}) std::remove((path + tail).c_str());
  return path;
}

// (pattern, variant, seed) -> trace hash + violated invariants: what a run is.
std::map<std::tuple<std::string, std::string, uint64_t>, std::string> fingerprint(ResultsDb& db) {
  std::map<std::tuple<std::string, std::string, uint64_t>, std::string> out;
  for (const auto& r : db.runs())
    out[{r.pattern, r.variant, r.seed}] = r.trace_hash + " " + r.violations.dump();
  return out;
}

// Every opened non-void tag is closed in order: enough to call our generated HTML well-formed.
bool balanced_html(const std::string& html) {
  std::regex tag("<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>");
  std::vector<std::string> stack;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator();
       ++it) {
    std::string name = (*it)[2];
    if (name == "meta" || name == "br") continue;
    if ((*it)[3] == "/") continue;  // self-closing
    if ((*it)[1] == "/") {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    } else {
      stack.push_back(name);
    }
  }
  return stack.empty();
}
}  // namespace

TEST_CASE("a sweep gives the same runs with one worker or two", "[verbs]") {
  Scenario s = compare_scenario();
  ResultsDb one(fresh("jobs1")), two(fresh("jobs2"));
  run_sweep(s, {"outbox:correct", "tcc:correct"}, {1, 6}, {}, 1, one, false);
  run_sweep(s, {"outbox:correct", "tcc:correct"}, {1, 6}, {}, 2, two, false);
  auto a = fingerprint(one), b = fingerprint(two);
  CHECK(a.size() == 12);
  CHECK(a == b);
}

TEST_CASE("a re-run sweep resumes: finished runs are neither redone nor lost", "[verbs]") {
  Scenario s = compare_scenario();
  ResultsDb partial(fresh("partial")), full(fresh("full"));
  SweepStats first = run_sweep(s, {"saga:correct"}, {1, 3}, {}, 2, partial, false);
  CHECK(first.ran == 3);
  SweepStats resumed = run_sweep(s, {"saga:correct"}, {1, 7}, {}, 2, partial, false);
  CHECK(resumed.skipped == 3);
  CHECK(resumed.ran == 4);
  run_sweep(s, {"saga:correct"}, {1, 7}, {}, 1, full, false);
  CHECK(fingerprint(partial) == fingerprint(full));
}

TEST_CASE("merged shards equal one unsharded sweep", "[verbs]") {
  Scenario s = compare_scenario();
  ResultsDb whole(fresh("whole")), merged(fresh("merged"));
  run_sweep(s, {"local_message_table:correct"}, {10, 18}, {}, 2, whole, false);
  for (int k = 1; k <= 3; ++k) {
    ResultsDb shard(fresh("shard" + std::to_string(k)));
    SweepStats st =
        run_sweep(s, {"local_message_table:correct"}, {10, 18}, {k, 3}, 1, shard, false);
    CHECK(st.ran == 3);
    for (const auto& r : shard.runs()) merged.insert(r);
  }
  CHECK(fingerprint(merged) == fingerprint(whole));
}

TEST_CASE("seed ranges and shards are validated", "[verbs][input]") {
  CHECK_THROWS_AS(parse_seeds("9..1"), InputError);
  CHECK_THROWS_AS(parse_seeds("1-9"), InputError);
  CHECK_THROWS_AS(parse_shard("0/3"), InputError);
  CHECK_THROWS_AS(parse_shard("4/3"), InputError);
  CHECK(parse_seeds("3..5").last == 5);
  CHECK(parse_shard("2/3").k == 2);
  CHECK_THROWS_AS(ResultsDb("does/not/exist/x.db", true), InputError);
}

TEST_CASE("stored runs can be read for one build only", "[verbs][report]") {
  ResultsDb db(fresh("builds"));
  StoredRun r;
  r.scenario = "s";
  r.scenario_hash = "h";
  r.file = "s.json";
  r.pattern = "outbox";
  r.variant = "correct";
  r.trace_hash = "t";
  r.metrics = Json::object();
  r.violations = Json::array();
  r.faults = Json::array();
  for (const char* build : {"old", "new"}) {
    for (uint64_t seed : {1, 2}) {
      r.build = build;
      r.seed = seed;
      db.insert(r);
    }
  }
  REQUIRE(db.runs().size() == 4);
  auto mine = db.runs("", "new");
  REQUIRE(mine.size() == 2);
  for (const auto& m : mine) CHECK(m.build == "new");
  CHECK(db.runs("s", "old").size() == 2);
  CHECK(db.runs("other", "new").empty());
}

TEST_CASE("reports are well-formed and show violations with their replay", "[verbs][report]") {
  Scenario s = compare_scenario();
  ResultsDb db(fresh("report"));
  run_sweep(s, {"outbox:correct", "outbox:dual_write_commit_first"}, {1, 4}, {}, 2, db, false);
  ReportInput in = report_input(db.runs(), "test");
  auto sum = summarize(in.runs);
  REQUIRE(sum.size() == 2);
  std::string html = report_html(in);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no external assets
  CHECK(balanced_html(html));
  std::string md = report_markdown(in);
  const PatternSummary& broken = sum[0].variant == "correct" ? sum[1] : sum[0];
  CHECK(broken.violating > 0);
  CHECK(md.find(broken.replay()) != std::string::npos);
  CHECK_THROWS_AS(write_report("report.pdf", in), InputError);

  // The sections that answer "which pattern, and what does it cost", in both renderings.
  for (const char* heading : {"What each pattern requires", "Invariants", "Fault tolerance",
                              "Costs", "Scenario", "Pattern parameters"}) {
    CHECK(md.find(std::string("## ") + heading) != std::string::npos);
    CHECK(html.find(std::string("<h2>") + heading + "</h2>") != std::string::npos);
  }
  // The commit-then-publish dual write loses messages: blamed on a fault, never on none.
  CHECK(md.find("breaks ") != std::string::npos);
  CHECK(md.find("transaction window") != std::string::npos);
  // No heading without content.
  CHECK(std::regex_search(md, std::regex("## [^\\n]*\\n\\n## ")) == false);
  CHECK(html.find("</h2>\n<h2>") == std::string::npos);
}

TEST_CASE("the tolerance matrix blames a violation on its causal chain, not on every fault it met",
          "[verbs][report]") {
  Scenario s = compare_scenario();
  ResultsDb db(fresh("tolerance"));
  run_sweep(s, {"outbox:dual_write_commit_first"}, {1, 10}, {}, 2, db, false);
  std::vector<StoredRun> runs = db.runs();
  ToleranceMatrix m = tolerance_matrix(runs, {});
  REQUIRE(m.rows.size() == 1);
  auto roles = node_roles(s);
  size_t violating = 0, fewer = 0;
  for (const auto& r : runs) {
    if (r.violated().empty()) continue;
    ++violating;
    std::set<std::string> scheduled, blamed;
    for (const auto& f : r.faults)
      if (!fault_class(f, roles).empty()) scheduled.insert(fault_class(f, roles));
    for (const auto& [cls, cell] : m.cells.at(m.rows[0]))
      if (cell.broken_seeds.count(r.seed)) blamed.insert(cls);
    INFO("seed " << r.seed);
    CHECK(!blamed.empty());
    // A message lost between the commit and the publish: a crash, a loss, a partition or
    // the broker being down, never a pause, a duplicate or a database stall beside it.
    for (const auto& cls : blamed) {
      CHECK(cls != "pause");
      CHECK(cls != "duplicate");
      CHECK(cls != "database stall");
    }
    if (blamed.size() < scheduled.size()) ++fewer;
  }
  REQUIRE(violating > 0);
  CHECK(fewer > 0);  // some fault ran beside a violation without being blamed for it
}

TEST_CASE("regress passes against its own baseline and flags regressions", "[verbs][regress]") {
  Scenario s = compare_scenario();
  ResultsDb db(fresh("regress"));
  run_sweep(s, {"two_phase_message:correct", "outbox:dual_write_commit_first"}, {1, 3}, {}, 2, db,
            false);
  std::vector<StoredRun> runs = db.runs();
  Baseline base = make_baseline(runs);
  REQUIRE(base.groups.size() == 2);
  CHECK(format_seeds({1, 2, 3}) == "1..3");
  CHECK(check_baseline(base, runs, {}).failed() == 0);

  Baseline stricter = base;
  for (auto& g : stricter.groups) {
    g.violated.clear();
    g.metrics["messages_per_txn"] = 0.5;
  }
  RegressResult r = check_baseline(stricter, runs, {});
  bool new_violation = false, metric = false;
  for (const auto& g : r.groups)
    for (const auto& p : g.problems) {
      new_violation = new_violation || p.find("new violation") != std::string::npos;
      metric = metric || p.find("messages_per_txn regressed") != std::string::npos;
    }
  CHECK(new_violation);
  CHECK(metric);

  // A baseline group's expected violation that no longer happens fails too.
  Baseline expects_more = base;
  expects_more.groups[0].violated.insert("exactly_once");
  CHECK(check_baseline(expects_more, runs, {}).failed() >= 1);

  // The baseline survives its own file format.
  std::string path = fresh("regress_baseline") + ".json";
  {
    std::ofstream out(path);
    out << base.to_json().dump(2);
  }
  Baseline back = read_baseline(path);
  CHECK(back.to_json() == base.to_json());
  {
    std::ofstream out(path);
    out << R"({"format": "dtxsim-baseline", "version": 1, "entries": []})";
  }
  CHECK_THROWS_AS(read_baseline(path), InputError);
}

TEST_CASE("regress: a seed past the baseline's that shows a declared limitation is no regression",
          "[verbs][regress]") {
  // 3PC declares its split under a partition (atomicity, conservation); a sweep past the
  // baseline's seeds may hit one. The same violations from a pattern without that limitation,
  // or from another invariant, still fail.
  auto run = [](std::string pattern, uint64_t seed, std::vector<std::string> violated) {
    StoredRun r;
    r.scenario = "compare-transfer";
    r.scenario_hash = "h";
    r.file = "scenarios/compare/compare-transfer.json";
    r.pattern = std::move(pattern);
    r.variant = "correct";
    r.seed = seed;
    r.metrics = Json::object();
    r.violations = Json::array();
    for (const auto& v : violated) r.violations.push_back({{"invariant", v}});
    return r;
  };
  std::vector<StoredRun> inside = {run("three_phase_commit", 1, {}), run("outbox", 1, {})};
  Baseline base = make_baseline(inside);
  REQUIRE(base.groups.size() == 2);
  std::vector<StoredRun> runs = inside;
  runs.push_back(run("three_phase_commit", 48, {"atomicity", "conservation"}));
  RegressResult ok = check_baseline(base, runs, {});
  CHECK(ok.failed() == 0);
  bool noted = false;
  for (const auto& g : ok.groups)
    for (const auto& n : g.known)
      noted = noted || n.find("declared limitation") != std::string::npos;
  CHECK(noted);
  std::vector<StoredRun> worse = inside;
  worse.push_back(run("three_phase_commit", 49, {"atomicity", "exactly_once"}));
  worse.push_back(run("outbox", 48, {"atomicity", "conservation"}));
  CHECK(check_baseline(base, worse, {}).failed() == 2);
}

TEST_CASE("seed sets parse sorted disjoint ranges only", "[verbs][regress]") {
  SeedSet s;
  REQUIRE(parse_seed_set("1..5,9,12..14", s));
  CHECK(count_seeds(s) == 9);
  CHECK(contains(s, 9));
  CHECK_FALSE(contains(s, 10));
  CHECK_FALSE(parse_seed_set("5..1", s));
  CHECK_FALSE(parse_seed_set("1..5,3", s));
  CHECK_FALSE(parse_seed_set("", s));
  CHECK_FALSE(parse_seed_set("1,,2", s));
  CHECK_FALSE(parse_seed_set("-1", s));
}

TEST_CASE("shrink keeps the failure with fewer faults and transactions", "[verbs][shrink]") {
  Scenario s = compare_scenario();
  // Find a seed whose swarm breaks the commit-then-publish dual write.
  uint64_t seed = 0;
  for (uint64_t candidate = 1; candidate <= 20 && !seed; ++candidate) {
    RunOptions o;
    o.seed = candidate;
    o.pattern = "outbox:dual_write_commit_first";
    o.keep_history = false;
    if (run_scenario(s, o).violated().count("no_lost")) seed = candidate;
  }
  REQUIRE(seed != 0);
  ShrinkResult r = shrink(s, seed, "outbox:dual_write_commit_first", "no_lost");
  CHECK(r.faults_after <= r.faults_before);
  CHECK(r.count_after < r.count_before);
  Scenario minimal = parse_scenario(r.scenario, "minimal.json");
  CHECK_FALSE(minimal.swarm.enabled);
  RunResult again = run_scenario(minimal, {});
  CHECK(again.violated().count("no_lost") == 1);
  CHECK(again.expectation_met);
}
