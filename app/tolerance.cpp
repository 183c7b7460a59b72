// Tolerance matrix: fault classes by role, exposure counted from each run's schedule, and
// violations blamed on the fault each finding's causal chain turns on.
#include "app/tolerance.hpp"

#include <algorithm>

#include "app/sweep.hpp"

namespace dtx {

namespace {

// Columns in display order; crash columns for workload roles come first, in role order.
const std::vector<std::string> kLaterClasses = {"crash broker",     "crash coordinator",
                                                "crash other node", "pause",
                                                "partition",        "drop",
                                                "duplicate",        "delay",
                                                "database stall",   "database failure",
                                                "no fault"};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The class of a `fault` event's fault ("" for an end of a fault, the heal phase).
std::string fault_of_event(std::string_view name, const std::map<std::string, std::string>& roles) {
  FaultKind kind;
  if (!fault_kind_from_name(name, kind)) return "";
  return fault_class(kind, "", roles);
}

// The fault class a story step starts ("" for protocol steps and for the ends of faults): a
// crash by the role of its node, a pause, a partition or clogged link, a message lost to the
// network's loss or to a partition, a duplicate, or a targeted or database fault.
std::string step_class(const Event& e, const std::map<std::string, std::string>& roles) {
  switch (e.kind) {
    case Kind::crash:
      return fault_class(FaultKind::crash, e.node, roles);
    case Kind::pause:
      return "pause";
    case Kind::partition:
    case Kind::clog:
      return "partition";
    case Kind::duplicate:
      return "duplicate";
    case Kind::drop: {
      std::string_view reason = e.detail.string_field("reason");
      if (reason == "partition") return "partition";
      return reason == "link loss" ? "drop" : "";
    }
    case Kind::fault:
      return fault_of_event(e.detail.string_field("fault"), roles);
    default:
      return "";
  }
}

// The fault classes a finding's causal chain turns on: the decisive step's own class when it
// is a fault (a lost message, a crash); otherwise the faults of the chain up to the decisive
// step (all of them when no step was decisive). Empty: no fault in the chain, a protocol bug.
std::set<std::string> chain_classes(const Story& story, const std::map<uint64_t, const Event*>& ev,
                                    const std::map<std::string, std::string>& roles) {
  auto class_of = [&](const StoryStep& st) {
    auto it = ev.find(st.id);
    return it == ev.end() ? std::string() : step_class(*it->second, roles);
  };
  std::set<std::string> out;
  TimeUs until = INT64_MAX;
  if (story.decisive < story.steps.size()) {
    const StoryStep& d = story.steps[story.decisive];
    std::string cls = class_of(d);
    if (!cls.empty()) return {cls};
    until = d.t_us;
  }
  for (const auto& st : story.steps) {
    if (st.t_us > until) break;
    if (st.mark != StepMark::fault) continue;
    std::string cls = class_of(st);
    if (!cls.empty()) out.insert(cls);
  }
  return out;
}

struct Replayer {
  std::map<std::string, Scenario> scenarios;  // by scenario hash

  const Scenario* scenario_of(const StoredRun& r) {
    auto it = scenarios.find(r.scenario_hash);
    if (it != scenarios.end()) return &it->second;
    try {
      Scenario s = load_scenario(r.file);
      if (scenario_hash(s) != r.scenario_hash) s = with_infrastructure(s);
      if (scenario_hash(s) != r.scenario_hash) return nullptr;  // the file changed since
      return &scenarios.emplace(r.scenario_hash, std::move(s)).first->second;
    } catch (const InputError&) {
      return nullptr;
    }
  }

  // class -> invariants blamed on it in this run; empty when the run cannot be replayed.
  // The run is replayed with its stories (RunOptions::explain): each finding's invariants
  // are blamed on the fault its causal chain turns on (sim/check/story.hpp).
  std::map<std::string, std::set<std::string>> blame(const StoredRun& r) {
    std::map<std::string, std::set<std::string>> out;
    const Scenario* s = scenario_of(r);
    if (!s) return out;
    RunOptions o;
    o.seed = r.seed;
    o.pattern = r.pattern + ":" + r.variant;
    o.keep_history = true;
    o.explain = true;
    RunResult res = run_scenario(*s, o);
    auto roles = node_roles(*s);
    std::map<uint64_t, const Event*> by_id;
    for (const Event& e : res.history) by_id.emplace(e.id, &e);
    for (const auto& f : res.findings) {
      std::set<std::string> classes = chain_classes(f.story, by_id, roles);
      if (classes.empty()) classes.insert("no fault");
      for (const auto& cls : classes) out[cls].insert(f.invariants.begin(), f.invariants.end());
    }
    return out;
  }
};

std::string replay_of(const StoredRun& r) {
  return "dtxsim run " + r.file + " --seed " + std::to_string(r.seed) + " --pattern " + r.pattern +
         ":" + r.variant;
}

}  // namespace

std::map<std::string, std::string> node_roles(const Scenario& s) {
  std::map<std::string, std::string> out;
  for (const auto& [role, service] : s.workload.services) out[service] = role;
  for (const auto& sv : s.services) {
    std::string role = out.count(sv.name) ? out[sv.name] : sv.name;
    out[sv.name] = role;
    for (int i = 2; i <= sv.instances; ++i) out[sv.name + "-" + std::to_string(i)] = role;
    if (!out.count(sv.database)) out[sv.database] = "database";
  }
  for (const auto& b : s.brokers) out[b.name] = "broker";
  if (!s.coordinator.empty()) {
    out[s.coordinator] = "coordinator";
    out[s.coordinator + ".db"] = "coordinator";
  }
  return out;
}

std::string fault_class(FaultKind kind, const std::string& node,
                        const std::map<std::string, std::string>& roles) {
  if (kind == FaultKind::crash) {
    auto it = roles.find(node);
    if (it == roles.end()) return "crash other node";
    if (it->second == "broker" || it->second == "coordinator") return "crash " + it->second;
    return "crash " + it->second + " service";
  }
  return fault_info(kind).family;  // "" for restart and heal: the end of another fault
}

std::string fault_class(const Json& stored, const std::map<std::string, std::string>& roles) {
  FaultKind kind;
  if (!stored.is_object() || !fault_kind_from_name(stored.value("kind", ""), kind)) return "";
  return fault_class(kind, stored.value("node", ""), roles);
}

namespace {

void add_explored(const ExploreResult& x, ToleranceMatrix& m, std::set<std::string>& seen,
                  std::vector<std::string>& role_classes) {
  std::string row = x.pattern + ":" + x.variant;
  if (!m.cells.count(row)) m.rows.push_back(row);
  auto roles = node_roles(x.scenario);
  for (const auto& p : x.tried) {
    if (p.faults.empty()) continue;
    const FaultSpec& f = p.faults.front();
    std::string cls = fault_class(f.kind(), f.target(), roles);
    if (cls.empty()) continue;
    if (seen.insert(cls).second && cls.rfind("crash ", 0) == 0 && ends_with(cls, " service"))
      role_classes.push_back(cls);
    ToleranceCell& cell = m.cells[row][cls];
    ++cell.points;
    if (p.violated.empty()) continue;
    ++cell.points_broken;
    for (const auto& inv : p.violated) ++cell.broken[inv];
    if (cell.replay.empty())
      cell.replay = "dtxsim explore " + x.scenario.file + " --pattern " + row + " --count " +
                    std::to_string(x.scenario.workload.count) +
                    " --write-dir DIR (point: " + p.what + ")";
  }
}

}  // namespace

ToleranceMatrix tolerance_matrix(const std::vector<StoredRun>& runs,
                                 const std::vector<ExploreResult>& explored, size_t max_replays) {
  ToleranceMatrix m;
  Replayer replayer;
  std::set<std::string> seen;
  std::vector<std::string> role_classes;
  size_t replays = 0;
  for (const auto& r : runs) {
    std::string row = r.pattern + ":" + r.variant;
    if (!m.cells.count(row)) m.rows.push_back(row);
    auto& cells = m.cells[row];
    const Scenario* s = replayer.scenario_of(r);
    auto roles = s ? node_roles(*s) : std::map<std::string, std::string>{};
    std::set<std::string> classes;
    for (const auto& f : r.faults) {
      std::string cls = fault_class(f, roles);
      if (!cls.empty()) classes.insert(cls);
    }
    if (classes.empty()) classes.insert("no fault");
    for (const auto& c : classes) {
      ++cells[c].exposed;
      if (seen.insert(c).second && c.rfind("crash ", 0) == 0 && ends_with(c, " service"))
        role_classes.push_back(c);
    }
    if (r.violated().empty() || replays >= max_replays) continue;
    ++replays;
    for (const auto& [cls, invs] : replayer.blame(r)) {
      ToleranceCell& cell = cells[cls];
      if (!classes.count(cls)) ++cell.exposed;  // "no fault" beside faults elsewhere
      seen.insert(cls);
      for (const auto& inv : invs) ++cell.broken[inv];
      cell.broken_seeds.insert(r.seed);
      if (cell.replay.empty()) cell.replay = replay_of(r);
    }
  }
  for (const auto& x : explored) add_explored(x, m, seen, role_classes);
  std::sort(role_classes.begin(), role_classes.end());
  for (const auto& c : role_classes) m.classes.push_back(c);
  for (const auto& c : kLaterClasses) {
    if (seen.count(c))
      m.classes.push_back(c);
    else if (c != "no fault" && c != "crash other node")
      m.unexercised.push_back(c);
  }
  return m;
}

}  // namespace dtx
