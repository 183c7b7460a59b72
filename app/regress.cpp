// The regression gate: baseline file (write, read and validate), the check of stored runs
// against it, missing runs filled by sweeps, and the text, JSON and JUnit verdicts.
#include "app/regress.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/report.hpp"
#include "app/sweep.hpp"
#include "sim/scenario/json_text.hpp"

namespace dtx {

namespace {

// A metric regresses when its mean over the baseline's seeds exceeds base * (1 + relative)
// + absolute; only increases count (every one of these is a cost).
const std::map<std::string, Tolerance> kTolerance = {
    {"latency_ms_p50", {0.25, 1.0}},          {"latency_ms_p99", {0.25, 5.0}},
    {"messages_per_txn", {0.10, 0.1}},        {"local_txns_per_txn", {0.10, 0.1}},
    {"inconsistency_window_ms", {0.25, 5.0}},
};

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

bool digits_u64(const std::string& t, uint64_t& out) {
  if (t.empty() || t.size() > 20 || t.find_first_not_of("0123456789") != std::string::npos)
    return false;
  try {
    out = std::stoull(t);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::string replay_of(const StoredRun& r) {
  return "dtxsim run " + r.file + std::string(" --seed ") + std::to_string(r.seed) + " --pattern " +
         r.pattern + ":" + r.variant;
}

using GroupKey = std::tuple<std::string, std::string, std::string>;  // hash, pattern, variant

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

std::string format_seeds(const std::set<uint64_t>& seeds) {
  std::string out;
  for (auto it = seeds.begin(); it != seeds.end();) {
    uint64_t first = *it, last = *it;
    for (++it; it != seeds.end() && *it == last + 1; ++it) last = *it;
    out += std::string(out.empty() ? "" : ",") + std::to_string(first);
    if (last != first) out += std::string("..") + std::to_string(last);
  }
  return out;
}

bool parse_seed_set(const std::string& text, SeedSet& out) {
  out.clear();
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = std::min(text.find(',', at), text.size());
    std::string part = text.substr(at, end - at);
    size_t dots = part.find("..");
    SeedRange r;
    if (dots == std::string::npos) {
      if (!digits_u64(part, r.first)) return false;
      r.last = r.first;
    } else if (!digits_u64(part.substr(0, dots), r.first) ||
               !digits_u64(part.substr(dots + 2), r.last) || r.first > r.last ||
               r.last - r.first >= kMaxSeedsPerRange) {
      return false;
    }
    if (!out.empty() && r.first <= out.back().last) return false;  // sorted and disjoint
    out.push_back(r);
    at = end + 1;
  }
  return !out.empty();
}

bool contains(const SeedSet& s, uint64_t seed) {
  for (const auto& r : s)
    if (seed >= r.first && seed <= r.last) return true;
  return false;
}

size_t count_seeds(const SeedSet& s) {
  size_t n = 0;
  for (const auto& r : s) n += static_cast<size_t>(r.last - r.first + 1);
  return n;
}

Json Baseline::to_json() const {
  Json tol = Json::object();
  for (const auto& [m, t] : tolerance)
    tol[m] = {{"relative", t.relative}, {"absolute", t.absolute}};
  Json sc = Json::array();
  for (const auto& s : scenarios)
    sc.push_back({{"file", s.file}, {"name", s.name}, {"hash", s.hash}});
  Json gs = Json::array();
  for (const auto& g : groups) {
    std::set<uint64_t> seeds;
    for (const auto& r : g.seeds)
      for (uint64_t x = r.first;; ++x) {
        seeds.insert(x);
        if (x == r.last) break;
      }
    gs.push_back({{"scenario", g.scenario},
                  {"file", g.file},
                  {"hash", g.hash},
                  {"pattern", g.pattern},
                  {"variant", g.variant},
                  {"seeds", format_seeds(seeds)},
                  {"runs", count_seeds(g.seeds)},
                  {"violated", g.violated},
                  {"metrics", g.metrics}});
  }
  return {{"format", "dtxsim-baseline"},
          {"version", 2},
          {"build", build},
          {"tolerance", tol},
          {"scenarios", sc},
          {"groups", gs}};
}

Baseline make_baseline(const std::vector<StoredRun>& runs) {
  Baseline b;
  b.tolerance = kTolerance;
  std::map<GroupKey, std::vector<StoredRun>> by;
  std::set<std::pair<std::string, std::string>> seen_scenarios;  // (file, hash)
  for (const auto& r : runs) {
    by[{r.scenario_hash, r.pattern, r.variant}].push_back(r);
    if (b.build.empty()) b.build = r.build;
    if (seen_scenarios.insert({r.file, r.scenario_hash}).second)
      b.scenarios.push_back({r.file, r.scenario, r.scenario_hash});
  }
  for (const auto& [key, group] : by) {
    PatternSummary p = summarize(group).front();
    BaselineGroup g{p.scenario, std::get<0>(key), p.file, p.pattern, p.variant, {}, {}, {}};
    std::set<uint64_t> seeds;
    for (const auto& r : group) seeds.insert(r.seed);
    parse_seed_set(format_seeds(seeds), g.seeds);
    for (const auto& [inv, n] : p.by_invariant) g.violated.insert(inv);
    for (const auto& [m, t] : kTolerance) g.metrics[m] = p.metric_mean.at(m);
    b.groups.push_back(std::move(g));
  }
  return b;
}

namespace {

// Field readers that record "file: path: expected ..." and read on.
struct BaselineReader {
  const std::string& file;
  InputErrors& e;

  std::string text(const Json& obj, const std::string& key, const std::string& path) {
    if (!obj.contains(key) || !obj[key].is_string()) {
      e.add(file, path + "." + key, "expected a string");
      return "";
    }
    return obj[key].get<std::string>();
  }
  double number(const Json& obj, const std::string& key, const std::string& path,
                bool non_negative = true) {
    if (!obj.contains(key) || !obj[key].is_number() ||
        (non_negative && obj[key].get<double>() < 0)) {
      e.add(file, path + "." + key, non_negative ? "expected a number >= 0" : "expected a number");
      return 0;
    }
    return obj[key].get<double>();
  }
  const Json* array(const Json& obj, const std::string& key, const std::string& path) {
    if (!obj.contains(key) || !obj[key].is_array()) {
      e.add(file, path + "." + key, "expected an array");
      return nullptr;
    }
    return &obj[key];
  }
  const Json* object(const Json& obj, const std::string& key, const std::string& path) {
    if (!obj.contains(key) || !obj[key].is_object()) {
      e.add(file, path + "." + key, "expected an object");
      return nullptr;
    }
    return &obj[key];
  }

  void group(const Json& j, const std::string& path, Baseline& b) {
    if (!j.is_object()) return e.add(file, path, "expected an object");
    BaselineGroup g;
    g.scenario = text(j, "scenario", path);
    g.file = text(j, "file", path);
    g.hash = text(j, "hash", path);
    g.pattern = text(j, "pattern", path);
    g.variant = text(j, "variant", path);
    std::string seeds = text(j, "seeds", path);
    if (!seeds.empty() && !parse_seed_set(seeds, g.seeds))
      e.add(file, path + ".seeds",
            "expected ascending seed ranges like \"1..20\" or \"1..5,9,12..14\", got '" + seeds +
                "'");
    if (const Json* v = array(j, "violated", path)) {
      for (size_t i = 0; i < v->size(); ++i) {
        if ((*v)[i].is_string())
          g.violated.insert((*v)[i].get<std::string>());
        else
          e.add(file, path + std::string(".violated[") + std::to_string(i) + "]",
                "expected an invariant name");
      }
    }
    if (const Json* m = object(j, "metrics", path)) {
      // A phantom effect can precede its transaction's start: a mean may be negative.
      for (auto it = m->begin(); it != m->end(); ++it)
        g.metrics[it.key()] = number(*m, it.key(), path + ".metrics", false);
    }
    bool listed = false;
    for (const auto& s : b.scenarios) listed = listed || (s.hash == g.hash && s.file == g.file);
    if (!g.hash.empty() && !listed)
      e.add(file, path + ".hash",
            "expected the file and hash of a scenario listed in $.scenarios, got '" + g.file +
                "' with '" + g.hash + "'");
    b.groups.push_back(std::move(g));
  }
};

}  // namespace

Baseline read_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open baseline");
  std::stringstream text;
  text << in.rdbuf();
  Json j = parse_json_file_text(text.str(), path);
  InputErrors e;
  BaselineReader rd{path, e};
  Baseline b;
  if (!j.is_object() || !j.contains("format") || j["format"] != "dtxsim-baseline") {
    e.add(path, "$.format", "expected \"dtxsim-baseline\"");
    e.raise();
  }
  if (!j.contains("version") || j["version"] != 2) {
    e.add(path, "$.version",
          "expected 2 (version 1 recorded neither scenarios nor seeds: write it again with "
          "`dtxsim regress --write`)");
    e.raise();
  }
  b.build = rd.text(j, "build", "$");
  if (const Json* tol = rd.object(j, "tolerance", "$")) {
    for (auto it = tol->begin(); it != tol->end(); ++it) {
      std::string at = "$.tolerance." + it.key();
      if (!it.value().is_object()) {
        e.add(path, at, "expected an object {relative, absolute}");
        continue;
      }
      b.tolerance[it.key()] = {rd.number(it.value(), "relative", at),
                               rd.number(it.value(), "absolute", at)};
    }
  }
  if (const Json* sc = rd.array(j, "scenarios", "$")) {
    for (size_t i = 0; i < sc->size(); ++i) {
      std::string at = std::string("$.scenarios[") + std::to_string(i) + "]";
      if (!(*sc)[i].is_object()) {
        e.add(path, at, "expected an object {file, name, hash}");
        continue;
      }
      b.scenarios.push_back({rd.text((*sc)[i], "file", at), rd.text((*sc)[i], "name", at),
                             rd.text((*sc)[i], "hash", at)});
    }
  }
  if (const Json* gs = rd.array(j, "groups", "$")) {
    for (size_t i = 0; i < gs->size(); ++i)
      rd.group((*gs)[i], std::string("$.groups[") + std::to_string(i) + "]", b);
    if (gs->empty()) e.add(path, "$.groups", "expected at least one group");
  }
  e.raise();
  return b;
}

std::map<std::string, std::string> changed_scenarios(const Baseline& b) {
  std::map<std::string, std::string> out;
  for (const auto& s : b.scenarios) {
    try {
      Scenario sc = load_scenario(s.file);
      if (scenario_hash(sc) == s.hash || scenario_hash(with_infrastructure(sc)) == s.hash) continue;
      out[s.hash] = "scenario file " + s.file + " changed since the baseline (content hash " +
                    scenario_hash(sc) + ", baseline " + s.hash +
                    "): its runs are not comparable; write the baseline again";
    } catch (const InputError& x) {
      out[s.hash] = "scenario file " + s.file + " cannot be loaded: " + x.what();
    }
  }
  return out;
}

namespace {

// Checks one baseline group's runs: those of its seeds fully, the others for new violations.
GroupVerdict check_group(const BaselineGroup& g, const Baseline& b,
                         const std::vector<StoredRun>& runs) {
  GroupVerdict v{g.scenario, g.file, g.pattern, g.variant, true, count_seeds(g.seeds),
                 0,          {},     {},        "",        {}};
  std::vector<StoredRun> inside;
  std::set<uint64_t> present, missing;
  for (const auto& r : runs) {
    if (contains(g.seeds, r.seed)) {
      if (present.insert(r.seed).second) inside.push_back(r);
      continue;
    }
    std::set<std::string> fresh;
    for (const auto& inv : r.violated())
      if (!g.violated.count(inv)) fresh.insert(inv);
    std::string seed = std::string("seed ") + std::to_string(r.seed);
    if (within_limitations(g.pattern, g.variant, fresh)) {
      // The baseline's seeds did not happen to show it; a known property is no regression.
      v.known.push_back(seed + " (stored, outside the baseline's seeds) shows the pattern's " +
                        "declared limitation (" + join(fresh) + "); replay: " + replay_of(r));
    } else if (!fresh.empty()) {
      v.problems.push_back(seed + " (stored, outside the baseline's seeds) violates " +
                           join(fresh) +
                           ", which the baseline does not expect; replay: " + replay_of(r));
    }
  }
  if (inside.size() < runs.size())
    v.notes.push_back(std::to_string(runs.size() - inside.size()) +
                      " stored runs outside the baseline's seeds checked for new violations");
  v.runs_checked = inside.size();
  for (const auto& r : g.seeds)
    for (uint64_t x = r.first;; ++x) {
      if (!present.count(x)) missing.insert(x);
      if (x == r.last) break;
    }
  if (!missing.empty())
    v.problems.push_back(std::string("missing ") + std::to_string(missing.size()) + " of " +
                         std::to_string(v.runs_expected) + " baseline runs for this build (seeds " +
                         format_seeds(missing) + "); add --run to run them");
  if (inside.empty()) return v;
  PatternSummary p = summarize(inside).front();
  for (const auto& [inv, n] : p.by_invariant) {
    if (g.violated.count(inv)) continue;
    const StoredRun* first = nullptr;
    for (const auto& r : inside)
      if (!first && r.violated().count(inv)) first = &r;
    v.problems.push_back("new violation of " + inv + std::string(" in ") + std::to_string(n) +
                         " of " + std::to_string(inside.size()) +
                         " runs; replay: " + replay_of(*first));
    if (v.replay.empty()) v.replay = replay_of(*first);
  }
  if (!missing.empty()) return v;  // expectations and means hold only over the whole set
  for (const auto& inv : g.violated)
    if (!p.by_invariant.count(inv))
      v.problems.push_back("the baseline expects violations of " + inv + " in seeds " +
                           format_seeds(present) +
                           " and none happened (did a checker or the variant change?)");
  for (const auto& [m, t] : b.tolerance) {
    auto base = g.metrics.find(m);
    auto now = p.metric_mean.find(m);
    if (base == g.metrics.end() || now == p.metric_mean.end()) continue;
    if (now->second > base->second + std::abs(base->second) * t.relative + t.absolute)
      v.problems.push_back(m + " regressed from " + fmt(base->second) + " to " + fmt(now->second) +
                           " (tolerance +" + fmt(t.relative * 100) + "% + " + fmt(t.absolute) +
                           ")");
  }
  return v;
}

// A group the baseline does not know: it fails when any of its runs violates an invariant.
GroupVerdict check_unknown(const std::vector<StoredRun>& runs) {
  const StoredRun& r0 = runs.front();
  GroupVerdict v{r0.scenario, r0.file, r0.pattern, r0.variant, false, 0,
                 runs.size(), {},      {},         "",         {}};
  std::set<std::string> broken;
  std::set<uint64_t> seeds, bad_seeds;
  for (const auto& r : runs) {
    seeds.insert(r.seed);
    auto inv = r.violated();
    if (inv.empty()) continue;
    broken.insert(inv.begin(), inv.end());
    bad_seeds.insert(r.seed);
    if (v.replay.empty()) v.replay = replay_of(r);
  }
  if (broken.empty()) {
    v.notes.push_back(std::string("not in the baseline; its ") + std::to_string(runs.size()) +
                      " stored runs (seeds " + format_seeds(seeds) + ") violate nothing");
    return v;
  }
  v.problems.push_back(std::string("not in the baseline, and ") + std::to_string(bad_seeds.size()) +
                       " of " + std::to_string(runs.size()) + " stored runs violate " +
                       join(broken) + " (seeds " + format_seeds(bad_seeds) + "); replay: " +
                       v.replay + "; if these violations are expected, write the baseline again");
  return v;
}

}  // namespace

RegressResult check_baseline(const Baseline& b, const std::vector<StoredRun>& runs,
                             const std::map<std::string, std::string>& changed) {
  RegressResult out;
  out.baseline_build = b.build;
  std::map<GroupKey, std::vector<StoredRun>> by;
  for (const auto& r : runs) by[{r.scenario_hash, r.pattern, r.variant}].push_back(r);
  std::set<GroupKey> known;
  for (const auto& g : b.groups) {
    GroupKey key{g.hash, g.pattern, g.variant};
    known.insert(key);
    auto c = changed.find(g.hash);
    if (c != changed.end()) {
      GroupVerdict v{g.scenario, g.file,      g.pattern, g.variant, true, count_seeds(g.seeds),
                     0,          {c->second}, {},        "",        {}};
      out.groups.push_back(std::move(v));
      continue;
    }
    out.groups.push_back(check_group(g, b, by.count(key) ? by[key] : std::vector<StoredRun>{}));
  }
  for (const auto& [key, group] : by)
    if (!known.count(key)) out.groups.push_back(check_unknown(group));
  return out;
}

size_t RegressResult::failed() const {
  size_t n = 0;
  for (const auto& g : groups) n += g.problems.empty() ? 0 : 1;
  return n;
}

std::string RegressResult::text() const {
  std::ostringstream o;
  for (const auto& g : groups) {
    if (g.problems.empty()) {
      o << "ok    " << g.who() << ": "
        << (g.in_baseline ? std::to_string(g.runs_checked) + " runs as in the baseline"
                          : g.notes.front())
        << "\n";
      for (const auto& k : g.known) o << "      " << k << "\n";
      continue;
    }
    o << "FAIL  " << g.who() << "\n";
    for (const auto& p : g.problems) o << "      " << p << "\n";
  }
  o << (failed()
            ? std::to_string(failed()) + std::string(" of ") + std::to_string(groups.size()) +
                  " groups failed"
            : std::string("no regression: ") + std::to_string(groups.size()) + " groups passed")
    << " against " << baseline_path << " (made by build " << baseline_build << "; checked runs of "
    << build << " in " << db_path << ")\n";
  return o.str();
}

Json RegressResult::to_json() const {
  Json gs = Json::array();
  for (const auto& g : groups)
    gs.push_back({{"scenario", g.scenario},
                  {"file", g.file},
                  {"pattern", g.pattern},
                  {"variant", g.variant},
                  {"in_baseline", g.in_baseline},
                  {"runs_expected", g.runs_expected},
                  {"runs_checked", g.runs_checked},
                  {"passed", g.problems.empty()},
                  {"problems", g.problems},
                  {"notes", g.notes},
                  {"known_limitations", g.known},
                  {"replay", g.replay}});
  return {{"format", "dtxsim-regress"},
          {"version", 1},
          {"baseline", baseline_path},
          {"baseline_build", baseline_build},
          {"db", db_path},
          {"build", build},
          {"passed", failed() == 0},
          {"failed_groups", failed()},
          {"groups", gs}};
}

namespace {
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}
}  // namespace

std::string RegressResult::junit_xml() const {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"dtxsim regress\" tests=\"" << groups.size() << "\" failures=\""
    << failed() << "\">\n";
  o << "  <testsuite name=\"dtxsim regress " << xml_escape(baseline_path) << "\" tests=\""
    << groups.size() << "\" failures=\"" << failed() << "\" errors=\"0\" skipped=\"0\">\n";
  for (const auto& g : groups) {
    o << "    <testcase classname=\"dtxsim." << xml_escape(g.scenario) << "\" name=\""
      << xml_escape(g.pattern + ":" + g.variant) << "\">\n";
    if (!g.problems.empty()) {
      std::string body;
      for (const auto& p : g.problems) body += p + "\n";
      if (!g.replay.empty()) body += "replay: " + g.replay + "\n";
      o << "      <failure type=\"regression\" message=\"" << xml_escape(g.problems.front())
        << "\">" << xml_escape(body) << "</failure>\n";
    }
    if (!g.notes.empty() || !g.known.empty()) {
      std::string body;
      for (const auto& n : g.notes) body += n + "\n";
      for (const auto& k : g.known) body += k + "\n";
      o << "      <system-out>" << xml_escape(body) << "</system-out>\n";
    }
    o << "    </testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

size_t fill_baseline(const Baseline& b, const std::map<std::string, std::string>& changed,
                     ResultsDb& db, int jobs, bool progress, int64_t lease_s) {
  size_t ran = 0;
  for (const auto& s : b.scenarios) {
    if (changed.count(s.hash)) continue;
    Scenario plain = load_scenario(s.file);
    Scenario sc = scenario_hash(plain) == s.hash ? plain : with_infrastructure(plain);
    for (size_t i = 0; i < b.groups.size(); ++i) {
      const BaselineGroup& g = b.groups[i];
      if (g.hash != s.hash || g.file != s.file) continue;
      std::string spec = g.pattern + ":" + g.variant;
      resolve_pattern(spec, std::string("baseline $.groups[") + std::to_string(i) + "].pattern");
      for (const auto& range : g.seeds)
        ran += run_sweep(sc, {spec}, range, Shard{}, jobs, db, progress, lease_s).ran;
    }
  }
  return ran;
}

}  // namespace dtx
