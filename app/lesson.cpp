// Lesson files: reading them (every error of a file at once, with its JSON path), finding a
// lesson by number, and running a step through the ordinary run pipeline with the step's own
// expectation in place of the scenario's.
#include "app/lesson.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/scenario/json_text.hpp"

namespace dtx {

namespace fs = std::filesystem;

namespace {

// 22, not 22.0: bounds and counts are mostly whole numbers.
std::string shown(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
  return Json(x).dump();
}

constexpr const char* kBrokenTransactions = "broken_transactions";

std::vector<std::string> invariant_names() {
  std::vector<std::string> out;
  for (const auto& i : invariants()) out.push_back(i.name);
  return out;
}

// What a step can bound: every metric a run reports, and how many transactions broke.
std::vector<std::string> bound_names() {
  std::vector<std::string> out{kBrokenTransactions};
  const Json metrics = Metrics{}.to_json();  // items() only refers to it
  for (const auto& [key, value] : metrics.items()) out.push_back(key);
  return out;
}

Json read_json(const std::string& path) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path, ec))
    throw InputError(path + ": cannot open file (a lesson folder holds a lesson.json)");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_json_file_text(ss.str(), path);
}

void read_bounds(Reader& step, LessonStep& out) {
  Reader m = step.object("metrics", false,
                         "bounds on the run's metrics and on broken_transactions (min, max)");
  for (const auto& name : bound_names()) {
    bool present = m.has(name.c_str());
    Reader b = m.object(name.c_str(), false, "bounds");
    if (!present) continue;
    Bound bound{name, std::nullopt, std::nullopt};
    if (b.has("min")) bound.min = b.number("min", 0, -1e18, 1e18, "lowest value allowed");
    if (b.has("max")) bound.max = b.number("max", 0, -1e18, 1e18, "highest value allowed");
    b.finish();
    if (!bound.min && !bound.max) b.fail("min", "a min or a max (or both)");
    if (bound.min && bound.max && *bound.min > *bound.max)
      b.fail("max", "a max at least the min (" + shown(*bound.min) + ")");
    out.bounds.push_back(bound);
  }
  m.finish();
}

void read_pattern(Reader& r, LessonStep& step, InputErrors& errors) {
  if (!r.has("pattern")) return;
  std::string spec = r.string("pattern", "", true, "NAME[:VARIANT], overrides the scenario's");
  if (r.failed("pattern")) return;
  try {
    resolve_pattern(spec, r.file() + ": " + r.path_of("pattern"));
    step.pattern = spec;
  } catch (const InputError& e) {
    errors.add_message(e.what());
  }
}

LessonStep read_step(Reader& r, const std::string& dir, InputErrors& errors) {
  LessonStep step;
  step.title = r.string("title", "", true, "what the step runs, in a line");
  step.scenario = r.string("scenario", "", true, "scenario file, relative to the lesson folder");
  step.scenario_path = (fs::path(dir) / step.scenario).lexically_normal().string();
  read_pattern(r, step, errors);
  if (r.has("seed")) {
    step.seed = static_cast<uint64_t>(
        r.integer("seed", 0, 0, INT64_MAX, "root seed (default: the scenario's)"));
  }
  if (!r.has("expect"))
    r.fail("expect", "an array of the invariants this step breaks ([] for none) (required)");
  step.expect = r.strings("expect", "the invariants this step breaks", invariant_names());
  read_bounds(r, step);
  step.shows = r.string("shows", "", true, "what the run shows, in a sentence");
  return step;
}

// Checks every step's scenario as `run` would with the step's pattern and seed.
void check_scenarios(const Lesson& l, InputErrors& errors) {
  for (size_t i = 0; i < l.steps.size(); ++i) {
    const LessonStep& s = l.steps[i];
    if (s.scenario.empty()) continue;
    try {
      RunOptions o;
      o.pattern = s.pattern;
      o.seed = s.seed;
      load_checked(s.scenario_path, o);
    } catch (const InputError& e) {
      errors.add(l.file, "$.steps[" + std::to_string(i) + "].scenario",
                 "expected a scenario that runs, got '" + s.scenario + "': " + e.what());
    }
  }
}

std::string number_of(const std::string& folder) {
  size_t n = 0;
  while (n < folder.size() && std::isdigit(static_cast<unsigned char>(folder[n]))) ++n;
  return n > 0 && n < folder.size() && folder[n] == '-' ? folder.substr(0, n) : "";
}

}  // namespace

Lesson load_lesson(const std::string& dir) {
  Lesson l;
  l.dir = dir;
  l.file = (fs::path(dir) / "lesson.json").string();
  l.number = number_of(fs::path(dir).lexically_normal().filename().string());
  Json doc = read_json(l.file);
  InputErrors errors;
  if (!doc.is_object()) errors.add(l.file, "$", "expected a JSON object");
  Reader r(doc, l.file, "$", errors);
  l.title = r.string("title", "", true, "the lesson's title");
  l.question = r.string("question", "", true, "the question the lesson answers");
  l.minutes = r.integer("minutes", 10, 1, 240, "minutes the lesson takes in class");
  if (!r.has("steps")) r.fail("steps", "an array of steps (required)");
  r.objects("steps", "runs, broken first",
            [&](Reader& s) { l.steps.push_back(read_step(s, dir, errors)); });
  if (r.has("steps") && !r.failed("steps") && l.steps.empty()) r.fail("steps", "at least one step");
  r.finish();
  if (errors.empty()) check_scenarios(l, errors);
  errors.raise();
  return l;
}

std::vector<std::string> lesson_dirs(const std::string& root) {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    std::string n = number_of(name);
    if (n.empty() || !fs::exists(e.path() / "lesson.json", ec)) continue;
    found.push_back({std::stoi(n), (fs::path(root) / name).string()});
  }
  if (ec)
    throw InputError(root +
                     ": cannot read the lessons folder (run from the repository root, or "
                     "pass --dir)");
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, d] : found) out.push_back(std::move(d));
  return out;
}

std::string find_lesson(const std::string& root, const std::string& which) {
  std::error_code ec;
  fs::path p(which);
  if (p.filename() == "lesson.json" && fs::exists(p, ec)) return p.parent_path().string();
  if (fs::exists(p / "lesson.json", ec)) return p.string();
  std::vector<std::string> dirs = lesson_dirs(root);
  std::string names;
  for (const auto& d : dirs) {
    std::string folder = fs::path(d).filename().string();
    std::string n = number_of(folder);
    bool numeric = !which.empty() && std::all_of(which.begin(), which.end(), [](unsigned char c) {
      return std::isdigit(c) != 0;
    });
    if (folder == which || (numeric && std::stoi(n) == std::stoi(which))) return d;
    names += (names.empty() ? "" : ", ") + folder;
  }
  throw InputError("lesson '" + which + "': expected a lesson number or folder under " + root +
                   " (one of: " + (names.empty() ? "none found" : names) + ")");
}

std::string outcome_fingerprint(const RunResult& r) {
  Json v = Json::array();
  for (const auto& x : r.violations) v.push_back(x.to_json());
  // Counts the pictures show, named one by one: a metric added to the runner later must not
  // make every lesson's pictures stale.
  const Metrics& m = r.metrics;
  Json counts = {m.business_txns, m.finished_txns, m.messages, m.local_txns, m.retries,
                 m.checkbacks,    m.redeliveries,  m.alerts,   m.end_us};
  std::string text = counts.dump() + v.dump();
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

double bound_value(const RunResult& r, const std::string& name) {
  if (name == kBrokenTransactions) {
    std::set<std::string> gids;
    for (const auto& v : r.violations)
      if (!v.gid.empty()) gids.insert(v.gid);
    return static_cast<double>(gids.size());
  }
  return r.metrics.to_json().at(name).get<double>();
}

}  // namespace

StepOutcome run_step(const LessonStep& step, const std::string& trace_path) {
  RunOptions o;
  o.pattern = step.pattern;
  o.seed = step.seed;
  o.trace_path = trace_path;
  o.keep_history = false;
  o.explain = true;  // each finding tells its story, as `dtxsim run` does
  Scenario s = load_checked(step.scenario_path, o);
  s.expect = step.expect;  // the step's expectation replaces the scenario's
  StepOutcome out;
  out.run = run_scenario(s, o);
  if (!out.run.expectation_met) out.problems.push_back(out.run.expectation_note);
  for (const Bound& b : step.bounds) {
    double x = bound_value(out.run, b.name);
    if (b.min && x < *b.min)
      out.problems.push_back(b.name + " is " + shown(x) + ", expected at least " + shown(*b.min));
    if (b.max && x > *b.max)
      out.problems.push_back(b.name + " is " + shown(x) + ", expected at most " + shown(*b.max));
  }
  out.ok = out.problems.empty();
  out.fingerprint = outcome_fingerprint(out.run);
  return out;
}

}  // namespace dtx
