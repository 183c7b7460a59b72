// Fault scheduling on the world's simulator, and the swarm's Poisson draws.
#include "sim/world/faults.hpp"

#include <algorithm>
#include <functional>
#include <optional>

#include "sim/world/database.hpp"
#include "sim/world/world.hpp"

namespace dtx {

const std::vector<FaultKindInfo>& fault_kind_table() {
  using K = FaultKind;
  using T = FaultTarget;
  static const std::vector<FaultKindInfo> table = {
      {K::crash, "crash", T::node, "crash",
       "the node stops; restarts after duration_ms (0: at heal)"},
      {K::restart, "restart", T::node, "", "a crashed node starts again"},
      {K::pause, "pause", T::node, "pause", "the node freezes for duration_ms, then resumes"},
      {K::partition, "partition", T::groups, "partition", "the groups cannot reach each other"},
      {K::heal, "heal", T::partition, "", "ends the named partition (no name: every one)"},
      {K::clog, "clog", T::link, "partition", "nothing passes between node and peer"},
      {K::drop_rate, "drop_rate", T::network, "drop",
       "every message is dropped with this probability"},
      {K::duplicate_rate, "duplicate_rate", T::network, "duplicate",
       "every message is duplicated with this probability"},
      {K::db_stall, "db_stall", T::database, "database stall",
       "statements wait until the window ends"},
      {K::db_outage, "db_outage", T::database, "database failure",
       "the database server is down: open work rolls back, calls fail"},
      {K::db_disk_full, "db_disk_full", T::database, "database failure", "writes fail, reads work"},
      {K::db_lock_contention, "db_lock_contention", T::database, "database failure",
       "another client holds the write lock: writers wait, then time out"},
      {K::drop_message, "drop_message", T::message, "drop", "message msg is dropped"},
      {K::duplicate_message, "duplicate_message", T::message, "duplicate",
       "message msg arrives twice"},
      {K::delay_message, "delay_message", T::message, "delay",
       "message msg is delayed by duration_ms"},
  };
  return table;
}

static_assert(std::variant_size_v<FaultAction> == static_cast<size_t>(FaultKind::delay_message) + 1,
              "one alternative per fault kind");
static_assert(
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(FaultKind::clog), FaultAction>,
                   ClogFault>,
    "alternatives in FaultKind order");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<size_t>(FaultKind::db_lock_contention), FaultAction>,
        DbLockContentionFault>,
    "alternatives in FaultKind order");

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

namespace {

// What every alternative may have, read the same way for all.
template <class T>
TimeUs duration_of(const T& f) {
  if constexpr (requires { f.duration_us; })
    return f.duration_us;
  else
    return 0;
}

const std::string kNoTarget;

template <class T>
const std::string& target_of(const T& f) {
  if constexpr (requires { f.node; })
    return f.node;
  else if constexpr (requires { f.db; })
    return f.db;
  else
    return kNoTarget;
}

}  // namespace

TimeUs FaultSpec::duration_us() const {
  return std::visit([](const auto& f) { return duration_of(f); }, action);
}

const std::string& FaultSpec::target() const {
  return std::visit([](const auto& f) -> const std::string& { return target_of(f); }, action);
}

FaultAction FaultFields::action() const {
  using K = FaultKind;
  switch (kind) {
    case K::crash:
      return CrashFault{node, duration_us};
    case K::restart:
      return RestartFault{node};
    case K::pause:
      return PauseFault{node, duration_us};
    case K::partition:
      return PartitionFault{name, groups, duration_us};
    case K::heal:
      return HealFault{name};
    case K::clog:
      return ClogFault{node, peer, duration_us};
    case K::drop_rate:
      return DropRateFault{rate, duration_us};
    case K::duplicate_rate:
      return DuplicateRateFault{rate, duration_us};
    case K::db_stall:
      return DbStallFault{node, duration_us};
    case K::db_outage:
      return DbOutageFault{node, duration_us};
    case K::db_disk_full:
      return DbDiskFullFault{node, duration_us};
    case K::db_lock_contention:
      return DbLockContentionFault{node, duration_us};
    case K::drop_message:
      return DropMessageFault{msg, duration_us};
    case K::duplicate_message:
      return DuplicateMessageFault{msg, duration_us};
    case K::delay_message:
      return DelayMessageFault{msg, duration_us};
  }
  return CrashFault{node, duration_us};
}

FaultFields FaultFields::of(const FaultSpec& f) {
  FaultFields out;
  out.kind = f.kind();
  out.duration_us = f.duration_us();
  out.node = f.target();
  if (const auto* c = f.as<ClogFault>()) out.peer = c->peer;
  if (const auto* p = f.as<PartitionFault>()) out.name = p->name, out.groups = p->groups;
  if (const auto* h = f.as<HealFault>()) out.name = h->name;
  std::visit(
      [&out](const auto& x) {
        if constexpr (requires { x.rate; }) out.rate = x.rate;
        if constexpr (requires { x.msg; }) out.msg = x.msg;
      },
      f.action);
  return out;
}

// Present fields only, in the format's names.
Json fault_to_json(const FaultSpec& f) {
  FaultFields w = FaultFields::of(f);
  Json j = {{"kind", fault_name(w.kind)}, {"at_ms", f.at_us / 1000.0}};
  if (w.duration_us) j["duration_ms"] = w.duration_us / 1000.0;
  if (!w.node.empty()) j["node"] = w.node;
  if (!w.peer.empty()) j["peer"] = w.peer;
  if (!w.groups.empty()) j["groups"] = w.groups;
  if (!w.name.empty()) j["name"] = w.name;
  if (w.rate) j["rate"] = w.rate;
  if (w.msg) j["msg"] = w.msg;
  return j;
}

namespace {

void draw_kind(std::vector<FaultSpec>& out, Random& rng, double per_s, TimeUs until_us,
               const std::function<std::optional<FaultAction>(TimeUs)>& make) {
  if (per_s <= 0) return;
  double mean_gap_us = kUsPerS / per_s;
  for (TimeUs t = rng.exponential(mean_gap_us); t < until_us;
       t += 1 + rng.exponential(mean_gap_us)) {
    if (std::optional<FaultAction> a = make(t)) out.push_back(FaultSpec{t, std::move(*a)});
  }
}

FaultAction database_fault(FaultKind k, std::string db, TimeUs duration_us) {
  switch (k) {
    case FaultKind::db_outage:
      return DbOutageFault{std::move(db), duration_us};
    case FaultKind::db_disk_full:
      return DbDiskFullFault{std::move(db), duration_us};
    case FaultKind::db_lock_contention:
      return DbLockContentionFault{std::move(db), duration_us};
    default:
      return DbStallFault{std::move(db), duration_us};
  }
}

}  // namespace

// Each kind's draws come in a fixed order (target, then window), so a seed's schedule never
// changes: the swarm's schedules are pinned by the golden traces.
std::vector<FaultSpec> draw_swarm(const SwarmSpec& s, uint64_t seed, TimeUs until_us) {
  std::vector<FaultSpec> out;
  if (!s.enabled) return out;
  Random rng(seed, "swarm");
  auto window = [&] { return 1 + rng.exponential(static_cast<double>(s.window_us_mean)); };
  bool have_nodes = !s.nodes.empty();
  using Made = std::optional<FaultAction>;
  draw_kind(out, rng, have_nodes ? s.crash_per_s : 0, until_us, [&](TimeUs) -> Made {
    std::string node = rng.choice(s.nodes);
    return CrashFault{node, 1 + rng.exponential(static_cast<double>(s.down_us_mean))};
  });
  draw_kind(out, rng, have_nodes ? s.pause_per_s : 0, until_us, [&](TimeUs) -> Made {
    std::string node = rng.choice(s.nodes);
    return PauseFault{node, window()};
  });
  draw_kind(out, rng, have_nodes ? s.partition_per_s : 0, until_us, [&](TimeUs at) -> Made {
    NodeGroups groups = {{rng.choice(s.nodes)}};
    return PartitionFault{"swarm-" + std::to_string(at), groups, window()};
  });
  draw_kind(out, rng, s.nodes.size() >= 2 ? s.clog_per_s : 0, until_us, [&](TimeUs) -> Made {
    std::string node = rng.choice(s.nodes);
    std::string peer = rng.choice(s.nodes);
    TimeUs d = window();
    if (node == peer) return std::nullopt;
    return ClogFault{node, peer, d};
  });
  draw_kind(out, rng, s.loss_per_s, until_us, [&](TimeUs) -> Made {
    if (rng.chance(0.5)) return DropRateFault{s.loss_rate, window()};
    return DuplicateRateFault{s.loss_rate, window()};
  });
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_stall_per_s, until_us, [&](TimeUs) -> Made {
    std::string db = rng.choice(s.databases);
    return DbStallFault{db, window()};
  });
  // Drawn after the older kinds (and from its own rate) so existing swarm seeds keep their
  // schedules when it is zero.
  draw_kind(out, rng, s.databases.empty() ? 0 : s.db_fail_per_s, until_us, [&](TimeUs) -> Made {
    static const std::vector<FaultKind> kinds = {FaultKind::db_outage, FaultKind::db_disk_full,
                                                 FaultKind::db_lock_contention};
    FaultKind k = rng.choice(kinds);
    std::string db = rng.choice(s.databases);
    return database_fault(k, db, window());
  });
  std::stable_sort(out.begin(), out.end(),
                   [](const FaultSpec& a, const FaultSpec& b) { return a.at_us < b.at_us; });
  return out;
}

namespace {

struct RateState {
  double drop = 0, duplicate = 0;
};

// Starts one fault at its time, and schedules its end (never past the heal, which ends
// everything): one operator per kind.
struct Starter {
  World& w;
  TimeUs at_us, end_us;  // end_us: the window's end, capped at the heal
  std::shared_ptr<RateState> rates;

  TimeUs window() const { return std::max<TimeUs>(1, end_us - at_us); }

  void operator()(const CrashFault& f) const {
    w.crash(f.node);
    if (f.duration_us > 0) w.sim().schedule_at(end_us, [&w = w, n = f.node] { w.restart(n); });
  }
  void operator()(const RestartFault& f) const { w.restart(f.node); }
  void operator()(const PauseFault& f) const { w.pause(f.node, window()); }
  void operator()(const PartitionFault& f) const {
    w.partition(f.name, f.groups);
    if (f.duration_us > 0) w.sim().schedule_at(end_us, [&w = w, n = f.name] { w.heal(n); });
  }
  void operator()(const HealFault& f) const {
    if (f.name.empty())
      w.heal_all();
    else
      w.heal(f.name);
  }
  void operator()(const ClogFault& f) const {
    w.clog(f.node, f.peer, true);
    w.sim().schedule_at(end_us, [&w = w, a = f.node, b = f.peer] { w.clog(a, b, false); });
  }
  template <FaultKind K>
  void operator()(const RateFault<K>& f) const {
    constexpr bool drop = K == FaultKind::drop_rate;
    (drop ? rates->drop : rates->duplicate) += f.rate;
    std::string what = fault_name(K);
    w.set_extra_rates(rates->drop, rates->duplicate, what);
    w.sim().schedule_at(end_us, [&w = w, rates = rates, what, rate = f.rate] {
      double& r = drop ? rates->drop : rates->duplicate;
      r = std::max(0.0, r - rate);
      w.set_extra_rates(rates->drop, rates->duplicate, what + " end");
    });
  }
  // Faults of one database while the service that owns it stays up.
  template <FaultKind K>
  void operator()(const DatabaseFault<K>& f) const {
    auto it = w.databases().find(f.db);
    if (it == w.databases().end()) return;
    Database& db = *it->second;
    if constexpr (K == FaultKind::db_stall) db.stall(window());
    if constexpr (K == FaultKind::db_disk_full) db.disk_full(window());
    if constexpr (K == FaultKind::db_lock_contention) db.hold_write_lock(window());
    if constexpr (K == FaultKind::db_outage) {  // the server is down: open work rolls back
      w.crash(f.db);
      w.sim().schedule_at(w.now_us() + window(), [&w = w, n = f.db] { w.restart(n); });
    }
  }
  template <FaultKind K>
  void operator()(const MessageFault<K>&) const {}  // armed before the run (schedule_faults)
};

}  // namespace

void schedule_faults(World& w, const std::vector<FaultSpec>& faults, TimeUs heal_us) {
  auto rates = std::make_shared<RateState>();
  for (const auto& f : faults) {
    if (f.at_us >= heal_us) continue;
    bool armed = std::visit(
        [&w, &f](const auto& m) {
          if constexpr (requires { m.msg; }) {
            w.target_message(m.msg, fault_name(f.kind()), m.duration_us);
            return true;  // message ids are deterministic per run
          }
          return false;
        },
        f.action);
    if (armed) continue;
    TimeUs end_us = std::min(f.at_us + f.duration_us(), heal_us);
    w.sim().schedule_at(f.at_us, [&w, f, end_us, rates] {
      std::visit(Starter{w, f.at_us, end_us, rates}, f.action);
    });
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
