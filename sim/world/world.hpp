// The world owns the simulator, the history, the network and every node, database and
// broker of one run. It is the only thing that knows them all; patterns see one node
// at a time through a Context.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/kernel/history.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/simulator.hpp"
#include "sim/world/network.hpp"
#include "sim/world/node.hpp"

namespace dtx {

class Database;
class Broker;

class World {
 public:
  explicit World(uint64_t seed);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  uint64_t seed() const { return seed_; }
  Simulator& sim() { return sim_; }
  History& history() { return history_; }
  Network& net() { return net_; }
  bool set_link_model_checked(const std::string& a, const std::string& b, const LinkModel& m) {
    return net_.set_link_model(a, b, m);
  }
  TimeUs now_us() const { return sim_.now_us(); }
  Random stream(const std::string& name) const { return Random(seed_, name); }

  Node& add_node(const std::string& name, const std::string& role, const std::string& group = "");
  Node* node(const std::string& name);
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  std::vector<NodeInfo> node_infos() const;

  // Ends the run: destroys every node's processes while the databases still exist.
  void shutdown() {
    for (auto& n : nodes_) n->shutdown();
  }
  // Starts every node (on_start hooks) at the current time.
  void start();
  void run_until(TimeUs t_us) { sim_.run_until(t_us); }
  void run_for(TimeUs d_us) { sim_.run_for(d_us); }

  // Network.
  uint64_t send(Node& from, const std::string& to, Message&& m);
  void partition(const std::string& name, const std::vector<std::vector<std::string>>& groups);
  void heal(std::string name);
  void heal_all();
  void clog(const std::string& a, const std::string& b, bool on);
  void set_extra_rates(double drop, double duplicate, const std::string& why);
  // Drops, duplicates or delays one message by id (explore's message points).
  void target_message(uint64_t msg, const std::string& kind, TimeUs delay_us) {
    targeted_[msg] = {kind, delay_us};
  }

  // Node lifecycle faults, by name; return false when the node is unknown.
  bool crash(const std::string& name);
  bool restart(const std::string& name);
  bool pause(const std::string& name, TimeUs duration_us);

  // Listeners run when a node crashes, before its processes are destroyed (databases roll
  // back the node's open transactions, brokers abort its sessions).
  void on_node_crash(std::function<void(Node&)> fn) { crash_listeners_.push_back(std::move(fn)); }
  void on_node_restart(std::function<void(Node&)> fn) {
    restart_listeners_.push_back(std::move(fn));
  }

  // Counters for metrics (retries, duplicates, alerts...). Ordered map: stable output.
  std::map<std::string, int64_t>& counters() { return counters_; }
  void count(const std::string& name, int64_t n = 1) { counters_[name] += n; }

  bool recording() const { return history_.enabled(); }
  void record(std::string_view node, Kind kind, std::string_view gid = {}, Detail detail = nullptr,
              uint64_t msg = 0, std::string_view peer = {}) {
    if (history_.enabled())
      history_.record(now_us(), node, kind, gid, std::move(detail), msg, peer);
  }

  // A flat detail written straight into the trace (the hot paths: transactions, messages).
  void record_fields(std::string_view node, Kind kind, std::string_view gid,
                     std::initializer_list<Detail::Field> fields, uint64_t msg = 0,
                     std::string_view peer = {}) {
    if (history_.enabled()) history_.record_fields(now_us(), node, kind, gid, fields, msg, peer);
  }

  // A local transaction's event (db_*), its id kept typed for the checkers and metrics.
  void record_txn(std::string_view node, Kind kind, std::string_view gid, const LocalTxn& local,
                  std::initializer_list<Detail::Field> more = {}) {
    if (history_.enabled()) history_.record_txn(now_us(), node, kind, gid, local, more);
  }

  // Databases and brokers register here so the world can list them for checkers.
  std::map<std::string, Database*>& databases() { return databases_; }
  std::map<std::string, Broker*>& brokers() { return brokers_; }

  // A node whose process finished or failed asks to be reaped after this event.
  void mark_for_reap(Node* n) { reap_.push_back(n); }

 private:
  void after_event();
  void arrive(Message&& m, int from, int to);
  // Messages in flight live in a slab so an arrival event captures 16 bytes (no allocation
  // inside std::function), which is most of the engine's per-message cost.
  struct InFlight {
    Message m;
    int from = 0, to = 0;
  };
  uint32_t park(Message&& m, int from, int to);
  void land(uint32_t slot);
  std::vector<InFlight> inflight_;
  std::vector<uint32_t> free_inflight_;
  struct Partition {
    std::vector<std::pair<int, int>> links;
  };

  uint64_t seed_;
  Simulator sim_;
  History history_;
  Network net_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, Node*> by_name_;
  std::map<std::string, Partition> partitions_;
  std::map<std::pair<int, int>, std::vector<Message>> clogged_;
  std::vector<std::function<void(Node&)>> crash_listeners_;
  std::vector<std::function<void(Node&)>> restart_listeners_;
  std::map<std::string, int64_t> counters_;
  std::map<std::string, Database*> databases_;
  std::map<std::string, Broker*> brokers_;
  std::vector<Node*> reap_;
  std::map<uint64_t, std::pair<std::string, TimeUs>> targeted_;
  uint64_t next_msg_id_ = 1;
};

}  // namespace dtx
