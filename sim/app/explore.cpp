// Exploration points from a baseline history; greedy delta-debugging for shrink.
#include "sim/app/explore.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace dtx {

namespace {

Scenario explore_scenario(const Scenario& s, const ExploreOptions& o) {
  Scenario x = s;
  x.swarm.enabled = false;
  x.faults.clear();
  if (o.count) x.workload.count = *o.count;
  return x;
}

FaultSpec fault(const std::string& kind, TimeUs at, TimeUs duration, const std::string& node,
                uint64_t msg = 0) {
  FaultSpec f;
  f.kind = kind;
  f.at_us = std::max<TimeUs>(0, at);
  f.duration_us = duration;
  f.node = node;
  f.msg = msg;
  return f;
}

std::vector<ExplorePoint> points_from(const RunResult& base, const ExploreOptions& o) {
  std::map<std::pair<std::string, uint64_t>, std::string> owner;  // (db, txn) -> owner node
  std::vector<ExplorePoint> pts;
  auto add = [&](std::string what, FaultSpec f) {
    pts.push_back({std::move(what), {std::move(f)}, {}});
  };
  for (const auto& e : base.history) {
    const Json& d = e.detail;
    // Protocol steps carry a global transaction id; idle polls and subscriptions do not.
    if (e.gid.empty() && e.kind != Kind::db_begin) continue;
    if (e.kind == Kind::db_begin && d.is_object())
      owner[{e.node, d.value("txn", uint64_t{0})}] = d.value("owner", "");
    if (e.kind == Kind::db_commit && d.is_object()) {
      std::string who = owner[{e.node, d.value("txn", uint64_t{0})}];
      std::string at =
          " at t=" + std::to_string(e.t_us) + "us (event " + std::to_string(e.id) + ")";
      if (!who.empty()) {
        add("crash " + who + " just before its commit on " + e.node + at,
            fault("crash", e.t_us - 1, o.restart_us, who));
        add("crash " + who + " just after its commit on " + e.node + at,
            fault("crash", e.t_us + 1, o.restart_us, who));
      }
      add("stall " + e.node + " before a commit" + at,
          fault("db_stall", e.t_us - 1, o.stall_us, e.node));
    }
    if (e.kind == Kind::send) {
      std::string at = " (message " + std::to_string(e.msg) + " " + e.node + "->" + e.peer +
                       ", event " + std::to_string(e.id) + ")";
      add("crash " + e.node + " just after a send" + at,
          fault("crash", e.t_us + 1, o.restart_us, e.node));
      add("drop" + at, fault("drop_message", 0, 0, "", e.msg));
      add("duplicate" + at, fault("duplicate_message", 0, 0, "", e.msg));
      add("delay " + std::to_string(o.delay_us / 1000) + " ms" + at,
          fault("delay_message", 0, o.delay_us, "", e.msg));
    }
  }
  if (pts.size() > o.max_points) {  // even, deterministic sample
    std::vector<ExplorePoint> sample;
    for (size_t i = 0; i < o.max_points; ++i)
      sample.push_back(std::move(pts[i * pts.size() / o.max_points]));
    pts = std::move(sample);
  }
  return pts;
}

}  // namespace

ExploreResult explore(const Scenario& s, const ExploreOptions& o) {
  Scenario x = explore_scenario(s, o);
  RunOptions ro;
  ro.pattern = o.pattern;
  ro.faults = std::vector<FaultSpec>{};
  RunResult base = run_scenario(x, ro);
  ExploreResult out;
  out.pattern = base.pattern;
  out.variant = base.variant;
  out.baseline_violated = base.violated();
  std::vector<ExplorePoint> pts = points_from(base, o);
  // Faults fire only before the heal time: put it after the last point.
  TimeUs last = 0;
  for (const auto& p : pts) last = std::max(last, p.faults.front().at_us);
  x.heal_us =
      std::max(x.heal_us, last + std::max({o.restart_us, o.stall_us, o.delay_us}) + kUsPerMs);
  out.points = pts.size();
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::string error;
  auto worker = [&] {
    for (size_t i; (i = next++) < pts.size();) {
      RunOptions r;
      r.pattern = std::string(base.pattern + ":" + base.variant);
      r.faults = pts[i].faults;
      r.keep_history = false;
      try {
        pts[i].violated = run_scenario(x, r).violated();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (error.empty()) error = pts[i].what + ": " + e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, o.jobs); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  for (auto& p : pts) {
    if (!p.violated.empty()) out.failing.push_back(std::move(p));
  }
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
  for (const auto& f : faults) end = std::max(end, f.at_us + f.duration_us);
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
  Json doc = s.raw;
  doc["name"] = s.name + "-shrunk";
  doc["description"] = "Shrunk from " + s.file + " seed " + std::to_string(seed) + " (" +
                       sh.pattern + "): " + std::to_string(out.faults_after) + " of " +
                       std::to_string(out.faults_before) + " faults, " + std::to_string(count) +
                       " of " + std::to_string(out.count_before) +
                       " transactions; still violates " + invariant + ".";
  doc["seed"] = seed;
  doc["pattern"]["name"] = first.pattern;
  doc["pattern"]["variant"] = first.variant;
  doc["workload"]["count"] = count;
  Json sched = Json::array();
  for (const auto& f : faults) sched.push_back(fault_to_json(f));
  doc["faults"] = {{"schedule", sched}, {"heal_at_ms", heal / 1000.0}};
  Scenario check = parse_scenario(doc, "shrunk");
  RunOptions final_opts;
  final_opts.keep_history = false;
  RunResult last = run_scenario(check, final_opts);
  Json expect = Json::array();
  for (const auto& v : last.violated()) expect.push_back(v);
  doc["expect"] = expect;
  out.scenario = doc;
  return out;
}

}  // namespace dtx
