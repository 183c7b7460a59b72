// The run pipeline: world from topology, pattern setup, faults, workload arrivals, run to
// the termination bound, then final state, checkers, metrics and the expectation verdict.
#include "app/runner.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "app/output.hpp"
#include "sim/check/story.hpp"
#include "sim/plugin/pattern.hpp"
#include "sim/world/broker.hpp"
#include "sim/world/database.hpp"
#include "sim/world/faults.hpp"
#include "sim/world/world.hpp"

namespace dtx {

std::set<std::string> RunResult::violated() const {
  std::set<std::string> out;
  for (const auto& v : violations) out.insert(v.invariant);
  return out;
}

std::string RunResult::replay_command() const {
  return "dtxsim run " + file + " --seed " + std::to_string(seed) + " --pattern " + pattern + ":" +
         variant;
}

Json RunResult::to_json() const {
  Json v = Json::array();
  for (const auto& x : violations) v.push_back(x.to_json());
  Json f = Json::array();
  for (size_t i = 0; i < findings.size(); ++i) f.push_back(findings[i].to_json(violations, i + 1));
  return {{"scenario", scenario},
          {"file", file},
          {"pattern", pattern},
          {"variant", variant},
          {"seed", seed},
          {"trace_hash", trace_hash},
          {"events", events},
          {"metrics", metrics.to_json()},
          {"counters", counters},
          {"checked", checked},
          {"expected", expected},
          {"expectation_met", expectation_met},
          {"expectation", expectation_note},
          {"violations", v},
          {"findings", f},
          {"replay", replay_command()}};
}

std::pair<std::string, std::string> resolve_pattern(const std::string& spec,
                                                    const std::string& where) {
  auto colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  std::string variant = colon == std::string::npos ? "correct" : spec.substr(colon + 1);
  const PatternInfo* p = find_pattern(name);
  if (!p) {
    std::string names;
    for (const auto& x : pattern_registry()) names += (names.empty() ? "" : ", ") + x.name;
    throw InputError(where + ": unknown pattern '" + name + "' (expected one of: " + names + ")");
  }
  if (!p->variant(variant)) {
    std::string names;
    for (const auto& x : p->variants) names += (names.empty() ? "" : ", ") + x.name;
    throw InputError(where + ": pattern '" + name + "' has no variant '" + variant +
                     "' (expected one of: " + names + ")");
  }
  return {name, variant};
}

namespace {

// Every object one run needs, destroyed in reverse order of construction.
struct RunWorld {
  RunWorld(uint64_t seed, const Scenario& s) : scenario(s), world(seed) {}
  ~RunWorld() { world.shutdown(); }
  Scenario scenario;  // with the variant the run uses (the pattern reads it through Setup)
  // What the checkers read, fed as events are recorded (declared first: it outlives the world).
  std::shared_ptr<CheckStream> stream;
  World world;
  std::vector<std::unique_ptr<Database>> dbs;
  std::vector<std::unique_ptr<Broker>> brokers;
  std::unique_ptr<Workload> workload;
  std::unique_ptr<Pattern> pattern;
  bool stories = false;  // events kept for the storyteller
  bool sealing = false;  // transactions checked and let go as they end (CheckStream)
};

// What a run will be, decided and checked before any world exists.
struct Plan {
  const PatternInfo* info = nullptr;
  std::string pattern, variant;
  uint64_t seed = 0;
  std::unique_ptr<Pattern> configured;  // the run's pattern, its parameters read
  std::vector<FaultSpec> faults;        // the explicit ones; the swarm's are drawn later
};

std::string params_path(const Scenario& s, const std::string& pattern) {
  return pattern == s.pattern.name ? "$.pattern.params" : "$.pattern.params_by_pattern." + pattern;
}

void configure(Pattern& p, const Json& params, const std::string& file, const std::string& path,
               InputErrors& e) {
  if (!params.is_object()) return e.add(file, path, "expected an object");
  Reader r(params, file, path, e);
  p.configure(r);
  r.finish();
}

// The parameters the file gives the patterns this run does not use: a typo there would
// otherwise wait for the compare or --pattern run that reads them.
void check_other_params(const Scenario& s, const std::string& used_path, InputErrors& e) {
  auto check = [&](const std::string& name, const Json& params, const std::string& path) {
    if (path == used_path || e.touches(path)) return;
    const PatternInfo* p = find_pattern(name);
    if (!p) {
      std::string names;
      for (const auto& x : pattern_registry()) names += (names.empty() ? "" : ", ") + x.name;
      return e.add(s.file, path,
                   "expected a pattern name (one of: " + names + "), got '" + name + "'");
    }
    configure(*p->make("correct"), params, s.file, path, e);
  };
  // An unknown name of the scenario's own pattern is reported once, by resolve_pattern.
  if (!e.touches("$.pattern.name") && find_pattern(s.pattern.name))
    check(s.pattern.name, s.pattern.params, "$.pattern.params");
  const Json& by = s.pattern.params_by_pattern;
  for (auto it = by.begin(); it != by.end(); ++it)
    check(it.key(), it.value(), "$.pattern.params_by_pattern." + it.key());
}

// What the pattern needs of the scenario: its workload, a broker, a coordinator.
void check_needs(const Scenario& s, const PatternInfo& info, InputErrors& e) {
  const auto& kinds = info.workloads;
  if (!e.touches("$.workload.kind") &&
      std::find(kinds.begin(), kinds.end(), s.workload.kind) == kinds.end())
    e.add(s.file, "$.workload.kind",
          "expected a workload pattern '" + info.name + "' supports (" + Json(kinds).dump() +
              "), got '" + s.workload.kind + "'");
  if (e.touches("$.topology")) return;  // what the topology holds is not known
  if (info.needs_broker && s.brokers.empty())
    e.add(s.file, "$.topology.brokers",
          "expected a broker: pattern '" + info.name + "' needs a broker");
  if (info.needs_coordinator && s.coordinator.empty())
    e.add(s.file, "$.topology.coordinator",
          "expected a coordinator node: pattern '" + info.name + "' needs a coordinator");
}

// The checks that need no world: the pattern, what it needs, every pattern's parameters.
// False when the pattern itself is unknown.
bool plan_run(const Scenario& s, const RunOptions& o, Plan& plan, InputErrors& e) {
  plan.seed = o.seed.value_or(s.seed);
  plan.faults = o.faults.value_or(s.faults);
  if (!o.pattern && (e.touches("$.pattern.name") || e.touches("$.pattern.variant"))) return false;
  try {
    std::tie(plan.pattern, plan.variant) =
        o.pattern
            ? resolve_pattern(*o.pattern, "--pattern")
            : resolve_pattern(s.pattern.name + ":" + s.pattern.variant, s.file + ": $.pattern");
  } catch (const InputError& x) {
    e.add_message(x.what());
    return false;
  }
  plan.info = find_pattern(plan.pattern);
  check_needs(s, *plan.info, e);
  std::string path = params_path(s, plan.pattern);
  plan.configured = plan.info->make(plan.variant);
  if (!e.touches(path))
    configure(*plan.configured, s.pattern.params_for(plan.pattern), s.file, path, e);
  check_other_params(s, path, e);
  return true;
}

void build_topology(RunWorld& rw, const Scenario& s) {
  World& w = rw.world;
  w.net().set_default_model(s.default_link);
  for (const auto& sv : s.services) {
    w.add_node(sv.name, "service", sv.name);
    for (int i = 2; i <= sv.instances; ++i)
      w.add_node(sv.name + "-" + std::to_string(i), "service", sv.name);
    if (w.databases().count(sv.database)) continue;  // shared with an earlier service
    Node& host = w.add_node(sv.database, "database", sv.name);
    rw.dbs.push_back(std::make_unique<Database>(w, sv.database, host, sv.db));
  }
  for (const auto& b : s.brokers) {
    Node& host = w.add_node(b.name, "broker", "infra");
    rw.brokers.push_back(std::make_unique<Broker>(w, host, b.config));
  }
  if (!s.coordinator.empty()) {
    w.add_node(s.coordinator, "coordinator", "infra");
    Node& host = w.add_node(s.coordinator + ".db", "database", "infra");
    rw.dbs.push_back(std::make_unique<Database>(w, s.coordinator + ".db", host, DbConfig{}));
  }
}

void apply_links(World& w, const Scenario& s, InputErrors& e) {
  for (size_t i = 0; i < s.links.size(); ++i) {
    if (!w.set_link_model_checked(s.links[i].a, s.links[i].b, s.links[i].model)) {
      e.add(s.file, "$.topology.links[" + std::to_string(i) + "]",
            "expected two distinct known node names, got '" + s.links[i].a + "' and '" +
                s.links[i].b + "'");
    }
  }
}

void check_fault_nodes(World& w, const Scenario& s, const std::vector<FaultSpec>& faults,
                       InputErrors& e) {
  for (size_t i = 0; i < faults.size(); ++i) {
    const FaultSpec& f = faults[i];
    std::string at = "$.faults.schedule[" + std::to_string(i) + "]";
    auto need_node = [&](const std::string& n, const std::string& field) {
      if (n.empty() || !w.node(n))
        e.add(s.file, at + "." + field, "expected a node name, got '" + n + "'");
    };
    FaultTarget target = fault_info(f.kind()).target;
    if (target == FaultTarget::node || target == FaultTarget::link) need_node(f.target(), "node");
    if (const auto* clog = f.as<ClogFault>()) need_node(clog->peer, "peer");
    if (target == FaultTarget::database && !w.databases().count(f.target()))
      e.add(s.file, at + ".node", "expected a database name, got '" + f.target() + "'");
    std::visit(
        [&](const auto& m) {
          if constexpr (requires { m.msg; }) {
            std::string kind = fault_name(f.kind());
            if (m.msg == 0)
              e.add(s.file, at + ".msg",
                    "expected the id of the message to " + kind.substr(0, kind.find('_')));
          }
        },
        f.action);
    if (const auto* p = f.as<PartitionFault>()) {
      if (p->groups.empty())
        e.add(s.file, at + ".groups", "expected at least one group of node names");
      for (const auto& g : p->groups)
        for (const auto& n : g) need_node(n, "groups");
    }
  }
}

void check_swarm_nodes(World& w, const Scenario& s, InputErrors& e) {
  if (!s.swarm.enabled) return;
  for (const auto& n : s.swarm.nodes)
    if (!w.node(n)) e.add(s.file, "$.faults.swarm.nodes", "expected a node name, got '" + n + "'");
  for (const auto& d : s.swarm.databases)
    if (!w.databases().count(d))
      e.add(s.file, "$.faults.swarm.databases", "expected a database name, got '" + d + "'");
}

// Builds the world, the workload and the pattern, then checks what only the built world
// knows (pattern-owned nodes included): link ends, fault and swarm node names. Null, with
// the errors added, when the run cannot go ahead.
std::unique_ptr<RunWorld> build_world(const Scenario& s, const RunOptions& o, Plan& plan,
                                      InputErrors& e) {
  auto rw = std::make_unique<RunWorld>(plan.seed, s);
  rw->scenario.pattern.variant = plan.variant;
  World& w = rw->world;
  // The checkers read a stream fed as the run records, so the events stay in memory only for
  // their readers: the caller (keep_history) or the storyteller (explain, on runs small
  // enough to keep).
  rw->stories = o.explain && s.workload.count <= kStoryMaxTxns;
  w.history().set_keep_in_memory(o.keep_history || rw->stories);
  rw->sealing = o.seal && !o.keep_history && !rw->stories;
  w.history().set_keep_traced_details(rw->stories);
  w.sim().set_fast_forward(o.fast_forward);
  build_topology(*rw, s);
  rw->workload = make_workload(s.workload);
  rw->pattern = std::move(plan.configured);
  // Fed from the first event; the balances it replays from are the workload's after setup.
  rw->stream = std::make_shared<CheckStream>(&rw->workload->initial_balances());
  w.history().set_sink(rw->stream.get(), kCheckedKinds);
  try {
    rw->workload->setup(w, s.services);
  } catch (const InputError& x) {
    e.add_message(s.file + ": " + x.what());
    return nullptr;
  }

  try {
    Setup setup(w, rw->scenario, *rw->workload);
    rw->pattern->setup(setup);
  } catch (const InputError& x) {
    e.add_message(x.what());
    return nullptr;
  }
  apply_links(w, s, e);
  check_fault_nodes(w, s, plan.faults, e);
  if (!o.faults && !o.disable_swarm) check_swarm_nodes(w, s, e);
  return e.empty() ? std::move(rw) : nullptr;
}

std::vector<std::string> default_swarm_nodes(World& w) {
  std::vector<std::string> out;
  for (const auto& n : w.nodes()) {
    // Pattern-owned nodes (relays) are left out so every pattern draws the same schedule.
    if (n->role() == "service" || n->role() == "broker" || n->role() == "coordinator")
      out.push_back(n->name());
  }
  return out;
}

void judge(RunResult& r) {
  std::set<std::string> got = r.violated();
  std::set<std::string> want(r.expected.begin(), r.expected.end());
  std::vector<std::string> unexpected, missing;
  for (const auto& g : got)
    if (!want.count(g)) unexpected.push_back(g);
  for (const auto& x : want)
    if (!got.count(x)) missing.push_back(x);
  r.expectation_met = unexpected.empty() && missing.empty();
  std::string note;
  for (const auto& u : unexpected)
    note += (note.empty() ? "" : "; ") + ("unexpected violation of " + u);
  for (const auto& m : missing)
    note += (note.empty() ? "" : "; ") + ("expected a violation of " + m + " that did not happen");
  r.expectation_note =
      note.empty() ? (want.empty() ? "no violation, as expected" : "violations exactly as expected")
                   : note;
}

// The explicit faults plus the swarm's, drawn from the seed, scheduled on the world.
std::vector<FaultSpec> schedule_all_faults(RunWorld& rw, const Scenario& s, const RunOptions& o,
                                           const Plan& plan) {
  World& w = rw.world;
  std::vector<FaultSpec> faults = plan.faults;
  if (!o.faults && !o.disable_swarm && s.swarm.enabled) {
    SwarmSpec sw = s.swarm;
    if (sw.nodes.empty()) sw.nodes = default_swarm_nodes(w);
    auto drawn = draw_swarm(sw, plan.seed, s.heal_us);
    faults.insert(faults.end(), drawn.begin(), drawn.end());
  }
  schedule_faults(w, faults, s.heal_us);
  return faults;
}

void arrive(RunWorld& rw, BusinessTxn& t) {
  World& w = rw.world;
  rw.stream->arrived(t.gid, t.at_us);
  Node* n = w.node(t.origin().service);
  if (!n || !n->alive()) {
    w.count("refused_requests");
    w.record(t.origin().service, Kind::note, t.gid,
             Json{{"text", "request refused: service down"}});
    return;
  }
  Context c(w, *n);
  c.spawn(rw.pattern->begin(c, std::move(t)));
}

// Arrival i, which schedules arrival i + 1 as it runs: the queue holds one arrival at a time,
// in the order (sequence numbers reserved at the start) all of them scheduled at once would
// have. Each hands its transaction over (the list outlives the run; each runs once).
void schedule_arrival(RunWorld& rw, std::vector<BusinessTxn>& txns, size_t i, uint64_t seq0) {
  if (i >= txns.size()) return;
  rw.world.sim().schedule_reserved(txns[i].at_us, seq0 + i, [&rw, &txns, i, seq0] {
    schedule_arrival(rw, txns, i + 1, seq0);
    arrive(rw, txns[i]);
  });
}

void schedule_arrivals(RunWorld& rw, std::vector<BusinessTxn>& txns) {
  uint64_t seq0 = rw.world.sim().reserve_sequences(txns.size());
  schedule_arrival(rw, txns, 0, seq0);
}

// A run nobody reads the events of is checked as it goes: each transaction final and quiet
// for the termination bound (at least 10 s) is checked and let go.
void seal_when_quiet(RunWorld& rw, const Scenario& s, const RunOptions& o,
                     const std::vector<std::string>& checked, TimeUs settle_us) {
  SealSpec spec;
  spec.quiet_us = o.seal_quiet_us > 0 ? o.seal_quiet_us
                                      : std::max<TimeUs>(s.termination_bound_us, 10 * kUsPerS);
  spec.deadline_us = settle_us + s.termination_bound_us;
  spec.bound_us = s.termination_bound_us;
  spec.checked = checked;
  rw.stream->seal_when_quiet(std::move(spec));
}

void run_until_end(World& w, const RunOptions& o, TimeUs end_us) {
  if (o.before_start) o.before_start(w);
  w.start();
  if (o.between_slices && o.slice_us > 0) {
    for (TimeUs t = w.now_us() + o.slice_us; t < end_us; t += o.slice_us) {
      w.run_until(t);
      o.between_slices();
    }
  }
  w.run_until(end_us);
}

void check_invariants(RunResult& r, const CheckInput& in, const Scenario& s, bool explain) {
  const auto& dead_gids = check_stream(in).dead_gids();
  for (const auto& name : r.checked) {
    for (auto& v : find_invariant(name)->checker(in)) {
      // A drained dead-letter queue is an operator's job: reported, not counted as lost.
      if (s.dlq_drained && dead_gids.count(v.gid) && name != "exactly_once") continue;
      r.violations.push_back(std::move(v));
    }
  }
  if (!explain || r.violations.empty()) {
    r.findings = group_findings(r.violations);
    return;
  }
  std::vector<const Event*> events;
  for (const Event& e : in.events) events.push_back(&e);
  Storyteller teller(std::move(events));
  r.findings = group_findings(r.violations, &teller);
}

RunResult simulate(RunWorld& rw, const Scenario& s, const RunOptions& o, const Plan& plan) {
  World& w = rw.world;
  RunResult r;
  r.scenario = s.name;
  r.file = s.file;
  r.seed = plan.seed;
  r.pattern = plan.pattern;
  r.variant = plan.variant;
  std::vector<BusinessTxn> txns = rw.workload->generate(r.seed);
  TimeUs last_arrival = txns.empty() ? 0 : txns.back().at_us;
  r.faults = schedule_all_faults(rw, s, o, plan);
  if (!o.trace_path.empty()) {
    std::string err;
    if (!w.history().open_trace(o.trace_path, err)) throw InputError(err);
    w.history().set_trace_filter(o.trace_filter);
  }
  w.history().write_header({s.name, r.pattern, r.variant, r.seed, build_id(), w.node_infos()});
  schedule_arrivals(rw, txns);
  TimeUs settle = std::max(s.heal_us, last_arrival);
  TimeUs end_us = settle + s.termination_bound_us;
  r.checked = s.invariants.empty() ? plan.info->invariants : s.invariants;
  if (rw.sealing) seal_when_quiet(rw, s, o, r.checked, settle);
  run_until_end(w, o, end_us);

  FinalState fs = rw.workload->final_state(w);
  fs.heal_us = settle;
  fs.termination_bound_us = s.termination_bound_us;
  fs.end_us = end_us;
  rw.stream->finish();
  if (rw.stream->sealed_too_soon()) {
    r.sealed_too_soon = true;
    return r;
  }
  r.sealed = rw.stream->sealed().size();
  CheckInput in{w.history().events(), fs, rw.stream, w.history().last_event_us()};
  check_invariants(r, in, s, rw.stories);
  if (o.explain && !rw.stories && !r.violations.empty())
    r.stories_skipped = "stories are told for runs of up to " + std::to_string(kStoryMaxTxns) +
                        " transactions; `dtxsim explain TRACE --gid GID` tells one from the trace";
  r.metrics = compute_metrics(in);
  r.counters = w.counters();
  r.expected = s.expect;
  r.description = s.description;
  judge(r);
  r.expectation_ignored = o.ignore_expect && !r.expectation_met;
  std::vector<Json> vj, fj;
  for (const auto& v : r.violations) vj.push_back(v.to_json());
  for (size_t i = 0; i < r.findings.size(); ++i)
    if (!r.findings[i].story.empty()) fj.push_back(r.findings[i].to_json(r.violations, i + 1));
  if (!w.history().finish(vj, fj, end_us))
    throw OutputError("--trace " + o.trace_path + ": write failed (disk full?)");
  r.trace_hash = w.history().trace_hash_hex();
  r.events = w.history().recorded();
  if (o.keep_history) r.history = w.history().take_events();  // moved, not copied
  return r;
}

}  // namespace

void check_run(const Scenario& s, const RunOptions& o, InputErrors& errors) {
  Plan plan;
  // A world is built only from a scenario without errors: defaults standing in for bad
  // values would make it report errors the file does not have.
  if (plan_run(s, o, plan, errors) && errors.empty()) build_world(s, o, plan, errors);
}

Scenario load_checked(const std::string& path, const RunOptions& o) {
  InputErrors errors;
  Scenario s = load_scenario(path, errors);
  check_run(s, o, errors);
  errors.raise();
  return s;
}

RunResult run_scenario(const Scenario& s, const RunOptions& o) {
  InputErrors errors;
  Plan plan;
  plan_run(s, o, plan, errors);
  errors.raise();
  std::unique_ptr<RunWorld> rw = build_world(s, o, plan, errors);
  errors.raise();
  RunResult r = simulate(*rw, s, o, plan);
  if (!r.sealed_too_soon) return r;
  // A transaction had a record after it was sealed: the same run again, every transaction
  // held to the end (deterministic, so the same trace).
  RunOptions again = o;
  again.seal = false;
  rw.reset();
  return run_scenario(s, again);
}

namespace {

// ANSI styles, or nothing when the output is no terminal.
struct Style {
  bool on = false;
  std::string operator()(const char* code, const std::string& text) const {
    return on ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  }
  std::string bad(const std::string& t) const { return (*this)("1;31", t); }
  std::string good(const std::string& t) const { return (*this)("32", t); }
  std::string strong(const std::string& t) const { return (*this)("1", t); }
  std::string note(const std::string& t) const { return (*this)("2", t); }
};

// A figure with the digits it needs: 3 significant digits, no trailing zeros.
std::string fig(double v) {
  std::ostringstream o;
  o.precision(v != 0 && std::abs(v) < 1 ? 2 : 3);
  if (std::abs(v) >= 1000) {
    o.setf(std::ios::fixed);
    o.precision(0);
  }
  o << v;
  return o.str();
}

std::string ms_text(TimeUs us) {
  return fig(us / 1000.0) + " ms";
}

void print_violation(std::ostream& out, const Violation& v, const char* indent) {
  out << indent << v.invariant << " gid " << (v.gid.empty() ? "-" : v.gid) << ": " << v.message
      << " (events";
  for (size_t i = 0; i < v.events.size() && i < 6; ++i) out << " " << v.events[i];
  out << ")\n";
}

// Each finding once: how many transactions, which invariants, its cause, one transaction's
// violations as its example, and the other gids (the first few).
void print_findings(std::ostream& out, const RunResult& r, const Style& st) {
  std::set<std::string> gids;
  for (const auto& v : r.violations) gids.insert(v.gid);
  out << r.findings.size() << (r.findings.size() == 1 ? " finding" : " findings") << " ("
      << r.violations.size() << " violations in " << gids.size() - gids.count("")
      << " transactions)\n";
  for (size_t k = 0; k < r.findings.size(); ++k) {
    const Finding& f = r.findings[k];
    std::string head = "FINDING " + std::to_string(k + 1) + ": ";
    if (f.gids.empty()) {
      head += std::to_string(f.violations.size()) + " violation" +
              (f.violations.size() == 1 ? "" : "s");
    } else {
      head += std::to_string(f.gids.size()) + " transaction" + (f.gids.size() == 1 ? "" : "s");
    }
    head += " break";
    for (const auto& i : f.invariants) head += " " + i;
    out << "  " << st.bad(head) << "\n";
    if (!f.story.cause.empty()) out << "    cause: " << f.story.cause << "\n";
    size_t shown = 0;
    for (size_t i : f.violations) {
      const Violation& v = r.violations[i];
      if (f.gids.empty() ? shown++ < 3 : v.gid == f.example_gid) print_violation(out, v, "    ");
    }
    if (f.gids.size() > 1) {
      out << "    also:";
      for (size_t g = 1; g < f.gids.size() && g <= 8; ++g) out << " " << f.gids[g];
      if (f.gids.size() > 9) out << " (+" << f.gids.size() - 9 << " more)";
      out << "\n";
    }
  }
}

// The faults that ran: kind, where, when (the first few).
void print_faults(std::ostream& out, const RunResult& r) {
  if (r.faults.empty()) return;
  constexpr size_t kShown = 6;
  out << "faults: " << r.faults.size() << " —";
  for (size_t i = 0; i < r.faults.size() && i < kShown; ++i) {
    const FaultSpec& f = r.faults[i];
    FaultFields w = FaultFields::of(f);
    out << (i ? ";" : "") << " " << fault_name(w.kind);
    if (!w.node.empty()) out << " " << w.node << (w.peer.empty() ? "" : "-" + w.peer);
    if (!w.name.empty()) out << " " << w.name;
    if (w.rate > 0) out << " rate " << fig(w.rate);
    out << " at " << ms_text(f.at_us);
    if (w.duration_us > 0) out << " for " << ms_text(w.duration_us);
  }
  if (r.faults.size() > kShown) out << "; +" << r.faults.size() - kShown << " more";
  out << "\n";
}

void print_metrics(std::ostream& out, const RunResult& r) {
  const Metrics& m = r.metrics;
  out << "transactions " << m.business_txns << " (" << m.finished_txns
      << " reached a final state)  latency p50 " << ms_text(m.latency_us_p50) << ", p90 "
      << ms_text(m.latency_us_p90) << ", p99 " << ms_text(m.latency_us_p99) << ", max "
      << ms_text(m.latency_us_max) << "\n";
  out << "per transaction: " << fig(m.messages_per_txn) << " messages, "
      << fig(m.local_txns_per_txn) << " local transactions\n";
  out << "counts: " << m.duplicate_deliveries << " network duplicates (messages delivered twice), "
      << m.retries << " retried calls, " << m.checkbacks << " check-backs, " << m.redeliveries
      << " broker redeliveries, " << m.dead_letters << " dead letters, " << m.alerts << " alerts\n";
  out << "inconsistency window " << ms_text(m.inconsistency_window_us)
      << " (time any money was in flight, summed over the run)  simulated " << ms_text(m.end_us)
      << "  events " << r.events << "\n";
}

}  // namespace

std::string summary_text(const RunResult& r, bool all_violations, bool colour) {
  Style st{colour};
  std::ostringstream out;
  out << st.strong("scenario " + r.scenario) << "  pattern " << r.pattern << ":" << r.variant
      << "  seed " << r.seed << "\n";
  if (!r.description.empty()) out << st.note(r.description) << "\n";
  print_faults(out, r);
  std::set<std::string> bad = r.violated();
  out << "invariants:";
  for (const auto& c : r.checked)
    out << " " << (bad.count(c) ? st.bad(c + "=VIOLATED") : st.good(c + "=held"));
  out << "\n";
  print_metrics(out, r);
  if (all_violations) {
    for (const auto& v : r.violations) print_violation(out, v, "  VIOLATION ");
  } else if (!r.violations.empty()) {
    print_findings(out, r, st);
    out << "(--all lists every violation, --json FILE writes violations and findings)\n";
  }
  if (!r.findings.empty() && !r.findings.front().story.empty()) {
    const Finding& f = r.findings.front();
    out << st.strong("story of finding 1, told for " + f.example_gid) << ":\n"
        << story_text(f.story, kSummaryStorySteps);
  }
  if (!r.violations.empty()) out << "replay: " << r.replay_command() << "\n";
  out << "expectation: " << r.expectation_note
      << (r.expectation_met
              ? ""
              : (r.expectation_ignored ? "  (ignored: --ignore-expect)" : st.bad("  [FAILED]")))
      << "\n";
  out << "trace hash " << r.trace_hash << "\n";
  return out.str();
}

}  // namespace dtx
