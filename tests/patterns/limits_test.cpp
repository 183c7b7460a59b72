// Input limits and shared results databases (docs/input-and-limits.md): JSON nested deeper
// than 64 levels or with a repeated key is refused before any recursive code sees it, at any
// depth; a foreign `runs` table is refused untouched; sweeps sharing a database split the
// seeds through leases, and a dead sweep's expired leases are run again.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "app/sweep.hpp"
#include "sim/scenario/json_text.hpp"

using namespace dtx;
using Catch::Matchers::Contains;

namespace {
std::string fresh_db(const std::string& name) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("dtxsim_limits_test_" + name + ".db")).string();
  for (const char* tail : {"", "-wal", "-shm"}) std::remove((path + tail).c_str());
  return path;
}

Scenario small_scenario() {
  Scenario s = load_scenario(std::string(DTXSIM_SOURCE_DIR) +
                             "/scenarios/transfer-local_message_table.json");
  return s;
}

// Every error validate (and run) reports for `doc`, one per line; empty when it would run.
std::string errors_of(const Json& doc) {
  InputErrors e;
  Scenario s = parse_scenario(doc, "t.json", e);
  if (e.empty()) check_run(s, RunOptions{}, e);
  return e.text();
}

size_t stored(ResultsDb& db) {
  return db.runs().size();
}
}  // namespace

TEST_CASE("60,000 levels of nesting are refused without overflowing the stack", "[input][limits]") {
  std::string deep = "{\"a\": " + std::string(60000, '[') + std::string(60000, ']') + "}";
  CHECK_THROWS_WITH(parse_json_file_text(deep, "deep.json"),
                    Contains("deep.json: $.a[0][0]") &&
                        Contains("expected arrays and objects nested at most 64 levels deep"));
  CHECK(json_too_deep_at(deep) == 5 + 64);  // the 65th '[' (the object is level 1)
  // 64 levels are fine; brackets inside strings do not count.
  std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(json_too_deep_at(ok) == std::string::npos);
  CHECK_NOTHROW(parse_json_file_text(ok, "ok.json"));
  CHECK(json_too_deep_at("[\"" + std::string(100, '[') + "\\\"\"]") == std::string::npos);
}

TEST_CASE("a key repeated in one object is refused, the same key in two objects is not",
          "[input][limits]") {
  CHECK_THROWS_WITH(parse_json_file_text(R"({"a": {"count": 300, "count": 5}})", "dup.json"),
                    Contains("dup.json: $.a.count: expected each key once in an object, got "
                             "'count' again"));
  CHECK_NOTHROW(parse_json_file_text(R"({"a": {"count": 1}, "b": {"count": 2}})", "ok.json"));
  CHECK_NOTHROW(parse_json_file_text(R"([{"k": 1}, {"k": 2}])", "ok.json"));
}

TEST_CASE("null is a value of the wrong type, never the default", "[input][limits]") {
  Json doc = small_scenario().raw;
  doc["pattern"]["params"]["poll_interval_ms"] = nullptr;
  CHECK_THAT(errors_of(doc), Contains("t.json: $.pattern.params.poll_interval_ms: expected a "
                                      "number in [1.0, 1000000000.0], got null"));
  doc = small_scenario().raw;
  doc["workload"]["count"] = nullptr;
  CHECK_THAT(errors_of(doc),
             Contains("t.json: $.workload.count: expected an integer") && Contains("got null"));
}

TEST_CASE("intervals below 1 ms and over-long names are refused", "[input][limits]") {
  for (double bad : {0.0, -0.0, 5e-324, 0.5}) {
    Json doc = small_scenario().raw;
    doc["pattern"]["params"]["poll_interval_ms"] = bad;
    INFO(bad);
    CHECK_THAT(errors_of(doc), Contains("t.json: $.pattern.params.poll_interval_ms: expected a "
                                        "number in [1.0, 1000000000.0]"));
  }
  CHECK(errors_of(small_scenario().raw).empty());
  Json doc = small_scenario().raw;
  doc["topology"]["services"][0]["name"] = std::string(65, 'x');
  CHECK_THROWS_WITH(parse_scenario(doc, "long.json"),
                    Contains("long.json: $.topology.services[0].name: expected a string of at "
                             "most 64 characters"));
  doc = small_scenario().raw;
  doc["faults"]["schedule"] = Json::array();
  for (size_t i = 0; i <= kMaxArrayItems; ++i)
    doc["faults"]["schedule"].push_back({{"kind", "crash"}, {"node", "bank-a"}, {"at_ms", 1}});
  CHECK_THROWS_WITH(parse_scenario(doc, "many.json"),
                    Contains("many.json: $.faults.schedule: expected an array of at most 10000"));
}

TEST_CASE("a foreign table 'runs' is refused and left untouched", "[verbs][limits]") {
  std::string path = fresh_db("foreign");
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "CREATE TABLE runs(a, b); INSERT INTO runs VALUES(1, 2)", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto size_before = std::filesystem::file_size(path);
  CHECK_THROWS_WITH(ResultsDb(path, true),
                    Contains(path + ": not a dtxsim results database: expected a table 'runs' "
                                    "with dtxsim's columns, got one lacking id"));
  CHECK(std::filesystem::file_size(path) == size_before);
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("leases: a live lease of another sweep is passed over, an expired one is run",
          "[verbs][limits]") {
  Scenario s = small_scenario();
  s.workload.count = 20;
  std::string hash = scenario_hash(s);
  ResultsDb db(fresh_db("leases"));
  // Seed 2: held by a live sweep. Seed 3: held by a sweep that died (lease expired).
  CHECK(db.claim({hash, "local_message_table", "correct", 2}, "alive", 300) == Claim::claimed);
  CHECK(db.claim({hash, "local_message_table", "correct", 3}, "dead", -1) == Claim::claimed);
  CHECK(db.claim({hash, "local_message_table", "correct", 2}, "other", 300) == Claim::leased);
  SweepStats st = run_sweep(s, {"local_message_table:correct"}, {1, 4}, {}, 2, db, false);
  CHECK(st.planned == 4);
  CHECK(st.leased == 1);
  CHECK(st.ran == 3);
  CHECK(stored(db) == 3);
  CHECK(db.claim({hash, "local_message_table", "correct", 3}, "other", 300) == Claim::done);
  // The live lease's holder finishes later: then every seed is stored once.
  db.release("alive");
  SweepStats rest = run_sweep(s, {"local_message_table:correct"}, {1, 4}, {}, 1, db, false);
  CHECK(rest.skipped == 3);
  CHECK(rest.ran == 1);
  CHECK(stored(db) == 4);
}

TEST_CASE("two sweeps on one database at once store each run exactly once", "[verbs][limits]") {
  Scenario s = small_scenario();
  s.workload.count = 20;
  std::string path = fresh_db("concurrent");
  ResultsDb a(path), b(path);  // two connections, as two processes would have
  SweepStats sa, sb;
  std::thread ta([&] {
    sa = run_sweep(s, {"local_message_table:correct"}, {1, 60}, {}, 2, a, false);
  });
  std::thread tb([&] {
    sb = run_sweep(s, {"local_message_table:correct"}, {1, 60}, {}, 2, b, false);
  });
  ta.join();
  tb.join();
  CHECK(sa.ran + sb.ran == 60);
  CHECK(sa.ran + sa.skipped + sa.leased == 60);
  CHECK(sb.ran + sb.skipped + sb.leased == 60);
  CHECK(stored(a) == 60);
}

TEST_CASE("a sweep of 10^10 seeds plans lazily", "[verbs][limits]") {
  SeedRange r = parse_seeds("1..10000000000");
  CHECK(r.last == 10000000000u);
  Scenario s = small_scenario();
  s.workload.count = 5;
  ResultsDb db(fresh_db("huge"));
  // The top of the seed range, shard 2 of 3: the walk stops at 2^64-1 instead of wrapping.
  SweepStats st = run_sweep(s, {"local_message_table:correct"},
                            {18446744073709551610u, 18446744073709551615u}, {2, 3}, 1, db, false);
  CHECK(st.planned == 2);  // seeds ...611 and ...614
  CHECK(st.ran == 2);
}
