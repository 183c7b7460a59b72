// Trace files as a user writes them: gzip-compressed when the name ends in .gz (the same lines,
// readable by explain and export), and filtered to chosen transactions or a time window (the
// trace hash still the whole run's, the end line saying what was kept).
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <sstream>

#include "app/explain.hpp"
#include "app/runner.hpp"
#include "sim/kernel/trace_file.hpp"

using namespace dtx;

namespace {

std::string scenario_path(const std::string& name) {
  return std::string(DTXSIM_SOURCE_DIR) + "/scenarios/" + name;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("dtxsim_test_" + name)).string();
}

std::vector<Json> lines_of(const std::string& path) {
  std::string text, why;
  REQUIRE(read_trace_file(path, text, why));
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

std::string story(const std::string& trace, const std::string& gid) {
  ExplainOptions o;
  o.trace = trace;
  o.gid = gid;
  std::ostringstream out;
  REQUIRE(run_explain(o, out) == 0);
  return out.str();
}

}  // namespace

TEST_CASE("a .gz trace holds the plain trace's lines and explain reads it the same",
          "[patterns][trace]") {
  Scenario s = load_scenario(scenario_path("broken/outbox-mark_before_ack.json"));
  RunOptions o;
  o.keep_history = false;
  o.trace_path = temp("plain.jsonl");
  RunResult plain = run_scenario(s, o);
  o.trace_path = temp("packed.jsonl.gz");
  RunResult packed = run_scenario(s, o);
  CHECK(plain.trace_hash == packed.trace_hash);
  REQUIRE_FALSE(plain.violations.empty());
  std::string text, gz_text, why;
  REQUIRE(read_trace_file(temp("plain.jsonl"), text, why));
  REQUIRE(read_trace_file(temp("packed.jsonl.gz"), gz_text, why));
  CHECK(text == gz_text);
  CHECK(std::filesystem::file_size(temp("packed.jsonl.gz")) * 4 < text.size());
  const std::string gid = plain.violations.front().gid;
  CHECK(story(temp("plain.jsonl"), gid) == story(temp("packed.jsonl.gz"), gid));
  std::filesystem::remove(temp("plain.jsonl"));
  std::filesystem::remove(temp("packed.jsonl.gz"));
}

TEST_CASE("a trace filtered to some transactions keeps them and what belongs to none",
          "[patterns][trace]") {
  Scenario s = load_scenario(scenario_path("broken/outbox-mark_before_ack.json"));
  RunOptions o;
  o.keep_history = false;
  o.trace_path = temp("whole.jsonl");
  RunResult whole = run_scenario(s, o);
  REQUIRE_FALSE(whole.violations.empty());
  const std::string gid = whole.violations.front().gid;
  o.trace_path = temp("some.jsonl");
  o.trace_filter.gids = {gid};
  RunResult some = run_scenario(s, o);
  CHECK(some.trace_hash == whole.trace_hash);  // the run is the same; only the file differs
  auto all_lines = lines_of(temp("whole.jsonl"));
  auto kept = lines_of(temp("some.jsonl"));
  const std::set<std::string> faults = {"crash", "restart", "pause",  "resume", "partition",
                                        "heal",  "clog",    "unclog", "fault"};
  size_t events = 0, of_gid = 0, of_none = 0, whole_of_none = 0, whole_of_gid = 0, fault_events = 0,
         whole_fault_events = 0;
  for (const auto& j : all_lines) {
    if (!j.contains("id")) continue;
    if (faults.count(j["kind"].get<std::string>())) ++whole_fault_events;
    std::string g = j.value("gid", "");
    if (g.empty()) ++whole_of_none;
    if (g == gid) ++whole_of_gid;
  }
  for (const auto& j : kept) {
    if (!j.contains("id")) continue;
    ++events;
    if (faults.count(j["kind"].get<std::string>())) ++fault_events;
    std::string g = j.value("gid", "");
    CHECK((g.empty() || g == gid));
    ++(g.empty() ? of_none : of_gid);
  }
  CHECK(of_gid > 5);
  CHECK(of_gid == whole_of_gid);
  CHECK(of_none == whole_of_none);
  CHECK(fault_events == whole_fault_events);
  CHECK(events + 2000 < all_lines.size());  // the other 149 transactions' events are gone
  const Json& end = kept.back();
  REQUIRE(end["kind"] == "end");
  CHECK(end["filter"]["gids"] == Json::array({gid}));
  CHECK(end["written"] == events);
  CHECK(end["events"] == whole.events);
  // The chosen transaction's story is the same from either file.
  CHECK(story(temp("some.jsonl"), gid) == story(temp("whole.jsonl"), gid));

  // A time window: only events inside it (and the header and trailer).
  o.trace_path = temp("window.jsonl");
  o.trace_filter = {};
  o.trace_filter.from_us = 1000 * 1000;
  o.trace_filter.to_us = 2000 * 1000;
  run_scenario(s, o);
  size_t in_window = 0;
  for (const auto& j : lines_of(temp("window.jsonl"))) {
    if (!j.contains("id")) continue;
    ++in_window;
    CHECK(j["t"].get<int64_t>() >= 1000 * 1000);
    CHECK(j["t"].get<int64_t>() <= 2000 * 1000);
  }
  CHECK(in_window > 0);
  for (const char* f : {"whole.jsonl", "some.jsonl", "window.jsonl"})
    std::filesystem::remove(temp(f));
}
