// Checks across a scenario's fields that the grammar cannot see one field at a time: unique
// node names, workload roles naming services, and a fault schedule that can run as written
// (no link from a node to itself, partitions whose groups do not overlap, heals of partitions
// that exist by then, nothing after the heal time, which the injector would silently skip), and
// a swarm that draws a schedule small enough to hold.
// Node names that only the built world knows (pattern-owned nodes) are checked by the runner.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "sim/scenario/scenario.hpp"

namespace dtx {

namespace {

std::string item(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

std::string ms(TimeUs us) {
  return Json(static_cast<double>(us) / 1000.0).dump() + " ms";
}

void check_names(const Scenario& s, InputErrors& e) {
  std::set<std::string> nodes;
  auto unique = [&](const std::string& name, const std::string& path) {
    if (!e.touches(path) && !nodes.insert(name).second)
      e.add(s.file, path,
            "expected a name no other node or database has, got '" + name + "' again");
  };
  std::set<std::string> databases;  // services may share a database
  for (size_t i = 0; i < s.services.size(); ++i) {
    const ServiceSpec& sv = s.services[i];
    std::string at = item("$.topology.services", i);
    unique(sv.name, at + ".name");
    if (databases.insert(sv.database).second) unique(sv.database, at + ".database");
    // Extra instances are nodes too, named as the world names them.
    for (int k = 2; k <= sv.instances; ++k)
      unique(sv.name + "-" + std::to_string(k), at + ".instances");
  }
  for (size_t i = 0; i < s.brokers.size(); ++i)
    unique(s.brokers[i].name, item("$.topology.brokers", i) + ".name");
  if (!s.coordinator.empty()) {
    unique(s.coordinator, "$.topology.coordinator");
    unique(s.coordinator + ".db", "$.topology.coordinator");  // its own database
  }
}

void check_workload_services(const Scenario& s, InputErrors& e) {
  // A service read with an error might be the one a role names.
  if (e.touches("$.topology")) return;
  for (const auto& [role, name] : s.workload.services) {
    bool known = false;
    for (const auto& sv : s.services) known = known || sv.name == name;
    if (!known)
      e.add(s.file, "$.workload.services." + role,
            "expected a service named in topology.services, got '" + name + "'");
  }
}

void check_clog(const Scenario& s, const ClogFault& f, const std::string& at, InputErrors& e) {
  if (!f.node.empty() && f.node == f.peer)
    e.add(s.file, at + ".peer", "expected a node other than node '" + f.node + "', got it again");
}

// Each node in one group at most once: in two groups it would be cut from itself, and twice
// in one group says something was meant that the file does not say.
void check_partition(const Scenario& s, const PartitionFault& f, const std::string& at,
                     InputErrors& e) {
  std::map<std::string, std::string> first_at;
  for (size_t g = 0; g < f.groups.size(); ++g) {
    std::string group = item(at + ".groups", g);
    if (f.groups[g].empty()) e.add(s.file, group, "expected a non-empty group of node names");
    for (size_t n = 0; n < f.groups[g].size(); ++n) {
      const std::string& node = f.groups[g][n];
      auto [it, fresh] = first_at.emplace(node, item(group, n));
      if (!fresh)
        e.add(s.file, item(group, n),
              "expected each node in one group once, got '" + node + "' again (first at " +
                  it->second + ")");
    }
  }
}

void check_heal(const Scenario& s, const HealFault& f, const std::string& at,
                const std::set<std::string>& partitions, InputErrors& e) {
  if (f.name.empty() || partitions.count(f.name)) return;  // no name: heal every partition
  std::string known;
  for (const auto& p : partitions) known += (known.empty() ? "" : ", ") + p;
  e.add(s.file, at + ".name",
        "expected the name of a partition created earlier in the schedule (" +
            (known.empty() ? std::string("none is by then") : "by then: " + known) + "), got '" +
            f.name + "'");
}

void check_faults(const Scenario& s, InputErrors& e) {
  // Firing order: by time, and in list order at equal times (the simulator keeps it).
  std::vector<size_t> order(s.faults.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return s.faults[a].at_us < s.faults[b].at_us; });
  bool heal_known = !e.touches("$.faults.heal_at_ms");
  std::set<std::string> partitions;  // names created so far
  for (size_t i : order) {
    const FaultSpec& f = s.faults[i];
    std::string at = item("$.faults.schedule", i);
    bool clean = !e.touches(at);  // else its fields hold defaults: checking them echoes the error
    // (a fault whose reading failed still names its partition, so a heal of it is no error)
    if (clean && heal_known && f.at_us >= s.heal_us)
      e.add(s.file, at + ".at_ms",
            "expected a time before heal_at_ms (" + ms(s.heal_us) +
                "): no fault fires from the heal on, got " + ms(f.at_us));
    const auto* partition = f.as<PartitionFault>();
    if (const auto* clog = f.as<ClogFault>(); clean && clog) check_clog(s, *clog, at, e);
    if (clean && partition) check_partition(s, *partition, at, e);
    if (const auto* heal = f.as<HealFault>(); clean && heal)
      check_heal(s, *heal, at, partitions, e);
    if (partition) partitions.insert(partition->name);
  }
}

// The swarm draws every fault up front: rates that would draw more than this before the heal
// time would exhaust memory rather than run.
constexpr double kSwarmFaultsMax = 1e6;

void check_swarm(const Scenario& s, InputErrors& e) {
  const SwarmSpec& w = s.swarm;
  if (!w.enabled || e.touches("$.faults.swarm") || e.touches("$.faults.heal_at_ms")) return;
  double per_s = w.crash_per_s + w.pause_per_s + w.partition_per_s + w.clog_per_s + w.loss_per_s +
                 w.db_stall_per_s + w.db_fail_per_s;
  double drawn = per_s * static_cast<double>(s.heal_us) / kUsPerS;
  if (drawn > kSwarmFaultsMax)
    e.add(s.file, "$.faults.swarm",
          "expected rates that draw at most " + Json(kSwarmFaultsMax).dump() +
              " faults before heal_at_ms, got about " + Json(drawn).dump());
}

}  // namespace

void validate_references(const Scenario& s, InputErrors& errors) {
  check_names(s, errors);
  check_workload_services(s, errors);
  check_faults(s, errors);
  check_swarm(s, errors);
}

}  // namespace dtx
