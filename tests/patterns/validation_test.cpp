// Scenario validation: a fault schedule that cannot run as written (a link from a node to
// itself, overlapping partition groups, a heal of a partition that does not exist yet, a fault
// after the heal time), numbers no double holds and command-line seeds out of range are all
// located input errors; one pass reports every error of a file; `run` and `validate` check
// through the same function; every shipped scenario passes it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "app/runner.hpp"
#include "app/sweep.hpp"
#include "sim/kernel/random.hpp"

using namespace dtx;
using Catch::Contains;

namespace {

Json minimal() {
  return Json::parse(R"({"name":"m","topology":{"services":[{"name":"a"},{"name":"b"}]},
    "workload":{"kind":"transfer","count":5,"services":{"source":"a","target":"b"}},
    "pattern":{"name":"local_message_table"},"faults":{"heal_at_ms":1000}})");
}

Json with_schedule(const char* schedule) {
  Json j = minimal();
  j["faults"]["schedule"] = Json::parse(schedule);
  return j;
}

// What `validate` reports for a document: the file's errors, then the run's checks.
std::string errors_of(const Json& doc) {
  InputErrors errors;
  Scenario s = parse_scenario(doc, "v.json", errors);
  check_run(s, {}, errors);
  return errors.text();
}

size_t lines(const std::string& text) {
  return text.empty() ? 0 : 1 + std::count(text.begin(), text.end(), '\n');
}

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("dtxsim_validation_" + name)).string();
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

// The message load_scenario throws for `text`, or "" when it loads.
std::string load_error(const std::string& name, const std::string& text) {
  try {
    load_scenario(temp_file(name, text));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const char* kScenarioText = R"({
  "name": "t",
  "topology": {"services": [{"name": "a"}, {"name": "b"}], "brokers": [{"name": "mq"}]},
  "workload": {"kind": "transfer", "count": COUNT, "services": {"source": "a", "target": "b"}},
  "pattern": {"name": "outbox", "params": {"poll_interval_ms": POLL},
              "params_by_pattern": {"tcc": {"try_timeout_ms": TRY}}},
  "faults": {"schedule": [{"kind": "crash", "node": "a", "at_ms": 10},
                          {"kind": "crash", "node": "b", "at_ms": AT}]}
})";

// kScenarioText with the one placeholder `key` replaced by `value`, the others by 5.
std::string scenario_text(const std::string& key, const std::string& value) {
  std::string t = kScenarioText;
  for (const std::string k : {"COUNT", "POLL", "TRY", "AT"}) {
    auto at = t.find(k);
    t.replace(at, k.size(), k == key ? value : "5");
  }
  return t;
}

}  // namespace

TEST_CASE("a clog from a node to itself is rejected at its peer", "[input][validation]") {
  auto clog = [](const char* peer) {
    return with_schedule(
        (std::string(R"([{"kind":"clog","node":"a","at_ms":5,"peer":")") + peer + "\"}]").c_str());
  };
  CHECK_THAT(errors_of(clog("a")),
             Contains("v.json: $.faults.schedule[0].peer: expected a node other than node 'a'"));
  CHECK(errors_of(clog("b")).empty());
}

TEST_CASE("a partition puts each node in one group, once", "[input][validation]") {
  auto partition = [](const char* groups) {
    return with_schedule(
        (std::string(R"([{"kind":"partition","name":"p","at_ms":5,"groups":)") + groups + "}]")
            .c_str());
  };
  CHECK_THAT(errors_of(partition(R"([["a"],["b","a"]])")),
             Contains("v.json: $.faults.schedule[0].groups[1][1]: expected each node in one "
                      "group once, got 'a' again (first at $.faults.schedule[0].groups[0][0])"));
  CHECK_THAT(errors_of(partition(R"([["a","a"]])")),
             Contains("$.faults.schedule[0].groups[0][1]: expected each node in one group once"));
  CHECK_THAT(errors_of(partition(R"([["a"],[]])")),
             Contains("$.faults.schedule[0].groups[1]: expected a non-empty group"));
  CHECK(errors_of(partition(R"([["a"],["b"]])")).empty());
  CHECK(errors_of(partition(R"([["a","b"]])")).empty());
}

TEST_CASE("a heal names a partition created before it fires", "[input][validation]") {
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"heal","name":"p","at_ms":5}])")),
             Contains("v.json: $.faults.schedule[0].name: expected the name of a partition "
                      "created earlier in the schedule"));
  // Created later in time, though listed first.
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"partition","name":"p","groups":[["a"]],
      "at_ms":50},{"kind":"heal","name":"p","at_ms":20}])")),
             Contains("$.faults.schedule[1].name: expected the name of a partition"));
  // At the same time the list order is the firing order.
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"heal","name":"p","at_ms":20},
      {"kind":"partition","name":"p","groups":[["a"]],"at_ms":20}])")),
             Contains("$.faults.schedule[0].name"));
  CHECK(errors_of(with_schedule(R"([{"kind":"partition","name":"p","groups":[["a"]],"at_ms":20},
      {"kind":"heal","name":"p","at_ms":20}])"))
            .empty());
  CHECK(errors_of(with_schedule(R"([{"kind":"heal","at_ms":20}])")).empty());  // heals all
}

TEST_CASE("a field the fault's kind does not read is rejected, not ignored",
          "[input][validation]") {
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"crash","node":"a","rate":0.5,"at_ms":10}])")),
             Contains("$.faults.schedule[0].rate: expected no rate on a crash fault (rate applies "
                      "to drop_rate and duplicate_rate)"));
  CHECK_THAT(
      errors_of(with_schedule(R"([{"kind":"partition","node":"a","groups":[["a"]],"at_ms":10}])")),
      Contains("$.faults.schedule[0].node: expected no node on a partition fault"));
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"pause","node":"a","peer":"b","at_ms":10}])")),
             Contains("$.faults.schedule[0].peer: expected no peer on a pause fault (peer "
                      "applies to clog)"));
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"drop_rate","rate":0.2,"msg":4,"at_ms":10}])")),
             Contains("$.faults.schedule[0].msg: expected no msg on a drop_rate fault"));
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"restart","node":"a","at_ms":10,
      "duration_ms":100}])")),
             Contains("$.faults.schedule[0].duration_ms: expected no duration_ms on a restart "
                      "fault (duration_ms applies to every kind but restart and heal)"));
  CHECK(errors_of(with_schedule(R"([{"kind":"clog","node":"a","peer":"b","at_ms":10}])")).empty());
  CHECK(errors_of(with_schedule(R"([{"kind":"drop_rate","rate":0.2,"at_ms":10}])")).empty());
}

TEST_CASE("every fault kind has one row in the kind table, found by its name", "[input]") {
  const auto& table = fault_kind_table();
  REQUIRE(table.size() == static_cast<size_t>(FaultKind::delay_message) + 1);
  for (size_t i = 0; i < table.size(); ++i) {
    INFO(table[i].name);
    CHECK(static_cast<size_t>(table[i].kind) == i);
    FaultKind k = FaultKind::crash;
    CHECK(fault_kind_from_name(table[i].name, k));
    CHECK(k == table[i].kind);
  }
  FaultKind k = FaultKind::pause;
  CHECK_FALSE(fault_kind_from_name("crsh", k));
  CHECK(k == FaultKind::pause);
}

TEST_CASE("each fault kind reads into its own struct and writes back as it was written",
          "[input]") {
  // One fault of every kind, with every field the kind reads (databases are `<service>.db`).
  const char* schedule = R"([
    {"kind":"crash","node":"a","at_ms":1,"duration_ms":5},
    {"kind":"restart","node":"a","at_ms":20},
    {"kind":"pause","node":"b","at_ms":2,"duration_ms":3},
    {"kind":"partition","name":"p","groups":[["a"],["b"]],"at_ms":3,"duration_ms":4},
    {"kind":"heal","name":"p","at_ms":30},
    {"kind":"clog","node":"a","peer":"b","at_ms":4,"duration_ms":2},
    {"kind":"drop_rate","rate":0.25,"at_ms":5,"duration_ms":6},
    {"kind":"duplicate_rate","rate":0.5,"at_ms":6,"duration_ms":7},
    {"kind":"db_stall","node":"a.db","at_ms":7,"duration_ms":8},
    {"kind":"db_outage","node":"b.db","at_ms":8,"duration_ms":9},
    {"kind":"db_disk_full","node":"a.db","at_ms":9,"duration_ms":10},
    {"kind":"db_lock_contention","node":"b.db","at_ms":10,"duration_ms":11},
    {"kind":"drop_message","msg":3,"at_ms":0},
    {"kind":"duplicate_message","msg":4,"at_ms":0},
    {"kind":"delay_message","msg":5,"at_ms":0,"duration_ms":12}])";
  InputErrors errors;
  Scenario s = parse_scenario(with_schedule(schedule), "v.json", errors);
  check_run(s, {}, errors);
  REQUIRE(errors.text() == "");
  Json written = Json::parse(schedule);
  REQUIRE(s.faults.size() == fault_kind_table().size());
  for (size_t i = 0; i < s.faults.size(); ++i) {
    const FaultSpec& f = s.faults[i];
    INFO(written[i].dump());
    CHECK(static_cast<size_t>(f.kind()) == i);  // the alternative is the kind
    CHECK(fault_name(f.kind()) == written[i]["kind"].get<std::string>());
    CHECK(fault_to_json(f) == written[i]);
  }
  const auto* clog = s.faults[5].as<ClogFault>();
  REQUIRE(clog);
  CHECK((clog->node == "a" && clog->peer == "b" && clog->duration_us == 2 * kUsPerMs));
  CHECK(s.faults[5].as<CrashFault>() == nullptr);
  CHECK(s.faults[8].target() == "a.db");
  CHECK(s.faults[14].duration_us() == 12 * kUsPerMs);
  CHECK(s.faults[4].duration_us() == 0);  // a heal has no window
}

TEST_CASE("a fault at or after heal_at_ms is rejected, not skipped", "[input][validation]") {
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"crash","node":"a","at_ms":1000}])")),
             Contains("v.json: $.faults.schedule[0].at_ms: expected a time before heal_at_ms "
                      "(1000.0 ms)"));
  CHECK_THAT(errors_of(with_schedule(R"([{"kind":"drop_message","msg":3,"at_ms":1500.5}])")),
             Contains("$.faults.schedule[0].at_ms: expected a time before heal_at_ms"));
  CHECK(errors_of(with_schedule(R"([{"kind":"crash","node":"a","at_ms":999.999}])")).empty());
}

TEST_CASE("numbers no double holds are located by path and line", "[input][validation]") {
  REQUIRE(load_error("ok.json", scenario_text("", "")).empty());
  struct Case {
    const char* key;
    const char* value;
    const char* path;
  };
  for (const Case& c : {Case{"COUNT", "1e999", "$.workload.count"},
                        Case{"POLL", "-1e999", "$.pattern.params.poll_interval_ms"},
                        Case{"TRY", "1E+400", "$.pattern.params_by_pattern.tcc.try_timeout_ms"},
                        Case{"AT", "2e308", "$.faults.schedule[1].at_ms"}}) {
    INFO(c.key << " = " << c.value);
    std::string text = scenario_text(c.key, c.value);
    size_t line = 1 + std::count(text.begin(), text.begin() + text.find(c.value), '\n');
    std::string err = load_error("overflow.json", text);
    CHECK_THAT(err, Contains("dtxsim_validation_overflow.json: " + std::string(c.path) +
                             ": expected a number a double can hold"));
    CHECK_THAT(err, Contains("got " + std::string(c.value) + " (line " + std::to_string(line)));
  }
}

TEST_CASE("every node the world will add has a name of its own", "[input][validation]") {
  Json j = minimal();
  j["topology"]["services"] = Json::parse(R"([{"name":"a","instances":2},{"name":"b"},
      {"name":"a-2"}])");
  CHECK_THAT(errors_of(j), Contains("v.json: $.topology.services[2].name: expected a name no "
                                    "other node or database has, got 'a-2' again"));
  j = minimal();
  j["topology"]["coordinator"] = "b.db";
  CHECK_THAT(errors_of(j), Contains("$.topology.coordinator: expected a name no other"));
  j = minimal();
  j["topology"]["services"][1]["database"] = "a";  // a database node named like a service
  CHECK_THAT(errors_of(j), Contains("$.topology.services[1].database: expected a name no other"));
}

TEST_CASE("a swarm that would draw more faults than memory holds is rejected",
          "[input][validation]") {
  Json j = minimal();
  j["faults"] =
      Json::parse(R"({"heal_at_ms":1000000000,"swarm":{"enabled":true,"crash_per_s":1000}})");
  CHECK_THAT(errors_of(j), Contains("v.json: $.faults.swarm: expected rates that draw at most"));
  j["faults"]["heal_at_ms"] = 10000;
  CHECK(errors_of(j).empty());
}

TEST_CASE("integers past the reader's range are rejected, never clamped", "[input][validation]") {
  Json j = minimal();
  j["seed"] = Json(uint64_t{18446744073709551615u});
  CHECK_THAT(errors_of(j), Contains("$.seed: expected an integer in [0, 9223372036854775807]"));
  std::string err =
      load_error("bigint.json", scenario_text("COUNT", "123456789012345678901234567890"));
  CHECK_THAT(err, Contains("$.workload.count: expected an integer in [0, 10000000]"));
}

TEST_CASE("one pass reports every error of a file", "[input][validation]") {
  Json j = with_schedule(R"([{"kind":"clog","node":"a","peer":"a","at_ms":5},
      {"kind":"heal","name":"nowhere","at_ms":6},{"kind":"crash","node":"b","at_ms":4000}])");
  j["colour"] = "blue";
  j["workload"]["count"] = "many";
  j["pattern"]["params"] = {{"poll_interval_ms", "soon"}};
  j["pattern"]["params_by_pattern"] = {{"nosuch", Json::object()}};
  std::string all = errors_of(j);
  for (const char* path :
       {"$.colour: unknown key", "$.workload.count: expected an integer",
        "$.faults.schedule[0].peer", "$.faults.schedule[1].name", "$.faults.schedule[2].at_ms",
        "$.pattern.params.poll_interval_ms", "$.pattern.params_by_pattern.nosuch"})
    CHECK_THAT(all, Contains(std::string("v.json: ") + path));
  CHECK(lines(all) == 7);
  // load_scenario throws them as one InputError, one per line.
  std::string text = all;
  try {
    parse_scenario(j, "v.json");
    FAIL("no error");
  } catch (const InputError& e) {
    text = e.what();
  }
  CHECK(lines(text) == 5);  // the file's own errors; the pattern's come from the run's checks
}

TEST_CASE("an error is not echoed by checks of the default read in its place",
          "[input][validation]") {
  // A bad kind reads as the default (crash): its missing node is not reported again.
  CHECK(lines(errors_of(with_schedule(R"([{"kind":"explode","at_ms":5000}])"))) == 1);
  // A bad heal time: no fault is judged against the default one.
  Json j = with_schedule(R"([{"kind":"crash","node":"a","at_ms":20000}])");
  j["faults"]["heal_at_ms"] = "soon";
  CHECK(lines(errors_of(j)) == 1);
  j = minimal();
  j.erase("pattern");
  CHECK(lines(errors_of(j)) == 1);  // $.pattern: required, and nothing about its fields
}

TEST_CASE("validate and run check a scenario through the same function", "[input][validation]") {
  auto run_error = [](const Json& doc) {
    try {
      run_scenario(parse_scenario(doc, "v.json"), {});
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::vector<Json> docs;
  docs.push_back(with_schedule(R"([{"kind":"crash","node":"ghost","at_ms":5},
      {"kind":"db_stall","node":"a","at_ms":6},{"kind":"db_outage","node":"x.db","at_ms":7}])"));
  docs.push_back(minimal());
  docs.back()["pattern"] = {{"name", "outbox"}, {"params", {{"batch", 0}, {"relay", "x"}}}};
  docs.push_back(minimal());
  docs.back()["pattern"]["params_by_pattern"] = {{"tcc", {{"try_timeout_ms", -1}}}};
  docs.push_back(minimal());
  docs.back()["topology"]["links"] = Json::parse(R"([{"a":"a","b":"nobody"}])");
  for (const Json& doc : docs) {
    INFO(doc.dump());
    std::string validated = errors_of(doc);
    CHECK_FALSE(validated.empty());
    CHECK(validated == run_error(doc));
  }
  CHECK(lines(errors_of(docs[0])) == 3);
  CHECK_THAT(errors_of(docs[1]), Contains("needs a broker"));
  CHECK(lines(errors_of(docs[1])) == 3);
}

TEST_CASE("command-line seeds are integers in [0, 2^64-1]", "[input][validation][verbs]") {
  CHECK(parse_seed("18446744073709551615", "--seed") == 18446744073709551615u);
  CHECK(parse_seed("0", "--seed") == 0);
  for (const char* bad :
       {"-1", "18446744073709551616", "99999999999999999999999", "", "0x10", " 5", "+5", "1e3"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parse_seed(bad, "--seed"),
                      Contains("--seed: expected an integer in [0, 18446744073709551615], got '" +
                               std::string(bad) + "'"));
  }
  CHECK(parse_seeds("18446744073709551610..18446744073709551615").last == 18446744073709551615u);
  for (const char* bad : {"-1..5", "1..18446744073709551616", "1..", "..5", "1..2..3"})
    CHECK_THROWS_WITH(parse_seeds(bad), Contains("--seeds: expected A..B"));
  // Any range: a sweep walks it lazily.
  CHECK(parse_seeds("1..18446744073709551615").last == 18446744073709551615u);
}

TEST_CASE("every shipped scenario passes the checks of validate and run", "[input][validation]") {
  std::string root = std::string(DTXSIM_SOURCE_DIR) + "/scenarios";
  size_t checked = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(root)) {
    if (f.path().extension() != ".json" || f.path().filename() == "schema.json") continue;
    if (f.path().filename() == "lesson.json") continue;  // lessons, not scenarios (app/lesson.hpp)
    INFO(f.path());
    InputErrors errors;
    Scenario s = load_scenario(f.path().string(), errors);
    check_run(s, {}, errors);
    CHECK(errors.text() == "");
    ++checked;
  }
  CHECK(checked > 30);
}

TEST_CASE("a directory, an empty file or a non-object is an input error", "[input][validation]") {
  std::string dir = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(load_scenario(dir), Contains(dir + ": cannot open file"));
  CHECK_THAT(load_error("empty.json", ""), Contains("empty.json: $: not valid JSON"));
  CHECK_THAT(load_error("array.json", "[1]"), Contains("array.json: $: expected a JSON object"));
}

TEST_CASE("text mutations of a shipped scenario fail only with located InputErrors",
          "[input][fuzz]") {
  std::ifstream in(std::string(DTXSIM_SOURCE_DIR) + "/scenarios/transfer-outbox.json");
  std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(base.size() > 100);
  const char* numbers[] = {"1e999",
                           "-1e999",
                           "18446744073709551616",
                           "1e309",
                           "-0",
                           "99999999999999999999999",
                           "-9223372036854775809"};
  const char* bytes[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "x", "\xff"};
  Random rng(7, "text-fuzz");
  size_t rejected = 0, loaded = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string text = base;
    size_t at = rng.below(text.size());
    if (trial % 3 == 0) {
      size_t digit = text.find_first_of("0123456789", at);
      if (digit == std::string::npos) continue;
      size_t end = text.find_first_not_of("0123456789.", digit);
      text.replace(digit, end - digit, numbers[rng.below(std::size(numbers))]);
    } else if (trial % 3 == 1) {
      text.resize(at);
    } else {
      text.replace(at, 1, bytes[rng.below(std::size(bytes))]);
    }
    std::string path = temp_file("fuzz.json", text);
    INFO("trial " << trial);
    try {
      load_checked(path, {});
      ++loaded;
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Contains(path + ": "));
      ++rejected;
    }
    // Any other exception escapes and fails the test: `dtxsim` would exit 3 on it.
  }
  CHECK(rejected > 100);
  CHECK(loaded > 0);
}
