// Lessons: a folder scenarios/lessons/NN-name/ with a lesson.json whose steps (the broken run,
// then the fixed one) each name a scenario, an optional pattern override and what the step must
// show. A step passes when its run breaks exactly the invariants it expects and its metrics and
// count of broken transactions fall inside the step's bounds; bad lesson files are InputErrors
// naming the file, the JSON path and what was expected.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/runner.hpp"

namespace dtx {

struct Bound {
  std::string name;  // a key of Metrics::to_json(), or "broken_transactions"
  std::optional<double> min, max;
};

struct LessonStep {
  std::string title;
  std::string scenario;       // path as given in the lesson file (relative to the lesson folder)
  std::string scenario_path;  // resolved against the lesson folder
  std::optional<std::string> pattern;
  std::optional<uint64_t> seed;
  std::vector<std::string> expect;
  std::vector<Bound> bounds;
  std::string shows;
};

struct Lesson {
  std::string number;  // "01"
  std::string dir;     // scenarios/lessons/01-dual-write
  std::string file;    // dir + "/lesson.json"
  std::string title;
  std::string question;
  int64_t minutes = 0;
  std::vector<LessonStep> steps;
};

// Reads and checks `dir`/lesson.json, each step's scenario and pattern included; throws one
// InputError listing every error.
Lesson load_lesson(const std::string& dir);

// The lesson folders under `root` (named NN-name with a lesson.json), in number order.
std::vector<std::string> lesson_dirs(const std::string& root);

// The folder of lesson `which`: its number ("1", "01"), its folder name, or a path to the
// folder or its lesson.json. Throws InputError listing the lessons when nothing matches.
std::string find_lesson(const std::string& root, const std::string& which);

struct StepOutcome {
  RunResult run;
  bool ok = false;
  std::vector<std::string> problems;  // why not ok, one line each
  std::string fingerprint;            // the run's outcome, stable across builds
};

StepOutcome run_step(const LessonStep& step, const std::string& trace_path);

// The run's violations (with their event ids) and main counts hashed: what a lesson's pictures
// show. Unlike the trace hash it ignores the build id in the trace header.
std::string outcome_fingerprint(const RunResult& r);

void add_lesson_verbs(CLI::App& app);
// Runs `lesson list|run` when parsed; -1 when neither was.
int run_lesson_verbs();

}  // namespace dtx
