// Fault scheduling on the world's simulator, and the swarm's Poisson draws.
#include "sim/world/faults.hpp"

#include <algorithm>

#include "sim/world/database.hpp"
#include "sim/world/world.hpp"

namespace dtx {

const std::vector<FaultKindInfo>& fault_kind_table() {
  using K = FaultKind;
  using T = FaultTarget;
  static const std::vector<FaultKindInfo> table = {
      {K::crash, "crash", T::node, "the node stops; restarts after duration_ms (0: at heal)"},
      {K::restart, "restart", T::node, "a crashed node starts again"},
      {K::pause, "pause", T::node, "the node freezes for duration_ms, then resumes"},
      {K::partition, "partition", T::groups, "the groups cannot reach each other"},
      {K::heal, "heal", T::partition, "ends the named partition (no name: every one)"},
      {K::clog, "clog", T::link, "nothing passes between node and peer"},
      {K::drop_rate, "drop_rate", T::network, "every message is dropped with this probability"},
      {K::duplicate_rate, "duplicate_rate", T::network,
       "every message is duplicated with this probability"},
      {K::db_stall, "db_stall", T::database, "statements wait until the window ends"},
      {K::db_outage, "db_outage", T::database,
       "the database server is down: open work rolls back, calls fail"},
      {K::db_disk_full, "db_disk_full", T::database, "writes fail, reads work"},
      {K::db_lock_contention, "db_lock_contention", T::database,
       "another client holds the write lock: writers wait, then time out"},
      {K::drop_message, "drop_message", T::message, "message msg is dropped"},
      {K::duplicate_message, "duplicate_message", T::message, "message msg arrives twice"},
      {K::delay_message, "delay_message", T::message, "message msg is delayed by duration_ms"},
  };
  return table;
}

const FaultKindInfo& fault_info(FaultKind k) {
  return fault_kind_table()[static_cast<size_t>(k)];
}

bool fault_kind_from_name(std::string_view name, FaultKind& out) {
  for (const auto& i : fault_kind_table()) {
    if (name == i.name) {
      out = i.kind;
      return true;
    }
  }
  return false;
}

Json fault_to_json(const FaultSpec& f) {
  Json j = {{"kind", fault_name(f.kind)}, {"at_ms", f.at_us / 1000.0}};
  if (f.duration_us) j["duration_ms"] = f.duration_us / 1000.0;
  if (!f.node.empty()) j["node"] = f.node;
  if (!f.peer.empty()) j["peer"] = f.peer;
  if (!f.groups.empty()) j["groups"] = f.groups;
  if (!f.name.empty()) j["name"] = f.name;
  if (f.rate) j["rate"] = f.rate;
  if (f.msg) j["msg"] = f.msg;
  return j;
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
    f.kind = FaultKind::crash;
    f.node = rng.choice(s.nodes);
    f.duration_us = 1 + rng.exponential(static_cast<double>(s.down_us_mean));
    return true;
  });
  draw_kind(out, rng, have_nodes ? s.pause_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = FaultKind::pause;
    f.node = rng.choice(s.nodes);
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, have_nodes ? s.partition_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = FaultKind::partition;
    f.name = "swarm-" + std::to_string(f.at_us);
    f.groups = {{rng.choice(s.nodes)}};
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, s.nodes.size() >= 2 ? s.clog_per_s : 0, until_us, [&](FaultSpec& f) {
    f.kind = FaultKind::clog;
    f.node = rng.choice(s.nodes);
    f.peer = rng.choice(s.nodes);
    f.duration_us = window();
    return f.node != f.peer;
  });
  draw_kind(out, rng, s.loss_per_s, until_us, [&](FaultSpec& f) {
    f.kind = rng.chance(0.5) ? FaultKind::drop_rate : FaultKind::duplicate_rate;
    f.rate = s.loss_rate;
    f.duration_us = window();
    return true;
  });
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_stall_per_s, until_us, [&](FaultSpec& f) {
    f.kind = FaultKind::db_stall;
    f.node = rng.choice(s.databases);
    f.duration_us = window();
    return true;
  });
  // Drawn after the older kinds (and from its own rate) so existing swarm seeds keep their
  // schedules when it is zero.
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_fail_per_s, until_us, [&](FaultSpec& f) {
    static const std::vector<FaultKind> kinds = {FaultKind::db_outage, FaultKind::db_disk_full,
                                                 FaultKind::db_lock_contention};
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
  switch (f.kind) {
    case FaultKind::db_stall:
      db.stall(duration_us);
      break;
    case FaultKind::db_disk_full:
      db.disk_full(duration_us);
      break;
    case FaultKind::db_lock_contention:
      db.hold_write_lock(duration_us);
      break;
    case FaultKind::db_outage:  // the server is down: open work rolls back, calls fail
      w.crash(f.node);
      w.sim().schedule_at(w.now_us() + duration_us, [&w, n = f.node] { w.restart(n); });
      break;
    default:
      break;
  }
}

struct RateState {
  double drop = 0, duplicate = 0;
};

void apply(World& w, const FaultSpec& f, TimeUs heal_us, std::shared_ptr<RateState> rates) {
  Simulator& sim = w.sim();
  TimeUs end_us = std::min(f.at_us + f.duration_us, heal_us);
  switch (f.kind) {
    case FaultKind::crash:
      w.crash(f.node);
      if (f.duration_us > 0) sim.schedule_at(end_us, [&w, n = f.node] { w.restart(n); });
      break;
    case FaultKind::restart:
      w.restart(f.node);
      break;
    case FaultKind::pause:
      w.pause(f.node, std::max<TimeUs>(1, end_us - f.at_us));
      break;
    case FaultKind::partition:
      w.partition(f.name, f.groups);
      if (f.duration_us > 0) sim.schedule_at(end_us, [&w, n = f.name] { w.heal(n); });
      break;
    case FaultKind::heal:
      if (f.name.empty())
        w.heal_all();
      else
        w.heal(f.name);
      break;
    case FaultKind::clog:
      w.clog(f.node, f.peer, true);
      sim.schedule_at(end_us, [&w, a = f.node, b = f.peer] { w.clog(a, b, false); });
      break;
    case FaultKind::drop_rate:
    case FaultKind::duplicate_rate: {
      bool drop = f.kind == FaultKind::drop_rate;
      (drop ? rates->drop : rates->duplicate) += f.rate;
      std::string what = fault_name(f.kind);
      w.set_extra_rates(rates->drop, rates->duplicate, what);
      sim.schedule_at(end_us, [&w, rates, drop, what, rate = f.rate] {
        double& r = drop ? rates->drop : rates->duplicate;
        r = std::max(0.0, r - rate);
        w.set_extra_rates(rates->drop, rates->duplicate, what + " end");
      });
      break;
    }
    case FaultKind::db_stall:
    case FaultKind::db_outage:
    case FaultKind::db_disk_full:
    case FaultKind::db_lock_contention:
      apply_database_fault(w, f, std::max<TimeUs>(1, end_us - f.at_us));
      break;
    case FaultKind::drop_message:
    case FaultKind::duplicate_message:
    case FaultKind::delay_message:
      break;  // armed before the run (schedule_faults)
  }
}

}  // namespace

void schedule_faults(World& w, const std::vector<FaultSpec>& faults, TimeUs heal_us) {
  auto rates = std::make_shared<RateState>();
  for (const auto& f : faults) {
    if (f.at_us >= heal_us) continue;
    if (is_message_fault(f.kind)) {
      w.target_message(f.msg, fault_name(f.kind), f.duration_us);  // ids are deterministic per run
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
