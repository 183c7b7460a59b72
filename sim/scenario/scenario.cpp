// The scenario grammar, written once as Reader calls: validating mode loads a file, schema
// mode emits scenarios/schema.json.
#include "sim/scenario/scenario.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/check/checkers.hpp"
#include "sim/scenario/json_text.hpp"

namespace dtx {

const std::vector<std::string> kWorkloadKinds = {"transfer", "order"};

namespace {

std::vector<std::string> invariant_names() {
  std::vector<std::string> out;
  for (const auto& i : invariants()) out.push_back(i.name);
  return out;
}

std::vector<std::string> fault_kinds() {
  std::vector<std::string> out;
  for (const auto& k : fault_kind_table()) out.push_back(k.name);
  return out;
}

void read_link_model(Reader& r, LinkModel& m) {
  m.latency_us_min =
      r.millis_us("latency_ms_min", m.latency_us_min / 1000.0, "fixed one-way latency (ms)");
  m.latency_us_jitter_mean =
      static_cast<double>(r.millis_us("jitter_ms_mean", m.latency_us_jitter_mean / 1000.0,
                                      "mean of the exponential jitter added to the latency (ms)"));
  m.drop = r.number("drop", m.drop, 0, 1, "probability a message is lost");
  m.duplicate =
      r.number("duplicate", m.duplicate, 0, 1, "probability a message is delivered twice");
  m.reorder = r.number("reorder", m.reorder, 0, 1, "probability a message overtakes earlier ones");
}

void read_db(Reader& r, DbConfig& c) {
  c.stmt_latency_us_min = r.millis_us("stmt_latency_ms", c.stmt_latency_us_min / 1000.0,
                                      "minimum statement latency (ms)");
  c.stmt_latency_us_jitter_mean = static_cast<double>(r.millis_us(
      "stmt_jitter_ms_mean", c.stmt_latency_us_jitter_mean / 1000.0, "mean statement jitter (ms)"));
  c.commit_latency_us_min = r.millis_us("commit_latency_ms", c.commit_latency_us_min / 1000.0,
                                        "minimum commit latency (ms)");
  c.commit_latency_us_jitter_mean = static_cast<double>(
      r.millis_us("commit_jitter_ms_mean", c.commit_latency_us_jitter_mean / 1000.0,
                  "mean commit jitter (ms)"));
  c.lock_wait_timeout_us = r.interval_us("lock_wait_timeout_ms", c.lock_wait_timeout_us / 1000.0,
                                         "lock wait timeout (ms)");
  c.remote = r.boolean("remote", c.remote,
                       "reached over the network (true) or local to its service (false)");
}

void read_broker(Reader& r, BrokerSpec& b) {
  b.name = r.name("name", "mq", true, "broker node name");
  BrokerConfig& c = b.config;
  c.ack_timeout_us = r.interval_us("ack_timeout_ms", c.ack_timeout_us / 1000.0,
                                   "redeliver when unacked this long (ms)");
  c.redelivery_delay_us = r.interval_us("redelivery_delay_ms", c.redelivery_delay_us / 1000.0,
                                        "delay before the first redelivery (ms)");
  c.redelivery_backoff = r.number("redelivery_backoff", c.redelivery_backoff, 1, 100,
                                  "each further redelivery waits this many times longer");
  c.redelivery_delay_max_us =
      r.interval_us("redelivery_delay_max_ms", c.redelivery_delay_max_us / 1000.0,
                    "longest delay between redeliveries (ms)");
  c.max_redeliveries = static_cast<int>(
      r.integer("max_redeliveries", c.max_redeliveries, 0, 1000, "then dead-letter"));
  c.prefetch = static_cast<int>(
      r.integer("prefetch", c.prefetch, 1, 1000, "unacked deliveries per consumer"));
  c.half_timeout_us = r.interval_us("half_timeout_ms", c.half_timeout_us / 1000.0,
                                    "half message age before check-back (ms)");
  c.check_interval_us = r.interval_us("check_interval_ms", c.check_interval_us / 1000.0,
                                      "half message scan interval (ms)");
  c.check_max = static_cast<int>(
      r.integer("check_max", c.check_max, 1, 1000, "check-backs before the policy applies"));
  c.discard_commits =
      r.string("check_max_policy", "discard", false, "after check_max: discard or commit",
               {"discard", "commit"}) == "commit";
  c.groups_on_first_subscribe =
      r.string("consumer_groups", "declared", false,
               "declared: every consumer group subscribed by the deployment exists from the start "
               "and receives everything published since; on_first_subscribe: a group's queue is "
               "created by its first subscribe and misses what was published before",
               {"declared", "on_first_subscribe"}) == "on_first_subscribe";
}

// A field the kind does not read is a mistake (a rate on a crash, a node on a partition):
// the run would silently ignore it.
void refuse_foreign(Reader& r, const FaultFields& in) {
  const FaultKindInfo& k = fault_info(in.kind);
  auto refuse = [&](bool given, const char* field, const char* which) {
    if (given)
      r.fail(field, std::string("no ") + field + " on a " + k.name + " fault (" + field +
                        " applies to " + which + ")");
  };
  using T = FaultTarget;
  bool names_node = k.target == T::node || k.target == T::link || k.target == T::database;
  refuse(!in.node.empty() && !names_node, "node",
         "crash, restart, pause, clog and the database faults");
  refuse(!in.peer.empty() && k.target != T::link, "peer", "clog");
  refuse(!in.groups.empty() && k.target != T::groups, "groups", "partition");
  refuse(!in.name.empty() && k.target != T::groups && k.target != T::partition, "name",
         "partition and heal");
  refuse(in.rate != 0 && k.target != T::network, "rate", "drop_rate and duplicate_rate");
  refuse(in.msg != 0 && k.target != T::message, "msg",
         "drop_message, duplicate_message and delay_message");
  refuse(in.duration_us != 0 && (in.kind == FaultKind::restart || in.kind == FaultKind::heal),
         "duration_ms", "every kind but restart and heal");
}

void read_fault(Reader& r, FaultSpec& f) {
  FaultFields in;
  std::string kind = r.string("kind", "crash", true, "fault kind", fault_kinds());
  f.at_us = r.millis_us("at_ms", 0, "when the fault fires (ms)");
  in.duration_us =
      r.millis_us("duration_ms", 0, "window length (ms); for crash, restart after it (0: at heal)");
  in.node = r.name("node", "", false,
                   "node (crash/restart/pause/clog) or database (db_stall, db_outage, "
                   "db_disk_full, db_lock_contention)");
  in.peer = r.name("peer", "", false, "other end of a clogged link");
  in.groups = r.string_groups("groups",
                              "partition: node groups cut from each other (one group: isolate it)");
  in.name = r.name("name", "", false, "partition name (heal refers to it)");
  in.rate = r.number("rate", 0, 0, 1, "drop_rate / duplicate_rate probability");
  in.msg = static_cast<uint64_t>(r.integer(
      "msg", 0, 0, INT64_MAX, "drop/duplicate/delay_message: the message id (as in the trace)"));
  // An unknown kind is reported; a named one is kept as a partition so that a heal of its
  // name does not report a second error.
  fault_kind_from_name(kind, in.kind);
  if (r.failed("kind") && !in.name.empty()) in.kind = FaultKind::partition;
  if (r.clean()) refuse_foreign(r, in);
  f.action = in.action();
}

void read_swarm(Reader& r, SwarmSpec& s) {
  s.enabled = r.boolean("enabled", false, "draw random faults from the seed");
  s.crash_per_s = r.number("crash_per_s", 0, 0, 1000, "crashes per simulated second");
  s.pause_per_s = r.number("pause_per_s", 0, 0, 1000, "pauses per simulated second");
  s.partition_per_s = r.number("partition_per_s", 0, 0, 1000, "partitions per simulated second");
  s.clog_per_s = r.number("clog_per_s", 0, 0, 1000, "clogged links per simulated second");
  s.loss_per_s = r.number("loss_per_s", 0, 0, 1000, "drop/duplicate windows per simulated second");
  s.db_stall_per_s = r.number("db_stall_per_s", 0, 0, 1000, "database stalls per simulated second");
  s.db_fail_per_s =
      r.number("db_fail_per_s", 0, 0, 1000,
               "database outages, full disks and lock contention per simulated second");
  s.down_us_mean = r.millis_us("down_ms_mean", s.down_us_mean / 1000.0, "mean crash downtime (ms)");
  s.window_us_mean =
      r.millis_us("window_ms_mean", s.window_us_mean / 1000.0, "mean fault window (ms)");
  s.loss_rate = r.number("loss_rate", s.loss_rate, 0, 1, "drop/duplicate probability in a window");
  s.nodes = r.strings("nodes", "nodes the swarm may crash, pause, partition or clog");
  s.databases = r.strings("databases", "databases the swarm may stall or fail");
}

void read_workload(Reader& r, WorkloadSpec& w) {
  w.kind = r.string("kind", "transfer", true, "business workload", kWorkloadKinds);
  w.count = r.integer("count", w.count, 0, 10000000, "business transactions");
  w.arrival_per_s =
      r.number("arrival_per_s", w.arrival_per_s, 0.001, 1e7, "mean arrival rate (Poisson)");
  w.accounts = r.integer("accounts", w.accounts, 1, 1000000,
                         "accounts (transfer) or customers/products (order)");
  w.initial_balance = r.integer("initial_balance", w.initial_balance, 0, INT64_MAX / 4 / 1000000,
                                "initial balance (transfer) or wallet and stock level (order)");
  w.amount_min = r.integer("amount_min", w.amount_min, 1, INT64_MAX / 4 / 1000000,
                           "smallest amount or quantity");
  w.amount_max = r.integer("amount_max", w.amount_max, 1, INT64_MAX / 4 / 1000000,
                           "largest amount or quantity");
  w.business_delay_us =
      r.millis_us("business_delay_ms", 0, "time a local transaction stays open before commit (ms)");
  w.failure_rate = r.number("failure_rate", 0, 0, 1,
                            "probability a downstream branch refuses (business failure)");
  w.start_us = r.millis_us("start_ms", 0, "when the first transaction may arrive (ms)");
  w.credit_first =
      r.boolean("credit_first", false, "transfer: credit the target before debiting the source");
  w.shared_accounts = r.boolean("shared_accounts", false,
                                "transfer: the target's accounts are the source's (use one service "
                                "for both roles)");
  Reader svc =
      r.object("services", false,
               "role -> service name (transfer: source, target; order: order, stock, payment)");
  for (const char* role : {"source", "target", "order", "stock", "payment"}) {
    std::string name = svc.name(role, "", false, "service playing this role");
    if (!name.empty()) w.services[role] = name;
  }
  svc.finish();
  if (!r.schema() && !r.failed("amount_min") && !r.failed("amount_max") &&
      w.amount_min > w.amount_max)
    r.fail("amount_max", "a value >= amount_min");
}

void read_scenario(Reader& r, Scenario& s) {
  s.name = r.name("name", "", true, "scenario name");
  s.description = r.string("description", "", false, "what the scenario shows");
  s.seed = static_cast<uint64_t>(r.integer("seed", 1, 0, INT64_MAX, "root seed of the run"));
  Reader topo = r.object("topology", true, "services, brokers, coordinator and links");
  topo.objects("services", "services, each with its own database", [&](Reader& it) {
    ServiceSpec sv;
    sv.name = it.name("name", "svc", true, "service node name");
    sv.database = it.name("database", "", false, "database name (default <name>.db)");
    if (sv.database.empty()) sv.database = sv.name + ".db";
    Reader db = it.object("db", false, "database timings and placement");
    read_db(db, sv.db);
    db.finish();
    sv.instances = static_cast<int>(
        it.integer("instances", 1, 1, 16, "service instances (check-backs reach any)"));
    s.services.push_back(std::move(sv));
  });
  topo.objects("brokers", "message brokers", [&](Reader& it) {
    BrokerSpec b;
    read_broker(it, b);
    s.brokers.push_back(std::move(b));
  });
  s.coordinator =
      topo.name("coordinator", "", false, "transaction coordinator node name (2PM, TCC, saga)");
  Reader link = topo.object("default_link", false, "model of every link not listed in links");
  read_link_model(link, s.default_link);
  link.finish();
  topo.objects("links", "per-link models", [&](Reader& it) {
    LinkSpec l;
    l.a = it.name("a", "a", true, "one end");
    l.b = it.name("b", "b", true, "other end");
    l.model = s.default_link;
    read_link_model(it, l.model);
    s.links.push_back(std::move(l));
  });
  topo.finish();
  Reader wl = r.object("workload", true, "the business transactions");
  read_workload(wl, s.workload);
  wl.finish();
  Reader pat = r.object("pattern", true, "the protocol under test");
  s.pattern.name = pat.name("name", "", true, "pattern registry name (dtxsim list)");
  s.pattern.variant = pat.name("variant", "correct", false, "correct or a broken variant");
  s.pattern.params = pat.raw_object("params", "pattern parameters (dtxsim list shows them)");
  s.pattern.params_by_pattern = pat.raw_object(
      "params_by_pattern",
      "parameters of other patterns run on this scenario (compare, --pattern): name -> params");
  pat.finish();
  Reader faults = r.object("faults", false, "scheduled and swarm faults, then the heal phase");
  faults.objects("schedule", "explicit faults", [&](Reader& it) {
    FaultSpec f;
    read_fault(it, f);
    s.faults.push_back(std::move(f));
  });
  Reader swarm = faults.object("swarm", false, "random faults drawn from the seed");
  read_swarm(swarm, s.swarm);
  swarm.finish();
  s.heal_us =
      faults.millis_us("heal_at_ms", 10000, "after this no fault fires and everything heals (ms)");
  faults.finish();
  s.termination_bound_us = r.millis_us("termination_bound_ms", 60000,
                                       "every transaction must be final this long after heal (ms)");
  s.invariants =
      r.strings("invariants", "invariants to check (default: all that apply to the pattern)",
                invariant_names());
  s.expect = r.strings("expect", "violations this scenario expects (teaching scenarios)",
                       invariant_names());
  s.dlq_drained =
      r.boolean("dlq_drained", false,
                "an operator drains the dead-letter queue: dead letters are reported, not lost");
}

}  // namespace

Scenario parse_scenario(const Json& doc, const std::string& file, InputErrors& errors) {
  Scenario s;
  s.file = file;
  s.raw = doc;
  if (!doc.is_object()) {
    errors.add(file, "$", "expected a JSON object");
    return s;
  }
  Reader r(doc, file, "$", errors);
  read_scenario(r, s);
  r.finish();
  validate_references(s, errors);
  return s;
}

Scenario parse_scenario(const Json& doc, const std::string& file) {
  InputErrors errors;
  Scenario s = parse_scenario(doc, file, errors);
  errors.raise();
  return s;
}

Scenario load_scenario(const std::string& path, InputErrors& errors) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) throw InputError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(parse_json_file_text(ss.str(), path), path, errors);
}

Scenario load_scenario(const std::string& path) {
  InputErrors errors;
  Scenario s = load_scenario(path, errors);
  errors.raise();
  return s;
}

Json scenario_schema() {
  Json schema;
  // What JSON Schema cannot say, the description does (docs/input-and-limits.md).
  Reader r = Reader::schema_mode(
      schema, "dtxsim scenario file. Limits beyond this schema: arrays and objects nest at most " +
                  std::to_string(kMaxJsonDepth) +
                  " levels deep (pattern.params included), a key appears once per object, null "
                  "is never a value, numbers fit a double; see docs/input-and-limits.md");
  Scenario s;
  read_scenario(r, s);
  r.finish();
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["title"] = "dtxsim scenario";
  return schema;
}

}  // namespace dtx
