// dtxsim: the command line. Exit codes: 0 the run met the scenario's expectations, 1 it did
// not (unexpected or missing violation), 2 bad input, 3 internal error. Never a crash.
// dtxsim_main is the whole program; a build with patterns of its own registers them and
// calls it (app/cli.hpp).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "app/lesson.hpp"
#include "app/output.hpp"
#include "app/runner.hpp"
#include "app/sweep.hpp"
#include "app/verbs.hpp"
#include "sim/check/checkers.hpp"
#include "sim/plugin/pattern.hpp"
#include "sim/scenario/scenario.hpp"

using namespace dtx;

namespace {

// One line per error: an input with several mistakes reports them all.
void print_error(const InputError& e) {
  std::string text = e.what();
  for (size_t at = 0; at <= text.size();) {
    size_t end = std::min(text.find('\n', at), text.size());
    std::cerr << "dtxsim: error: " << text.substr(at, end - at) << "\n";
    at = end + 1;
  }
}

// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
bool colour_terminal() {
  const char* no = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && !(no && *no);
}

// GID,GID,...: sorted, without repeats.
std::vector<std::string> parse_gid_list(const std::string& text, const char* flag) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string g; std::getline(in, g, ',');) {
    if (g.empty() || g.size() > 64)
      throw InputError(std::string(flag) +
                       ": expected GID,GID,... (each 1 to 64 characters), got '" + text + "'");
    out.push_back(g);
  }
  if (out.empty()) throw InputError(std::string(flag) + ": expected GID,GID,..., got nothing");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// FROM..TO in milliseconds of simulated time (FROM.. and ..TO leave an end open).
void parse_time_window(const std::string& text, const char* flag, TraceFilter& f) {
  auto bad = [&] {
    return InputError(std::string(flag) +
                      ": expected FROM..TO in milliseconds (whole numbers, FROM <= TO, either "
                      "may be left out), got '" +
                      text + "'");
  };
  size_t dots = text.find("..");
  if (dots == std::string::npos) throw bad();
  auto ms = [&](const std::string& part) -> TimeUs {
    if (part.empty()) return -1;
    if (part.size() > 12 || part.find_first_not_of("0123456789") != std::string::npos) throw bad();
    return static_cast<TimeUs>(std::stoll(part)) * 1000;
  };
  f.from_us = ms(text.substr(0, dots));
  f.to_us = ms(text.substr(dots + 2));
  if (f.from_us < 0 && f.to_us < 0) throw bad();
  if (f.from_us >= 0 && f.to_us >= 0 && f.from_us > f.to_us) throw bad();
  if (f.to_us >= 0) f.to_us += 999;  // TO counts whole: events up to TO.999 ms
}

int cmd_run(const std::string& file, const RunOptions& o, const std::string& json_path, bool quiet,
            bool all) {
  Scenario s = load_checked(file, o);
  if (!json_path.empty()) {
    std::ofstream probe(json_path, std::ios::app);
    if (!probe) throw InputError("--json " + json_path + ": cannot open for writing");
  }
  RunResult r = run_scenario(s, o);
  if (!quiet) std::cout << summary_text(r, all, colour_terminal());
  if (!quiet && !r.stories_skipped.empty()) std::cout << "note: " << r.stories_skipped << "\n";
  if (!quiet && !r.violations.empty()) {
    if (o.trace_path.empty())
      std::cout << "more: add --trace FILE, then `dtxsim explain FILE --finding N` tells any "
                   "finding, `dtxsim export FILE --format mermaid` draws it\n";
    else
      std::cout << "more: dtxsim explain " << o.trace_path << " --finding N; dtxsim export "
                << o.trace_path << " --format mermaid|perfetto\n";
  }
  if (!json_path.empty()) write_file_checked(json_path, r.to_json().dump(2) + "\n", "--json");
  return r.expectation_met || o.ignore_expect ? 0 : 1;
}

// Checks every file as `run` would (short of simulating) and reports every error of each.
int cmd_validate(const std::vector<std::string>& files) {
  size_t bad = 0;
  for (const auto& f : files) {
    try {
      Scenario s = load_checked(f, RunOptions{});
      std::cout << f << ": ok (" << s.name << ", " << s.pattern.name << ":" << s.pattern.variant
                << ")\n";
    } catch (const InputError& e) {
      print_error(e);
      ++bad;
    }
  }
  return bad ? 2 : 0;
}

// A pattern's parameters as JSON Schema properties (what its configure reads, with ranges).
Json params_schema(const PatternInfo& p) {
  Json params;
  Reader r = Reader::schema_mode(params, p.name + " parameters");
  p.make("correct")->configure(r);
  return params.value("properties", Json::object());
}

// The scenario schema with what only the registry knows: the pattern names, and for each
// pattern the parameters its `params` (and other patterns' `params_by_pattern` entries) may
// hold, with their types and ranges; the loader refuses any other key.
Json full_scenario_schema() {
  Json schema = scenario_schema();
  Json& pattern = schema["properties"]["pattern"];
  Json names = Json::array(), cases = Json::array(), by_pattern = Json::object();
  for (const auto& p : pattern_registry()) {
    Json params = {{"type", "object"},
                   {"additionalProperties", false},
                   {"properties", params_schema(p)},
                   {"description", p.name + " parameters (dtxsim list shows them)"}};
    names.push_back(p.name);
    cases.push_back({{"if", {{"properties", {{"name", {{"const", p.name}}}}}}},
                     {"then", {{"properties", {{"params", params}}}}}});
    by_pattern[p.name] = std::move(params);
  }
  pattern["properties"]["name"]["enum"] = std::move(names);
  pattern["properties"]["params_by_pattern"]["properties"] = std::move(by_pattern);
  pattern["properties"]["params_by_pattern"]["additionalProperties"] = false;
  pattern["allOf"] = std::move(cases);
  return schema;
}

Json list_json() {
  Json patterns = Json::array();
  for (const auto& p : pattern_registry()) {
    Json variants = Json::array();
    for (const auto& v : p.variants) variants.push_back(v.name);
    Json details = Json::array();
    for (const auto& v : p.variants)
      details.push_back({{"name", v.name}, {"description", v.description}, {"breaks", v.breaks}});
    patterns.push_back({{"name", p.name},
                        {"summary", p.summary},
                        {"variants", variants},
                        {"variant_details", details},
                        {"workloads", p.workloads},
                        {"invariants", p.invariants},
                        {"limitations", p.limitations},
                        {"params", params_schema(p)}});
  }
  Json inv = Json::array();
  for (const auto& i : invariants()) inv.push_back(i.name);
  return {{"patterns", patterns}, {"workloads", kWorkloadKinds}, {"invariants", inv}};
}

int cmd_list(bool json) {
  Json j = list_json();
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const auto& p : j["patterns"]) {
    std::cout << p["name"].get<std::string>() << " — " << p["summary"].get<std::string>() << "\n";
    std::cout << "  workloads: " << p["workloads"].dump() << "\n";
    if (!p["limitations"].empty())
      std::cout << "  known limitation of the correct variant: breaks " << p["limitations"].dump()
                << " under some faults\n";
    for (const auto& v : p["variant_details"]) {
      std::cout << "  " << v["name"].get<std::string>() << ": "
                << v["description"].get<std::string>();
      if (!v["breaks"].empty()) std::cout << " [breaks " << v["breaks"].dump() << "]";
      std::cout << "\n";
    }
  }
  std::cout << "workloads: " << j["workloads"].dump() << "\n";
  std::cout << "invariants:\n";
  for (const auto& i : invariants()) std::cout << "  " << i.name << ": " << i.summary << "\n";
  return 0;
}

}  // namespace

int dtx::dtxsim_main(int argc, char** argv) {
  CLI::App app{"dtxsim: deterministic simulation of distributed-transaction patterns"};
  app.set_version_flag("--version", std::string("dtxsim ") + build_id());
  app.require_subcommand(1);

  RunOptions ro;
  ro.keep_history = false;  // `run` reports; nothing reads its events after the checkers
  ro.explain = true;        // but it tells each finding's story
  std::string file, json_path, pattern_spec;
  std::string seed;  // parsed by parse_seed: CLI11 would take -1 as 2^64-1
  bool quiet = false, all_violations = false;
  auto* run = app.add_subcommand("run", "run a scenario and check its invariants");
  run->add_option("scenario", file, "scenario file")->required();
  auto* seed_opt = run->add_option("--seed", seed, "root seed (default: the scenario's)");
  auto* pat_opt = run->add_option("--pattern", pattern_spec,
                                  "NAME[:VARIANT], overrides the scenario's pattern");
  run->add_option("--trace", ro.trace_path,
                  "write the JSON Lines trace here (gzip-compressed when the name ends in .gz)");
  std::string trace_gids, trace_window;
  auto* gids_opt = run->add_option("--trace-gids", trace_gids,
                                   "the trace file keeps only these transactions (GID,GID,...) "
                                   "and every fault");
  auto* window_opt = run->add_option("--trace-window", trace_window,
                                     "the trace file keeps only events in FROM..TO (ms; "
                                     "either end may be left out)");
  run->add_option("--json", json_path, "write the result as JSON here");
  run->add_flag("-q,--quiet", quiet, "no summary on stdout");
  run->add_flag("--ignore-expect", ro.ignore_expect,
                "report the scenario's `expect` but exit 0 when it is not met (teaching runs "
                "of a fixed variant on a scenario written for a broken one)");
  run->add_flag("--all", all_violations,
                "list every violation (default: violations grouped into findings)");

  std::vector<std::string> files;
  auto* validate = app.add_subcommand("validate", "validate scenario files");
  validate->add_option("scenarios", files, "scenario files")->required();

  bool list_as_json = false;
  auto* list = app.add_subcommand("list", "patterns, variants, workloads and invariants");
  list->add_flag("--json", list_as_json, "machine-readable output");

  auto* schema = app.add_subcommand("schema", "print the scenario JSON Schema");

  std::string ping_seed;
  std::string ping_trace;
  auto* ping = app.add_subcommand("ping", "demo world: ping-pong under faults, writes a trace");
  ping->add_option("seed", ping_seed, "seed")->required();
  ping->add_option("--trace", ping_trace, "trace file");

  add_extra_verbs(app);
  add_lesson_verbs(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  auto dispatch = [&]() -> int {
    if (*run) {
      if (*seed_opt) ro.seed = parse_seed(seed, "--seed");
      if (*pat_opt) ro.pattern = pattern_spec;
      if (*gids_opt) ro.trace_filter.gids = parse_gid_list(trace_gids, "--trace-gids");
      if (*window_opt) parse_time_window(trace_window, "--trace-window", ro.trace_filter);
      if (ro.trace_filter.active() && ro.trace_path.empty())
        throw InputError(std::string(*gids_opt ? "--trace-gids" : "--trace-window") +
                         ": expected --trace FILE too (it filters what the trace file keeps)");
      return cmd_run(file, ro, json_path, quiet, all_violations);
    }
    if (*validate) return cmd_validate(files);
    if (*list) return cmd_list(list_as_json);
    if (*schema) {
      std::cout << full_scenario_schema().dump(2) << "\n";
      return 0;
    }
    if (*ping) return run_ping(parse_seed(ping_seed, "seed"), ping_trace);
    if (int code = run_lesson_verbs(); code >= 0) return code;
    return run_extra_verbs(app);
  };
  try {
    int code = dispatch();
    check_stdout();  // a result nobody could read is not a success
    return code;
  } catch (const InputError& e) {
    print_error(e);
    return 2;
  } catch (const OutputError& e) {
    std::cerr << "dtxsim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dtxsim: internal error: " << e.what() << "\n";
    return 3;
  }
}
