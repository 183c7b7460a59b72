// Fault injection: an explicit schedule (crash, restart, pause, partition, heal, clog,
// drop/duplicate rate windows, database stalls) and "swarm" faults drawn from the seed into
// such a schedule, so every swarm run can be written out and replayed exactly. At the heal
// time every fault stops: partitions heal, links unclog, rates reset, crashed nodes restart.
#pragma once

#include <string>
#include <vector>

#include "sim/kernel/history.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/simulator.hpp"

namespace dtx {

class World;

// Every fault kind, in the order the schema lists them.
enum class FaultKind : uint8_t {
  crash,
  restart,
  pause,
  partition,
  heal,
  clog,
  drop_rate,
  duplicate_rate,
  db_stall,
  db_outage,
  db_disk_full,
  db_lock_contention,
  drop_message,  // explore's message points: one message by its id
  duplicate_message,
  delay_message,
};

// What a kind acts on, which decides the FaultSpec fields it reads.
enum class FaultTarget : uint8_t {
  node,       // `node`: a node of the topology
  link,       // `node` and `peer`: both ends of a link
  groups,     // `groups` (and `name`): a partition
  partition,  // `name`: the partition to heal (empty: every one)
  network,    // `rate`: every link
  database,   // `node`: a database
  message,    // `msg`: one message by its id
};

struct FaultKindInfo {
  FaultKind kind;
  const char* name;
  FaultTarget target;
  const char* summary;
};

// The table of kinds: name, target, one line of what it does.
const std::vector<FaultKindInfo>& fault_kind_table();
const FaultKindInfo& fault_info(FaultKind k);
inline const char* fault_name(FaultKind k) {
  return fault_info(k).name;
}
// Returns false when `name` is no fault kind.
bool fault_kind_from_name(std::string_view name, FaultKind& out);
inline bool is_database_fault(FaultKind k) {
  return fault_info(k).target == FaultTarget::database;
}
inline bool is_message_fault(FaultKind k) {
  return fault_info(k).target == FaultTarget::message;
}

struct FaultSpec {
  FaultKind kind = FaultKind::crash;
  TimeUs at_us = 0;
  TimeUs duration_us = 0;  // window length; for crash: restart after it (0: until heal)
  std::string node;        // crash/restart/pause: node; db_*: database; clog: one end
  std::string peer;        // clog: other end
  std::vector<std::vector<std::string>> groups;  // partition
  std::string name;                              // partition/heal name
  double rate = 0;                               // drop_rate / duplicate_rate
  uint64_t msg = 0;  // drop_message / duplicate_message / delay_message: the message id
};

struct SwarmSpec {
  bool enabled = false;
  double crash_per_s = 0;
  double pause_per_s = 0;
  double partition_per_s = 0;
  double clog_per_s = 0;
  double loss_per_s = 0;  // windows of extra drop and duplicate
  double db_stall_per_s = 0;
  double db_fail_per_s = 0;  // database outages, full disks and lock contention
  TimeUs down_us_mean = 2 * kUsPerS;
  TimeUs window_us_mean = 1 * kUsPerS;
  double loss_rate = 0.2;
  std::vector<std::string> nodes;      // candidates for crash/pause/partition/clog
  std::vector<std::string> databases;  // candidates for stalls
};

Json fault_to_json(const FaultSpec& f);

// Draws a swarm's faults in [0, until_us) as an explicit schedule.
std::vector<FaultSpec> draw_swarm(const SwarmSpec& spec, uint64_t seed, TimeUs until_us);

// Schedules `faults` (those at or after heal_us are ignored) and the heal at heal_us.
void schedule_faults(World& world, const std::vector<FaultSpec>& faults, TimeUs heal_us);

}  // namespace dtx
