// Runs through the whole pipeline: every registered pattern is deterministic (same seed =>
// same trace hash, different seed => different), the --pattern override works, and bad
// scenario input is rejected with the file, the JSON path and the expectation.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "app/runner.hpp"
#include "sim/plugin/pattern.hpp"

using namespace dtx;

namespace {
std::string scenario_path(const std::string& name) {
  return std::string(DTXSIM_SOURCE_DIR) + "/scenarios/" + name;
}

Scenario shipped_for(const std::string& pattern) {
  return load_scenario(scenario_path("transfer-" + pattern + ".json"));
}

// The scenarios of scenarios/ and scenarios/broken/, sorted.
std::vector<std::string> bundled_scenarios() {
  std::vector<std::string> files;
  for (const auto& dir : {"", "broken"}) {
    for (const auto& f : std::filesystem::directory_iterator(scenario_path(dir))) {
      if (f.path().extension() == ".json" && f.path().filename() != "schema.json")
        files.push_back(f.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string error_of(const Json& doc) {
  try {
    parse_scenario(doc, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

Json minimal() {
  return Json::parse(R"({"name":"m","topology":{"services":[{"name":"a"},{"name":"b"}]},
    "workload":{"kind":"transfer","count":5,"services":{"source":"a","target":"b"}},
    "pattern":{"name":"local_message_table"}})");
}
}  // namespace

TEST_CASE("every pattern replays byte-identically per seed", "[patterns][determinism]") {
  for (const auto& p : pattern_registry()) {
    Scenario s = shipped_for(p.name);
    for (const auto& v : p.variants) {
      INFO(p.name << ":" << v.name);
      RunOptions o;
      o.pattern = p.name + ":" + v.name;
      o.keep_history = false;
      o.seed = 5;
      std::string a = run_scenario(s, o).trace_hash;
      std::string b = run_scenario(s, o).trace_hash;
      o.seed = 6;
      std::string c = run_scenario(s, o).trace_hash;
      CHECK(a == b);
      CHECK(a != c);
    }
  }
}

TEST_CASE("the clock's fast-forward changes no trace, under faults, for every pattern",
          "[patterns][determinism]") {
  // The shipped transfer scenarios crash, partition, pause and stall; the compare scenario
  // adds swarm faults. Runs with and without Simulator::advance_if_next must be identical.
  auto same = [](const Scenario& s, const std::string& pattern) {
    INFO(s.name << " " << pattern);
    RunOptions o;
    o.pattern = pattern + ":correct";
    o.keep_history = false;
    std::string with = run_scenario(s, o).trace_hash;
    o.fast_forward = false;
    std::string without = run_scenario(s, o).trace_hash;
    CHECK(with == without);
  };
  for (const auto& p : pattern_registry()) same(shipped_for(p.name), p.name);
  Scenario swarm = load_scenario(scenario_path("compare/compare-order.json"));
  for (const auto& p : pattern_registry()) {
    if (std::find(p.workloads.begin(), p.workloads.end(), "order") != p.workloads.end())
      same(swarm, p.name);
  }
}

TEST_CASE("a run keeping only the checked event kinds reports what a run keeping all does",
          "[patterns][checkers]") {
  // Every bundled scenario (broken variants included, so violations with their event ids are
  // compared too): the report of a run that keeps every event in memory and of one that keeps
  // only kCheckedKinds must be the same, metrics and event count included.
  std::vector<std::string> files = bundled_scenarios();
  REQUIRE(files.size() > 30);
  size_t with_violations = 0;
  for (const auto& f : files) {
    INFO(f);
    Scenario s = load_scenario(f);
    RunOptions all;
    RunResult full = run_scenario(s, all);
    RunOptions some;
    some.keep_history = false;
    RunResult lean = run_scenario(s, some);
    CHECK(full.history.size() == full.events);
    CHECK(full.to_json().dump() == lean.to_json().dump());
    if (!full.violations.empty()) ++with_violations;
  }
  CHECK(with_violations > 20);
}

TEST_CASE("a run that checks transactions as they end reports what a run holding all does",
          "[patterns][checkers]") {
  // A run nobody reads the events of seals each transaction final and quiet for a while: its
  // checks run then and it is let go. With short quiet times (so most transactions of these
  // small scenarios are sealed, and some get a record after sealing, which makes the run
  // check again holding all), the report must equal the one of a run holding everything.
  std::vector<std::string> files = bundled_scenarios();
  size_t sealing_runs = 0, with_violations = 0;
  for (const auto& f : files) {
    Scenario s = load_scenario(f);
    RunOptions all;
    all.keep_history = false;
    all.seal = false;
    RunResult held = run_scenario(s, all);
    if (!held.violations.empty()) ++with_violations;
    for (TimeUs quiet : {TimeUs{1000}, TimeUs{2 * kUsPerS}}) {
      INFO(f << " quiet " << quiet);
      RunOptions o;
      o.keep_history = false;
      o.seal_quiet_us = quiet;
      RunResult sealed = run_scenario(s, o);
      CHECK(held.to_json().dump() == sealed.to_json().dump());
      if (sealed.sealed > 0) ++sealing_runs;
    }
  }
  CHECK(with_violations > 20);
  CHECK(sealing_runs > files.size());  // most runs of the two sealed as they went
}

TEST_CASE("a run advanced in slices (benchmarks' interleaving) changes no trace",
          "[patterns][determinism]") {
  // Slices of odd lengths, so their ends fall between and on events' times.
  for (const auto& p : pattern_registry()) {
    INFO(p.name);
    Scenario s = shipped_for(p.name);
    RunOptions o;
    o.pattern = p.name + ":correct";
    o.keep_history = false;
    std::string whole = run_scenario(s, o).trace_hash;
    int slices = 0;
    o.between_slices = [&] { ++slices; };
    o.slice_us = 7 * kUsPerMs + 13;
    std::string sliced = run_scenario(s, o).trace_hash;
    CHECK(slices > 10);
    CHECK(whole == sliced);
  }
}

TEST_CASE("the trace file's hash line matches the printed hash", "[patterns][determinism]") {
  Scenario s = shipped_for("outbox");
  RunOptions o;
  o.trace_path =
      (std::filesystem::temp_directory_path() / "dtxsim_determinism_test.trace.jsonl").string();
  RunResult r = run_scenario(s, o);
  std::ifstream in(o.trace_path);
  std::string line, last;
  while (std::getline(in, line)) last = line;
  Json end = Json::parse(last);
  CHECK(end["kind"] == "end");
  CHECK(end["trace_hash"] == r.trace_hash);
  CHECK(end["events"] == r.events);
  in.close();
  std::remove(o.trace_path.c_str());
}

TEST_CASE("a pattern override replaces the scenario's pattern and variant", "[patterns]") {
  Scenario s = load_scenario(scenario_path("broken/outbox-watermark_polling.json"));
  RunOptions o;
  RunResult broken = run_scenario(s, o);
  CHECK(broken.variant == "watermark_polling");
  CHECK(broken.violated().count("no_lost") == 1);
  CHECK(broken.expectation_met);
  o.pattern = "outbox:correct";
  RunResult fixed = run_scenario(s, o);
  CHECK(fixed.variant == "correct");
  CHECK(fixed.violations.empty());
  CHECK_FALSE(fixed.expectation_met);  // the file expects the broken variant's violations
}

TEST_CASE("unknown patterns and variants are input errors", "[patterns][input]") {
  CHECK_THROWS_WITH(resolve_pattern("nope", "--pattern"),
                    Catch::Contains("unknown pattern 'nope'"));
  CHECK_THROWS_WITH(resolve_pattern("outbox:nope", "--pattern"),
                    Catch::Contains("has no variant 'nope'"));
  CHECK(resolve_pattern("outbox", "x").second == "correct");
}

TEST_CASE("scenario validation names the file, the path and what was expected",
          "[patterns][input]") {
  CHECK(error_of(minimal()).empty());
  Json j = minimal();
  j["workload"]["count"] = "many";
  CHECK_THAT(error_of(j), Catch::Contains("s.json: $.workload.count: expected an integer"));
  j = minimal();
  j["topology"]["services"][0]["colour"] = "red";
  CHECK_THAT(error_of(j), Catch::Contains("$.topology.services[0].colour: unknown key"));
  j = minimal();
  j["faults"] = Json::parse(R"({"schedule":[{"kind":"explode"}]})");
  CHECK_THAT(error_of(j), Catch::Contains("$.faults.schedule[0].kind: expected one of"));
  j = minimal();
  j.erase("pattern");
  CHECK_THAT(error_of(j), Catch::Contains("$.pattern: expected an object (required)"));
  j = minimal();
  j["workload"]["services"]["source"] = "zz";
  CHECK_THAT(error_of(j), Catch::Contains("$.workload.services.source"));
  j = minimal();
  j["expect"] = Json::array({"no_such_invariant"});
  CHECK_THAT(error_of(j), Catch::Contains("$.expect[0]"));
}

TEST_CASE("bad references are found when the world is built", "[patterns][input]") {
  Json j = minimal();
  j["faults"] = Json::parse(R"({"schedule":[{"kind":"crash","node":"ghost","at_ms":5}]})");
  Scenario s = parse_scenario(j, "s.json");
  CHECK_THROWS_WITH(
      run_scenario(s, {}),
      Catch::Contains("$.faults.schedule[0].node: expected a node name, got 'ghost'"));
  j = minimal();
  j["pattern"]["params"] = Json::parse(R"({"poll_interval_ms":"soon"})");
  s = parse_scenario(j, "s.json");
  CHECK_THROWS_WITH(run_scenario(s, {}),
                    Catch::Contains("$.pattern.params.poll_interval_ms: expected a number"));
  j = minimal();
  j["pattern"]["name"] = "outbox";
  s = parse_scenario(j, "s.json");
  CHECK_THROWS_WITH(run_scenario(s, {}), Catch::Contains("needs a broker"));
}
