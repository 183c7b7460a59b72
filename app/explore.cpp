// Exploration points from a baseline history; greedy delta-debugging for shrink.
#include "app/explore.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "sim/kernel/random.hpp"
#include "sim/world/faults.hpp"

namespace dtx {

namespace {

Scenario explore_scenario(const Scenario& s, const ExploreOptions& o) {
  Scenario x = s;
  x.swarm.enabled = false;
  x.faults.clear();
  if (o.count) x.workload.count = *o.count;
  return x;
}

// A fault at `at` (never before the start).
FaultSpec fault(TimeUs at, FaultAction action) {
  return FaultSpec{std::max<TimeUs>(0, at), std::move(action)};
}

// The nodes every transaction leans on: brokers and the coordinator.
std::vector<std::string> infrastructure(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& b : s.brokers) out.push_back(b.name);
  if (!s.coordinator.empty()) out.push_back(s.coordinator);
  return out;
}

// Every point is handed to `emit` as it is made, so a caller keeps only the points it wants
// (a 10,000-transaction baseline has hundreds of thousands). A point's kind is its text
// without the instance (time, event, message id): the same fault at the same protocol step.
using EmitPoint = std::function<void(ExplorePoint&&)>;

// Points at one durable step (a local commit or prepare of `who` on database `db`).
void durable_step_points(const Event& e, const std::string& step, const std::string& who,
                         const std::vector<std::string>& infra, const ExploreOptions& o,
                         const EmitPoint& emit) {
  std::string at = " at t=" + std::to_string(e.t_us) + "us (event " + std::to_string(e.id) + ")";
  auto add = [&](std::string kind, FaultSpec f) {
    std::string what = kind + at;
    emit({std::move(what), {std::move(f)}, {}, std::move(kind)});
  };
  std::string on = " its " + step + " on " + e.node;
  if (!who.empty()) {
    add("crash " + who + " just before" + on, fault(e.t_us - 1, CrashFault{who, o.restart_us}));
    add("crash " + who + " just after" + on, fault(e.t_us + 1, CrashFault{who, o.restart_us}));
    add("pause " + who + " for " + std::to_string(o.pause_us / 1000) + " ms just after" + on,
        fault(e.t_us + 1, PauseFault{who, o.pause_us}));
  }
  std::string before = " before a " + step;
  add("stall " + e.node + before, fault(e.t_us - 1, DbStallFault{e.node, o.stall_us}));
  add("disk full on " + e.node + before, fault(e.t_us - 1, DbDiskFullFault{e.node, o.fail_us}));
  add("outage of " + e.node + before, fault(e.t_us - 1, DbOutageFault{e.node, o.fail_us}));
  add("lock contention on " + e.node + before,
      fault(e.t_us - 1, DbLockContentionFault{e.node, o.fail_us}));
  for (const auto& n : infra) {
    if (n != who)
      add("crash " + n + " just after a " + step + " on " + e.node,
          fault(e.t_us + 1, CrashFault{n, o.restart_us}));
  }
}

// Points at one send: the sender crashed or paused just after it, the message lost,
// duplicated or delayed.
void send_points(const Event& e, const ExploreOptions& o, const EmitPoint& emit) {
  std::string type = e.detail.is_object() ? e.detail.value("type", "") : "";
  std::string route = (type.empty() ? "" : " " + type) + " " + e.node + "->" + e.peer;
  std::string at = " (message " + std::to_string(e.msg) + route +
                   " at t=" + std::to_string(e.t_us) + "us, event " + std::to_string(e.id) + ")";
  auto add = [&](const std::string& verb, FaultSpec f) {
    emit({verb + at, {std::move(f)}, {}, verb + " (message" + route + ")"});
  };
  add("crash " + e.node + " just after a send",
      fault(e.t_us + 1, CrashFault{e.node, o.restart_us}));
  add("pause " + e.node + " for " + std::to_string(o.pause_us / 1000) + " ms just after a send",
      fault(e.t_us + 1, PauseFault{e.node, o.pause_us}));
  add("drop", fault(0, DropMessageFault{e.msg}));
  add("duplicate", fault(0, DuplicateMessageFault{e.msg}));
  add("delay " + std::to_string(o.delay_us / 1000) + " ms",
      fault(0, DelayMessageFault{e.msg, o.delay_us}));
}

void for_each_point(const RunResult& base, const Scenario& s, const ExploreOptions& o,
                    const EmitPoint& emit) {
  std::map<std::pair<std::string, uint64_t>, std::string> owner;  // (db, txn) -> owner node
  std::vector<std::string> infra = infrastructure(s);
  for (const auto& e : base.history) {
    const Json& d = e.detail;
    // Protocol steps carry a global transaction id; idle polls and subscriptions do not.
    if (e.gid.empty() && e.kind != Kind::db_begin) continue;
    if (e.kind == Kind::db_begin && d.is_object())
      owner[{e.node, d.value("txn", uint64_t{0})}] = d.value("owner", "");
    if ((e.kind == Kind::db_commit || e.kind == Kind::db_prepare) && d.is_object()) {
      auto it = owner.find({e.node, d.value("txn", uint64_t{0})});
      std::string who = it == owner.end() ? "" : it->second;
      // A local transaction commits once (after its prepare, if any): the map stays small.
      if (it != owner.end() && e.kind == Kind::db_commit) owner.erase(it);
      durable_step_points(e, e.kind == Kind::db_commit ? "commit" : "prepare", who, infra, o, emit);
    }
    if (e.kind == Kind::send) send_points(e, o, emit);
  }
}

// Which of `total` points to run. Without a budget: all, or an even sample of max_points.
// With one: the first instance of every kind (the protocol's step kinds, in order), then
// instances drawn from the rest by a stream seeded with sample_seed; sorted, so the output
// follows the protocol's order whatever the draw.
std::vector<size_t> choose_points(size_t total, const std::vector<size_t>& firsts,
                                  const ExploreOptions& o) {
  std::vector<size_t> out;
  size_t cap = o.budget ? o.budget : o.max_points;
  if (total <= cap) {
    for (size_t i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  if (!o.budget) {  // even, deterministic sample
    for (size_t i = 0; i < cap; ++i) out.push_back(i * total / cap);
    return out;
  }
  if (firsts.size() >= cap) {
    for (size_t i = 0; i < cap; ++i) out.push_back(firsts[i * firsts.size() / cap]);
    return out;
  }
  std::vector<size_t> rest;
  rest.reserve(total - firsts.size());
  for (size_t i = 0, f = 0; i < total; ++i) {
    if (f < firsts.size() && firsts[f] == i) {
      ++f;
    } else {
      rest.push_back(i);
    }
  }
  Random rng(o.sample_seed, "explore.sample");
  out = firsts;
  for (size_t k = 0; out.size() < cap; ++k) {  // partial Fisher-Yates
    size_t j = k + static_cast<size_t>(rng.below(rest.size() - k));
    std::swap(rest[k], rest[j]);
    out.push_back(rest[k]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Two passes over the baseline: count the points and find each kind's first, then keep
// the chosen ones only.
std::vector<ExplorePoint> points_from(const RunResult& base, const Scenario& s,
                                      const ExploreOptions& o, ExploreResult& out) {
  std::set<std::string> kinds;
  std::vector<size_t> firsts;
  size_t total = 0;
  for_each_point(base, s, o, [&](ExplorePoint&& p) {
    if (kinds.insert(p.kind).second) firsts.push_back(total);
    ++total;
  });
  out.listed = total;
  out.kinds = kinds.size();
  std::vector<size_t> chosen = choose_points(total, firsts, o);
  std::vector<ExplorePoint> pts;
  pts.reserve(chosen.size());
  size_t i = 0, c = 0;
  for_each_point(base, s, o, [&](ExplorePoint&& p) {
    if (c < chosen.size() && chosen[c] == i) {
      pts.push_back(std::move(p));
      ++c;
    }
    ++i;
  });
  std::set<std::string> seen;
  for (const auto& p : pts) seen.insert(p.kind);
  out.kinds_tried = seen.size();
  return pts;
}

// Long enough to outlive the scenario's time-outs: twice the longest `*_ms` parameter of the
// pattern and of the brokers (at least one second, at most the termination bound).
TimeUs outliving_pause_us(const Scenario& s, const std::string& pattern) {
  double longest_ms = 0;
  Json params = s.pattern.params_for(pattern);
  for (const auto& [key, v] : params.items()) {
    if (v.is_number() && key.size() > 3 && key.compare(key.size() - 3, 3, "_ms") == 0)
      longest_ms = std::max(longest_ms, v.get<double>());
  }
  for (const auto& b : s.brokers)
    longest_ms = std::max(longest_ms, b.config.ack_timeout_us / 1000.0);
  TimeUs pause = static_cast<TimeUs>(2 * longest_ms * kUsPerMs) + 100 * kUsPerMs;
  return std::clamp<TimeUs>(pause, kUsPerS, std::max(kUsPerS, s.termination_bound_us));
}

}  // namespace

namespace {

// Runs every point on `jobs` threads. Each thread takes the next point as it finishes one
// (points differ widely in cost), and writes only its point's slot: the result does not
// depend on which thread ran what.
void run_points(const Scenario& x, const std::string& pattern, std::vector<ExplorePoint>& pts,
                const ExploreOptions& o) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t done = 0;
  std::string error;
  auto worker = [&] {
    for (size_t i; (i = next++) < pts.size();) {
      RunOptions r;
      r.pattern = pattern;
      r.faults = pts[i].faults;
      r.keep_history = false;
      try {
        pts[i].violated = run_scenario(x, r).violated();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (error.empty()) error = pts[i].what + ": " + e.what();
      }
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (o.on_progress) o.on_progress(done, pts.size());
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, o.jobs); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace

ExploreResult explore(const Scenario& s, const ExploreOptions& o) {
  Scenario x = explore_scenario(s, o);
  RunOptions ro;
  ro.pattern = o.pattern;
  ro.faults = std::vector<FaultSpec>{};
  ExploreResult out;
  std::vector<ExplorePoint> pts;
  {
    RunResult base = run_scenario(x, ro);  // its history is freed once the points are listed
    out.pattern = base.pattern;
    out.variant = base.variant;
    out.baseline_violated = base.violated();
    ExploreOptions opts = o;
    if (opts.pause_us <= 0) opts.pause_us = outliving_pause_us(x, base.pattern);
    out.pause_us = opts.pause_us;
    pts = points_from(base, x, opts, out);
  }
  // Faults fire only before the heal time: put it after the last point.
  TimeUs last = 0;
  for (const auto& p : pts) last = std::max(last, p.faults.front().at_us);
  x.heal_us = std::max(
      x.heal_us,
      last + std::max({o.restart_us, o.stall_us, o.delay_us, out.pause_us, o.fail_us}) + kUsPerMs);
  out.scenario = x;
  out.points = pts.size();
  run_points(x, out.pattern + ":" + out.variant, pts, o);
  for (auto& p : pts) {
    if (!p.violated.empty()) out.failing.push_back(p);
  }
  out.tried = std::move(pts);
  return out;
}

namespace {

struct Shrinker {
  Scenario base;
  std::string pattern, invariant;
  uint64_t seed;
  size_t runs = 0;

  bool fails(const std::vector<FaultSpec>& faults, int64_t count, TimeUs heal_us) {
    Scenario x = base;
    x.workload.count = count;
    x.heal_us = heal_us;
    RunOptions o;
    o.seed = seed;
    o.pattern = pattern;
    o.faults = faults;
    o.keep_history = false;
    ++runs;
    return run_scenario(x, o).violated().count(invariant) > 0;
  }
};

TimeUs faults_end(const std::vector<FaultSpec>& faults) {
  TimeUs end = 0;
  for (const auto& f : faults) end = std::max(end, f.at_us + f.duration_us());
  return end;
}

}  // namespace

ShrinkResult shrink(const Scenario& s, uint64_t seed, const std::string& pattern,
                    const std::string& invariant_wanted) {
  RunOptions o;
  o.seed = seed;
  o.pattern = pattern;
  o.keep_history = false;
  RunResult first = run_scenario(s, o);
  if (first.violations.empty())
    throw InputError(s.file + ": seed " + std::to_string(seed) + " with " + pattern +
                     " violates no invariant; nothing to shrink");
  std::string invariant =
      invariant_wanted.empty() ? first.violations.front().invariant : invariant_wanted;
  if (!first.violated().count(invariant))
    throw InputError("--invariant: seed " + std::to_string(seed) + " does not violate '" +
                     invariant + "'");
  Shrinker sh{s, first.pattern + ":" + first.variant, invariant, seed};
  sh.base.swarm.enabled = false;
  std::vector<FaultSpec> faults = first.faults;
  int64_t count = s.workload.count;
  TimeUs heal = s.heal_us;
  ShrinkResult out;
  out.invariant = invariant;
  out.faults_before = faults.size();
  out.count_before = count;
  // Fewest faults: remove chunks, halving the chunk size (ddmin without complements).
  for (size_t chunk = std::max<size_t>(1, faults.size() / 2); chunk >= 1 && !faults.empty();
       chunk /= 2) {
    for (size_t i = 0; i < faults.size();) {
      std::vector<FaultSpec> trial;
      for (size_t j = 0; j < faults.size(); ++j)
        if (j < i || j >= i + chunk) trial.push_back(faults[j]);
      if (sh.fails(trial, count, heal)) {
        faults = std::move(trial);
      } else {
        i += chunk;
      }
    }
    if (chunk == 1) break;
  }
  // Fewest business transactions: the workload is a prefix-stable stream, so cut its tail.
  for (int64_t lo = 1, hi = count; lo < hi;) {
    int64_t mid = lo + (hi - lo) / 2;
    if (sh.fails(faults, mid, heal)) {
      hi = mid;
      count = mid;
    } else {
      lo = mid + 1;
    }
  }
  // Shortest time: heal as soon as the last fault ends.
  TimeUs early = faults_end(faults) + kUsPerMs;
  if (early < heal && sh.fails(faults, count, early)) heal = early;
  out.faults_after = faults.size();
  out.count_after = count;
  out.runs = sh.runs + 1;
  Scenario shrunk = s;
  shrunk.seed = seed;
  shrunk.workload.count = count;
  std::string description = "Shrunk from " + s.file + " seed " + std::to_string(seed) + " (" +
                            sh.pattern + "): " + std::to_string(out.faults_after) + " of " +
                            std::to_string(out.faults_before) + " faults, " +
                            std::to_string(count) + " of " + std::to_string(out.count_before) +
                            " transactions; still violates " + invariant + ".";
  Json doc = replay_scenario(shrunk, first.pattern, first.variant, faults, heal, s.name + "-shrunk",
                             description, {});
  RunOptions final_opts;
  final_opts.keep_history = false;
  RunResult last = run_scenario(parse_scenario(doc, "shrunk"), final_opts);
  doc["expect"] = last.violated();
  out.scenario = doc;
  return out;
}

Json replay_scenario(const Scenario& s, const std::string& pattern, const std::string& variant,
                     const std::vector<FaultSpec>& faults, TimeUs heal_us, const std::string& name,
                     const std::string& description, const std::set<std::string>& expect) {
  Json doc = s.raw;
  doc["name"] = name;
  doc["description"] = description;
  doc["seed"] = s.seed;
  // The replayed pattern takes its own parameters (it may not be the file's pattern).
  Json params = s.pattern.params_for(pattern);
  if (doc["pattern"].contains("params_by_pattern")) {
    Json& others = doc["pattern"]["params_by_pattern"];
    if (s.pattern.name != pattern && !s.pattern.params.empty())
      others[s.pattern.name] = s.pattern.params;
    others.erase(pattern);
    if (others.empty()) doc["pattern"].erase("params_by_pattern");
  }
  doc["pattern"]["name"] = pattern;
  doc["pattern"]["variant"] = variant;
  doc["pattern"]["params"] = params;
  doc["workload"]["count"] = s.workload.count;
  Json sched = Json::array();
  for (const auto& f : faults) sched.push_back(fault_to_json(f));
  doc["faults"] = {{"schedule", sched}, {"heal_at_ms", heal_us / 1000.0}};
  doc["expect"] = expect;
  return doc;
}

}  // namespace dtx
