// `dtxsim lesson list` prints the syllabus; `dtxsim lesson run NN` runs a lesson's steps and
// exits 0 only when every step shows what its lesson file says (1 otherwise, naming the step
// and what differed; 2 on a bad lesson file). --check-page also holds the lesson's page to the
// runs as they happen now: the pictures scripts/lessons drew (pictures.txt) and the output the
// page quotes.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/lesson.hpp"
#include "app/sweep.hpp"

namespace dtx {

namespace fs = std::filesystem;

namespace {

struct LessonOptions {
  CLI::App *list = nullptr, *run = nullptr;
  std::string dir = "scenarios/lessons";
  std::string which, trace_path;
  int64_t step = 0;  // 0: every step
  bool quiet = false, all = false, check_page = false;
};
LessonOptions g;

int cmd_list() {
  std::vector<std::string> dirs = lesson_dirs(g.dir);
  if (dirs.empty()) throw InputError(g.dir + ": no lesson folders (NN-name/lesson.json) found");
  int64_t total = 0;
  int previous = 0;
  for (const auto& d : dirs) {
    Lesson l = load_lesson(d);
    total += l.minutes;
    // A free number is a lesson still to come (the teacher's page says which).
    for (int n = previous + 1; n < std::stoi(l.number); ++n)
      std::cout << (n < 10 ? "0" : "") << n << "  (no lesson yet)\n";
    previous = std::stoi(l.number);
    std::cout << l.number << "  " << l.title << "  (" << l.minutes << " min, " << l.steps.size()
              << (l.steps.size() == 1 ? " step" : " steps") << ")\n"
              << "    " << l.question << "\n"
              << "    dtxsim lesson run " << l.number << "    " << d << "/README.md\n";
  }
  std::cout << dirs.size() << " lessons, " << total << " minutes\n";
  return 0;
}

std::string text_of(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// pictures.txt, written by scripts/lessons: "step N FINGERPRINT FILE..." per step.
std::vector<std::string> picture_problems(const Lesson& l, size_t k, const StepOutcome& out) {
  std::string want = "step " + std::to_string(k + 1);
  std::ifstream in(fs::path(l.dir) / "pictures.txt");
  std::string line;
  std::string readme = text_of(fs::path(l.dir) / "README.md");
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string step, n, fingerprint, file;
    words >> step >> n >> fingerprint;
    if (step + " " + n != want) continue;
    std::vector<std::string> problems;
    if (fingerprint != out.fingerprint)
      problems.push_back("pictures: " + want + " was drawn from another outcome (fingerprint " +
                         fingerprint + ", this run " + out.fingerprint + "): run scripts/lessons " +
                         l.number);
    while (words >> file) {
      std::error_code ec;
      if (!fs::exists(fs::path(l.dir) / file, ec)) {
        problems.push_back("pictures: " + want + ": " + file + " is missing");
        continue;
      }
      // A picture is linked as ![...](file); a Mermaid diagram is embedded as it is now.
      bool mermaid = file.ends_with(".mmd");
      if (mermaid ? readme.find(text_of(fs::path(l.dir) / file)) == std::string::npos
                  : readme.find("(" + file + ")") == std::string::npos)
        problems.push_back(mermaid ? "pictures: README.md does not embed " + file +
                                         " as it is now: run scripts/lessons " + l.number
                                   : "pictures: README.md does not show " + file + " (add ![...](" +
                                         file + "))");
    }
    return problems;
  }
  return {"pictures: " + want + " has no pictures in " + l.dir +
          "/pictures.txt: run scripts/lessons " + l.number};
}

void print_step_head(const Lesson& l, size_t k) {
  const LessonStep& s = l.steps[k];
  std::cout << "\n== step " << k + 1 << "/" << l.steps.size() << ": " << s.title << "\n"
            << "file " << s.scenario_path;
  if (s.pattern) std::cout << "  --pattern " << *s.pattern;
  if (s.seed) std::cout << "  --seed " << *s.seed;
  std::cout << "\n";
}

// Every line of the page's ```text blocks quotes `dtxsim lesson run NN`: each of its pieces
// between "..." must appear in what the run printed (quiet or not).
std::vector<std::string> quote_problems(const Lesson& l, const std::string& transcript) {
  std::istringstream page(text_of(fs::path(l.dir) / "README.md"));
  std::vector<std::string> problems;
  bool quoting = false;
  for (std::string line; std::getline(page, line);) {
    if (line.starts_with("```")) {
      quoting = !quoting && line == "```text";
      continue;
    }
    if (!quoting) continue;
    for (size_t at = 0; at < line.size();) {
      size_t end = std::min(line.find("...", at), line.size());
      std::string piece = line.substr(at, end - at);
      while (!piece.empty() && piece.back() == ' ') piece.pop_back();
      while (!piece.empty() && piece.front() == ' ') piece.erase(0, 1);
      if (!piece.empty() && transcript.find(piece) == std::string::npos)
        problems.push_back("page: README.md quotes '" + piece + "', which the run does not print");
      at = end + 3;
    }
  }
  return problems;
}

bool report_step(const Lesson& l, size_t k, StepOutcome& out, std::string& transcript) {
  const LessonStep& s = l.steps[k];
  if (g.check_page) {
    auto more = picture_problems(l, k, out);
    out.problems.insert(out.problems.end(), more.begin(), more.end());
  }
  bool ok = out.problems.empty();
  std::string summary = summary_text(out.run, g.all);
  transcript += summary;
  if (!g.quiet) std::cout << summary;
  std::cout << "step " << k + 1 << ": " << (ok ? "as expected" : "NOT as expected") << "  ("
            << "fingerprint " << out.fingerprint << ")\n";
  for (const auto& p : out.problems) std::cout << "  " << p << "\n";
  if (ok && !g.quiet) std::cout << "  shows: " << s.shows << "\n";
  return ok;
}

int cmd_run() {
  Lesson l = load_lesson(find_lesson(g.dir, g.which));
  if (g.step > static_cast<int64_t>(l.steps.size()))
    throw InputError("--step: expected a step of lesson " + l.number + " (1 to " +
                     std::to_string(l.steps.size()) + "), got " + std::to_string(g.step));
  if (!g.trace_path.empty() && g.step == 0 && l.steps.size() > 1)
    throw InputError("--trace: expected --step N too (lesson " + l.number + " has " +
                     std::to_string(l.steps.size()) + " steps, one trace each)");
  std::cout << "lesson " << l.number << ": " << l.title << "  (" << l.file << ")\n"
            << l.question << "\n";
  size_t passed = 0, ran = 0;
  std::string transcript;
  for (size_t k = 0; k < l.steps.size(); ++k) {
    if (g.step != 0 && static_cast<size_t>(g.step) != k + 1) continue;
    if (!g.quiet) print_step_head(l, k);
    StepOutcome out = run_step(l.steps[k], g.trace_path);
    ++ran;
    if (report_step(l, k, out, transcript)) ++passed;
  }
  std::ostringstream last;
  last << "lesson " << l.number << ": " << passed << " of " << ran
       << (ran == 1 ? " step" : " steps") << " as expected\n";
  transcript += last.str();
  if (g.check_page && g.step == 0) {
    auto problems = quote_problems(l, transcript);
    for (const auto& p : problems) std::cout << p << "\n";
    if (!problems.empty()) passed = 0;
  }
  std::cout << "\n" << last.str();
  return passed == ran ? 0 : 1;
}

}  // namespace

void add_lesson_verbs(CLI::App& app) {
  auto* lesson = app.add_subcommand("lesson", "workshop lessons: the syllabus, and runs of each");
  lesson->require_subcommand(1);
  g.list = lesson->add_subcommand("list", "the syllabus: each lesson, its question and steps");
  g.run = lesson->add_subcommand("run", "run a lesson's steps; exit 0 when each shows its point");
  for (auto* sub : {g.list, g.run})
    sub->add_option("--dir", g.dir, "the lessons folder (default scenarios/lessons)");
  g.run->add_option("lesson", g.which, "lesson number (1, 01), folder name or path")->required();
  g.run->add_option("--step", g.step, "run only this step (1-based)")->check(CLI::PositiveNumber);
  g.run->add_option("--trace", g.trace_path, "write the step's JSON Lines trace here");
  g.run->add_flag("-q,--quiet", g.quiet, "only each step's verdict");
  g.run->add_flag("--all", g.all, "list every violation");
  g.run->add_flag("--check-page", g.check_page,
                  "also fail when the page's pictures (pictures.txt) are missing or stale, or a "
                  "line it quotes from this run is not printed");
}

int run_lesson_verbs() {
  if (g.list && *g.list) return cmd_list();
  if (g.run && *g.run) return cmd_run();
  return -1;
}

}  // namespace dtx
