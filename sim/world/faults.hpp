// Fault injection: an explicit schedule (crash, restart, pause, partition, heal, clog,
// drop/duplicate rate windows, database stalls) and "swarm" faults drawn from the seed into
// such a schedule, so every swarm run can be written out and replayed exactly. At the heal
// time every fault stops: partitions heal, links unclog, rates reset, crashed nodes restart.
#pragma once

#include <string>
#include <variant>
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

// What a kind acts on.
enum class FaultTarget : uint8_t {
  node,       // a node of the topology
  link,       // both ends of a link
  groups,     // a partition's groups
  partition,  // the partition to heal (empty: every one)
  network,    // every link
  database,   // a database
  message,    // one message by its id
};

struct FaultKindInfo {
  FaultKind kind;
  const char* name;
  FaultTarget target;
  const char* family;  // the class reports group it in ("" for the end of another fault)
  const char* summary;
};

// The table of kinds: name, target, family, one line of what it does.
const std::vector<FaultKindInfo>& fault_kind_table();
const FaultKindInfo& fault_info(FaultKind k);
inline const char* fault_name(FaultKind k) {
  return fault_info(k).name;
}
// Returns false when `name` is no fault kind.
bool fault_kind_from_name(std::string_view name, FaultKind& out);

// One struct per kind, holding what that kind reads and nothing else. A window of 0 means
// "until the heal" for a crash (restart then) and a partition, and "no window" elsewhere.
using NodeGroups = std::vector<std::vector<std::string>>;
struct CrashFault {  // the node stops; restarts after duration_us (0: at the heal)
  std::string node;
  TimeUs duration_us = 0;
};
struct RestartFault {  // a crashed node starts again
  std::string node;
};
struct PauseFault {  // the node freezes for duration_us, then resumes
  std::string node;
  TimeUs duration_us = 0;
};
struct PartitionFault {  // the groups cannot reach each other (one group: cut from the rest)
  std::string name;
  NodeGroups groups;
  TimeUs duration_us = 0;  // 0: until healed
};
struct HealFault {  // ends the named partition (empty: every one)
  std::string name;
};
struct ClogFault {  // nothing passes between node and peer
  std::string node, peer;
  TimeUs duration_us = 0;
};
template <FaultKind K>
struct RateFault {  // every message is dropped (or duplicated) with this probability
  double rate = 0;
  TimeUs duration_us = 0;
};
using DropRateFault = RateFault<FaultKind::drop_rate>;
using DuplicateRateFault = RateFault<FaultKind::duplicate_rate>;
template <FaultKind K>
struct DatabaseFault {  // one database: stalled, down, its disk full, its write lock held
  std::string db;
  TimeUs duration_us = 0;
};
using DbStallFault = DatabaseFault<FaultKind::db_stall>;
using DbOutageFault = DatabaseFault<FaultKind::db_outage>;
using DbDiskFullFault = DatabaseFault<FaultKind::db_disk_full>;
using DbLockContentionFault = DatabaseFault<FaultKind::db_lock_contention>;
template <FaultKind K>
struct MessageFault {  // one message by its id (as in the trace): dropped, duplicated, delayed
  uint64_t msg = 0;
  TimeUs duration_us = 0;  // delay_message: the delay
};
using DropMessageFault = MessageFault<FaultKind::drop_message>;
using DuplicateMessageFault = MessageFault<FaultKind::duplicate_message>;
using DelayMessageFault = MessageFault<FaultKind::delay_message>;

// The alternatives in FaultKind order: a fault's index is its kind.
using FaultAction =
    std::variant<CrashFault, RestartFault, PauseFault, PartitionFault, HealFault, ClogFault,
                 DropRateFault, DuplicateRateFault, DbStallFault, DbOutageFault, DbDiskFullFault,
                 DbLockContentionFault, DropMessageFault, DuplicateMessageFault, DelayMessageFault>;

struct FaultSpec {
  TimeUs at_us = 0;
  FaultAction action;

  FaultKind kind() const { return static_cast<FaultKind>(action.index()); }
  template <class T>
  const T* as() const {
    return std::get_if<T>(&action);
  }
  // The window (the crash's down time, the delay of a delayed message); 0 for none.
  TimeUs duration_us() const;
  // The node or database it acts on ("" for a partition, a heal, a rate or a message).
  const std::string& target() const;
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

// A fault as the scenario format writes it: every field any kind reads, flat (what a file
// holds, and what reports print). `action` builds the kind's struct from the fields it reads;
// `of` flattens a fault back.
struct FaultFields {
  FaultKind kind = FaultKind::crash;
  TimeUs duration_us = 0;
  std::string node, peer, name;  // node: a node or a database
  NodeGroups groups;
  double rate = 0;
  uint64_t msg = 0;

  FaultAction action() const;
  static FaultFields of(const FaultSpec& f);
};

// The fault as the scenario format writes it (the results database and explore's schedules).
Json fault_to_json(const FaultSpec& f);

// Draws a swarm's faults in [0, until_us) as an explicit schedule.
std::vector<FaultSpec> draw_swarm(const SwarmSpec& spec, uint64_t seed, TimeUs until_us);

// Schedules `faults` (those at or after heal_us are ignored) and the heal at heal_us.
void schedule_faults(World& world, const std::vector<FaultSpec>& faults, TimeUs heal_us);

}  // namespace dtx
