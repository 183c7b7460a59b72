// Exploration points from a baseline history; greedy delta-debugging for shrink.
#include "app/explore.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

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

FaultSpec fault(FaultKind kind, TimeUs at, TimeUs duration, const std::string& node,
                uint64_t msg = 0) {
  FaultSpec f;
  f.kind = kind;
  f.at_us = std::max<TimeUs>(0, at);
  f.duration_us = duration;
  f.node = node;
  f.msg = msg;
  return f;
}

// The nodes every transaction leans on: brokers and the coordinator.
std::vector<std::string> infrastructure(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& b : s.brokers) out.push_back(b.name);
  if (!s.coordinator.empty()) out.push_back(s.coordinator);
  return out;
}

// Points at one durable step (a local commit or prepare of `who` on database `db`).
void durable_step_points(const Event& e, const std::string& step, const std::string& who,
                         const std::vector<std::string>& infra, const ExploreOptions& o,
                         std::vector<ExplorePoint>& pts) {
  auto add = [&](std::string what, FaultSpec f) {
    pts.push_back({std::move(what), {std::move(f)}, {}});
  };
  std::string at = " at t=" + std::to_string(e.t_us) + "us (event " + std::to_string(e.id) + ")";
  std::string on = " its " + step + " on " + e.node + at;
  if (!who.empty()) {
    add("crash " + who + " just before" + on,
        fault(FaultKind::crash, e.t_us - 1, o.restart_us, who));
    add("crash " + who + " just after" + on,
        fault(FaultKind::crash, e.t_us + 1, o.restart_us, who));
    add("pause " + who + " for " + std::to_string(o.pause_us / 1000) + " ms just after" + on,
        fault(FaultKind::pause, e.t_us + 1, o.pause_us, who));
  }
  std::string before = " before a " + step + at;
  add("stall " + e.node + before, fault(FaultKind::db_stall, e.t_us - 1, o.stall_us, e.node));
  add("disk full on " + e.node + before,
      fault(FaultKind::db_disk_full, e.t_us - 1, o.fail_us, e.node));
  add("outage of " + e.node + before, fault(FaultKind::db_outage, e.t_us - 1, o.fail_us, e.node));
  add("lock contention on " + e.node + before,
      fault(FaultKind::db_lock_contention, e.t_us - 1, o.fail_us, e.node));
  for (const auto& n : infra) {
    if (n != who)
      add("crash " + n + " just after a " + step + " on " + e.node + at,
          fault(FaultKind::crash, e.t_us + 1, o.restart_us, n));
  }
}

// Points at one send: the sender crashed or paused just after it, the message lost,
// duplicated or delayed.
void send_points(const Event& e, const ExploreOptions& o, std::vector<ExplorePoint>& pts) {
  auto add = [&](std::string what, FaultSpec f) {
    pts.push_back({std::move(what), {std::move(f)}, {}});
  };
  std::string type = e.detail.is_object() ? e.detail.value("type", "") : "";
  std::string at = " (message " + std::to_string(e.msg) + (type.empty() ? "" : " " + type) + " " +
                   e.node + "->" + e.peer + " at t=" + std::to_string(e.t_us) + "us, event " +
                   std::to_string(e.id) + ")";
  add("crash " + e.node + " just after a send" + at,
      fault(FaultKind::crash, e.t_us + 1, o.restart_us, e.node));
  add("pause " + e.node + " for " + std::to_string(o.pause_us / 1000) + " ms just after a send" +
          at,
      fault(FaultKind::pause, e.t_us + 1, o.pause_us, e.node));
  add("drop" + at, fault(FaultKind::drop_message, 0, 0, "", e.msg));
  add("duplicate" + at, fault(FaultKind::duplicate_message, 0, 0, "", e.msg));
  add("delay " + std::to_string(o.delay_us / 1000) + " ms" + at,
      fault(FaultKind::delay_message, 0, o.delay_us, "", e.msg));
}

std::vector<ExplorePoint> points_from(const RunResult& base, const Scenario& s,
                                      const ExploreOptions& o) {
  std::map<std::pair<std::string, uint64_t>, std::string> owner;  // (db, txn) -> owner node
  std::vector<std::string> infra = infrastructure(s);
  std::vector<ExplorePoint> pts;
  for (const auto& e : base.history) {
    const Json& d = e.detail;
    // Protocol steps carry a global transaction id; idle polls and subscriptions do not.
    if (e.gid.empty() && e.kind != Kind::db_begin) continue;
    if (e.kind == Kind::db_begin && d.is_object())
      owner[{e.node, d.value("txn", uint64_t{0})}] = d.value("owner", "");
    if ((e.kind == Kind::db_commit || e.kind == Kind::db_prepare) && d.is_object()) {
      std::string who = owner[{e.node, d.value("txn", uint64_t{0})}];
      durable_step_points(e, e.kind == Kind::db_commit ? "commit" : "prepare", who, infra, o, pts);
    }
    if (e.kind == Kind::send) send_points(e, o, pts);
  }
  if (pts.size() > o.max_points) {  // even, deterministic sample
    std::vector<ExplorePoint> sample;
    for (size_t i = 0; i < o.max_points; ++i)
      sample.push_back(std::move(pts[i * pts.size() / o.max_points]));
    pts = std::move(sample);
  }
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
  ExploreOptions opts = o;
  if (opts.pause_us <= 0) opts.pause_us = outliving_pause_us(x, base.pattern);
  out.pause_us = opts.pause_us;
  std::vector<ExplorePoint> pts = points_from(base, x, opts);
  // Faults fire only before the heal time: put it after the last point.
  TimeUs last = 0;
  for (const auto& p : pts) last = std::max(last, p.faults.front().at_us);
  x.heal_us = std::max(
      x.heal_us,
      last + std::max({o.restart_us, o.stall_us, o.delay_us, opts.pause_us, o.fail_us}) + kUsPerMs);
  out.scenario = x;
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
