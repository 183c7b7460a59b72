// Fault scheduling on the world's simulator, and the swarm's Poisson draws.
#include "sim/world/faults.hpp"

#include <algorithm>

#include "sim/world/database.hpp"
#include "sim/world/world.hpp"

namespace dtx {

const char* const kFaultKinds[] = {"crash",         "restart",
                                   "pause",         "partition",
                                   "heal",          "clog",
                                   "drop_rate",     "duplicate_rate",
                                   "db_stall",      "db_outage",
                                   "db_disk_full",  "db_lock_contention",
                                   "drop_message",  "duplicate_message",
                                   "delay_message", nullptr};

Json fault_to_json(const FaultSpec& f) {
  Json j = {{"kind", f.kind}, {"at_ms", f.at_us / 1000.0}};
  if (f.duration_us) j["duration_ms"] = f.duration_us / 1000.0;
  if (!f.node.empty()) j["node"] = f.node;
  if (!f.peer.empty()) j["peer"] = f.peer;
  if (!f.groups.empty()) j["groups"] = f.groups;
  if (!f.name.empty()) j["name"] = f.name;
  if (f.rate) j["rate"] = f.rate;
  if (f.msg) j["msg"] = f.msg;
  return j;
}

bool is_database_fault(const std::string& kind) {
  return kind == "db_stall" || kind == "db_outage" || kind == "db_disk_full" ||
         kind == "db_lock_contention";
}

bool is_fault_kind(const std::string& kind) {
  for (int i = 0; kFaultKinds[i]; ++i) {
    if (kind == kFaultKinds[i]) return true;
  }
  return false;
}

namespace {

void draw_kind(std::vector<FaultSpec>& out, Random& rng, double per_s, TimeUs until_us,
               const std::function<bool(FaultSpec&)>& fill) {
  if (per_s <= 0) return;
  double mean_gap_us = kUsPerS / per_s;
  for (TimeUs t = rng.exponential(mean_gap_us); t < until_us;
       t += 1 + rng.exponential(mean_gap_us)) {
    FaultSpec f;
    f.at_us = t;
    if (fill(f)) out.push_back(std::move(f));
  }
}

}  // namespace

std::vector<FaultSpec> draw_swarm(const SwarmSpec& s, uint64_t seed, TimeUs until_us) {
  std::vector<FaultSpec> out;
  if (!s.enabled) return out;
  Random rng(seed, "swarm");
  auto window = [&] { return 1 + rng.exponential(static_cast<double>(s.window_us_mean)); };
  bool have_nodes = !s.nodes.empty();
  draw_kind(out, rng, have_nodes ? s.crash_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = "crash";
    f.node = rng.choice(s.nodes);
    f.duration_us = 1 + rng.exponential(static_cast<double>(s.down_us_mean));
    return true;
  });
  draw_kind(out, rng, have_nodes ? s.pause_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = "pause";
    f.node = rng.choice(s.nodes);
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, have_nodes ? s.partition_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = "partition";
    f.name = "swarm-" + std::to_string(f.at_us);
    f.groups = {{rng.choice(s.nodes)}};
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, s.nodes.size() >= 2 ? s.clog_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = "clog";
    f.node = rng.choice(s.nodes);
    f.peer = rng.choice(s.nodes);
    f.duration_us = window();
    return f.node != f.peer;
  });
  draw_kind(out, rng, s.loss_per_s, until_us, [&](FaultSpec& f) {
    f.kind = rng.chance(0.5) ? "drop_rate" : "duplicate_rate";
    f.rate = s.loss_rate;
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_stall_per_s, until_us, [&](FaultSpec& f) {
    f.kind = "db_stall";
    f.node = rng.choice(s.databases);
    f.duration_us = window();
    return true;
  });
  // Drawn after the older kinds (and from its own rate) so existing swarm seeds keep their
  // schedules when it is zero.
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_fail_per_s, until_us, [&](FaultSpec& f) {
    static const std::vector<std::string> kinds = {"db_outage", "db_disk_full",
                                                   "db_lock_contention"};
    f.kind = rng.choice(kinds);
    f.node = rng.choice(s.databases);
    f.duration_us = window();
    return true;
  });
  std::stable_sort(out.begin(), out.end(),
                   [](const FaultSpec& a, const FaultSpec& b) { return a.at_us < b.at_us; });
  return out;
}

namespace {

// Faults of one database while the service that owns it stays up.
void apply_database_fault(World& w, const FaultSpec& f, TimeUs duration_us) {
  auto it = w.databases().find(f.node);
  if (it == w.databases().end()) return;
  Database& db = *it->second;
  if (f.kind == "db_stall") {
    db.stall(duration_us);
  } else if (f.kind == "db_disk_full") {
    db.disk_full(duration_us);
  } else if (f.kind == "db_lock_contention") {
    db.hold_write_lock(duration_us);
  } else if (f.kind == "db_outage") {  // the server is down: open work rolls back, calls fail
    w.crash(f.node);
    w.sim().schedule_at(w.now_us() + duration_us, [&w, n = f.node] { w.restart(n); });
  }
}

struct RateState {
  double drop = 0, duplicate = 0;
};

void apply(World& w, const FaultSpec& f, TimeUs heal_us, std::shared_ptr<RateState> rates) {
  Simulator& sim = w.sim();
  TimeUs end_us = std::min(f.at_us + f.duration_us, heal_us);
  if (f.kind == "crash") {
    w.crash(f.node);
    if (f.duration_us > 0) sim.schedule_at(end_us, [&w, n = f.node] { w.restart(n); });
  } else if (f.kind == "restart") {
    w.restart(f.node);
  } else if (f.kind == "pause") {
    w.pause(f.node, std::max<TimeUs>(1, end_us - f.at_us));
  } else if (f.kind == "partition") {
    w.partition(f.name, f.groups);
    if (f.duration_us > 0) sim.schedule_at(end_us, [&w, n = f.name] { w.heal(n); });
  } else if (f.kind == "heal") {
    if (f.name.empty())
      w.heal_all();
    else
      w.heal(f.name);
  } else if (f.kind == "clog") {
    w.clog(f.node, f.peer, true);
    sim.schedule_at(end_us, [&w, a = f.node, b = f.peer] { w.clog(a, b, false); });
  } else if (f.kind == "drop_rate" || f.kind == "duplicate_rate") {
    double& r = f.kind == "drop_rate" ? rates->drop : rates->duplicate;
    r += f.rate;
    w.set_extra_rates(rates->drop, rates->duplicate, f.kind);
    sim.schedule_at(end_us, [&w, rates, kind = f.kind, rate = f.rate] {
      double& r2 = kind == "drop_rate" ? rates->drop : rates->duplicate;
      r2 = std::max(0.0, r2 - rate);
      w.set_extra_rates(rates->drop, rates->duplicate, kind + " end");
    });
  } else if (is_database_fault(f.kind)) {
    apply_database_fault(w, f, std::max<TimeUs>(1, end_us - f.at_us));
  }
}

}  // namespace

void schedule_faults(World& w, const std::vector<FaultSpec>& faults, TimeUs heal_us) {
  auto rates = std::make_shared<RateState>();
  for (const auto& f : faults) {
    if (f.at_us >= heal_us) continue;
    if (f.kind == "drop_message" || f.kind == "duplicate_message" || f.kind == "delay_message") {
      w.target_message(f.msg, f.kind, f.duration_us);  // message ids are deterministic per run
      continue;
    }
    w.sim().schedule_at(f.at_us, [&w, f, heal_us, rates] { apply(w, f, heal_us, rates); });
  }
  w.sim().schedule_at(heal_us, [&w, rates] {
    w.record_fields("world", Kind::fault, {}, {{"fault", "heal phase"}});
    w.heal_all();
    for (const auto& n : w.nodes()) {
      for (const auto& m : w.nodes()) {
        if (n->index() < m->index()) w.clog(n->name(), m->name(), false);
      }
    }
    *rates = RateState{};
    w.set_extra_rates(0, 0, "heal phase");
    for (const auto& n : w.nodes()) {
      if (!n->alive()) w.restart(n->name());
    }
  });
}

}  // namespace dtx
