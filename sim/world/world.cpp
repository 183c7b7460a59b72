// Message routing (plan -> arrival -> reachability/liveness checks -> node), partitions,
// clogs, lifecycle faults and end-of-event reaping.
#include "sim/world/world.hpp"

namespace dtx {

World::World(uint64_t seed) : seed_(seed), net_(seed) {
  sim_.set_after_event([this] { after_event(); });
}

World::~World() = default;

Node& World::add_node(const std::string& name, const std::string& role, const std::string& group) {
  int index = net_.add_node(name);
  nodes_.push_back(std::make_unique<Node>(*this, index, name, role, group.empty() ? name : group));
  by_name_[name] = nodes_.back().get();
  return *nodes_.back();
}

Node* World::node(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<NodeInfo> World::node_infos() const {
  std::vector<NodeInfo> out;
  for (const auto& n : nodes_) out.push_back({n->name(), n->role(), n->group()});
  // Pseudo-nodes that record network-wide and world-wide events (partitions, heal phase).
  out.push_back({"network", "network", "world"});
  out.push_back({"world", "world", "world"});
  return out;
}

void World::start() {
  for (auto& n : nodes_) {
    n->start();
  }
}

void World::after_event() {
  if (reap_.empty()) return;
  auto nodes = std::move(reap_);
  reap_.clear();
  for (Node* n : nodes) n->reap();
}

uint64_t World::send(Node& from, const std::string& to, Message&& m) {
  int dst = net_.node_index(to);
  m.id = next_msg_id_++;
  m.from = from.name();
  m.to = to;
  record_fields(from.name(), Kind::send, m.gid, {{"type", m.type}}, m.id, to);
  uint64_t id = m.id;
  if (dst < 0) {
    record_fields(to, Kind::drop, m.gid, {{"reason", "unknown node"}}, id, from.name());
    return id;
  }
  int src = from.index();
  if (!net_.reachable(src, dst)) {
    record_fields(to, Kind::drop, m.gid, {{"reason", "partition"}}, id, from.name());
    return id;
  }
  Network::Plan plan = net_.plan(src, dst, now_us());
  if (!targeted_.empty()) {
    auto t = targeted_.find(id);
    if (t != targeted_.end()) {
      record_fields("network", Kind::fault, m.gid, {{"fault", t->second.first}}, id);
      if (t->second.first == "drop_message") plan.dropped = true;
      if (t->second.first == "duplicate_message") {
        plan.copies = 2;
        plan.arrival_us[1] = plan.arrival_us[0] + 1;
      }
      if (t->second.first == "delay_message") plan.arrival_us[0] += t->second.second;
    }
  }
  if (plan.dropped) {
    record_fields(to, Kind::drop, m.gid, {{"reason", "link loss"}}, id, from.name());
    return id;
  }
  if (plan.copies == 2) {
    record(to, Kind::duplicate, m.gid, nullptr, id, from.name());
    count("network_duplicates");
    uint32_t copy = park(Message(m), src, dst);
    sim_.schedule_at(plan.arrival_us[1], [this, copy] { land(copy); });
  }
  uint32_t slot = park(std::move(m), src, dst);
  sim_.schedule_at(plan.arrival_us[0], [this, slot] { land(slot); });
  return id;
}

uint32_t World::park(Message&& m, int from, int to) {
  uint32_t slot;
  if (!free_inflight_.empty()) {
    slot = free_inflight_.back();
    free_inflight_.pop_back();
  } else {
    slot = static_cast<uint32_t>(inflight_.size());
    inflight_.emplace_back();
  }
  InFlight& f = inflight_[slot];
  f.m = std::move(m);
  f.from = from;
  f.to = to;
  return slot;
}

void World::land(uint32_t slot) {
  // Move out before arriving: handlers send, and sending may grow the slab.
  InFlight& f = inflight_[slot];
  Message m = std::move(f.m);
  int from = f.from, to = f.to;
  free_inflight_.push_back(slot);
  arrive(std::move(m), from, to);
}

void World::arrive(Message&& m, int from, int to) {
  auto key = std::minmax(from, to);
  if (LinkState* l = net_.link(from, to); l && l->clogged) {
    clogged_[{key.first, key.second}].push_back(std::move(m));
    return;
  }
  if (!net_.reachable(from, to)) {
    record_fields(m.to, Kind::drop, m.gid, {{"reason", "partition"}}, m.id, m.from);
    return;
  }
  Node& dst = *nodes_[to];
  if (!dst.alive()) {
    record_fields(m.to, Kind::drop, m.gid, {{"reason", "receiver down"}}, m.id, m.from);
    return;
  }
  dst.arrive(std::move(m));
}

void World::partition(const std::string& name,
                      const std::vector<std::vector<std::string>>& groups) {
  heal(name);
  Partition p;
  Json cut = Json::array();
  for (size_t i = 0; i < groups.size(); ++i) {
    for (size_t j = i + 1; j < groups.size(); ++j) {
      for (const auto& a : groups[i]) {
        for (const auto& b : groups[j]) {
          int ia = net_.node_index(a), ib = net_.node_index(b);
          if (ia < 0 || ib < 0 || ia == ib) continue;
          net_.cut(ia, ib, true);
          p.links.push_back({ia, ib});
          cut.push_back({a, b});
        }
      }
    }
  }
  // Nodes named in no group are cut from every group too: "isolate these" is the common intent.
  if (groups.size() == 1) {
    for (const auto& a : groups[0]) {
      int ia = net_.node_index(a);
      for (const auto& n : nodes_) {
        bool inside = false;
        for (const auto& g : groups[0]) inside = inside || g == n->name();
        if (inside || ia < 0) continue;
        net_.cut(ia, n->index(), true);
        p.links.push_back({ia, n->index()});
        cut.push_back({a, n->name()});
      }
    }
  }
  partitions_[name] = std::move(p);
  record("network", Kind::partition, {}, Json{{"name", name}, {"cut", cut}});
}

void World::heal(std::string name) {
  auto it = partitions_.find(name);
  if (it == partitions_.end()) return;
  for (auto [a, b] : it->second.links) net_.cut(a, b, false);
  partitions_.erase(it);
  // A link cut by another live partition stays cut.
  for (auto& [other, p] : partitions_) {
    for (auto [a, b] : p.links) net_.cut(a, b, true);
  }
  record_fields("network", Kind::heal, {}, {{"name", name}});
}

void World::heal_all() {
  while (!partitions_.empty()) {
    std::string name = partitions_.begin()->first;  // heal() erases the key it is given
    heal(name);
  }
}

void World::clog(const std::string& a, const std::string& b, bool on) {
  int ia = net_.node_index(a), ib = net_.node_index(b);
  LinkState* l = net_.link(ia, ib);
  if (!l || l->clogged == on) return;
  l->clogged = on;
  record(a, on ? Kind::clog : Kind::unclog, {}, nullptr, 0, b);
  if (on) return;
  auto key = std::minmax(ia, ib);
  auto held = std::move(clogged_[{key.first, key.second}]);
  clogged_.erase({key.first, key.second});
  for (auto& m : held) {
    int from = net_.node_index(m.from), to = net_.node_index(m.to);
    uint32_t slot = park(std::move(m), from, to);
    sim_.schedule_at(now_us(), [this, slot] { land(slot); });
  }
}

void World::set_extra_rates(double drop, double duplicate, const std::string& why) {
  net_.extra_drop = drop;
  net_.extra_duplicate = duplicate;
  record("network", Kind::fault, {},
         Json{{"fault", why}, {"drop", drop}, {"duplicate", duplicate}});
}

bool World::crash(const std::string& name) {
  Node* n = node(name);
  if (!n) return false;
  if (!n->alive()) return true;
  n->crash();
  for (auto& fn : crash_listeners_) fn(*n);
  return true;
}

bool World::restart(const std::string& name) {
  Node* n = node(name);
  if (!n) return false;
  if (n->alive()) return true;
  for (auto& fn : restart_listeners_) fn(*n);
  n->restart();
  return true;
}

bool World::pause(const std::string& name, TimeUs duration_us) {
  Node* n = node(name);
  if (!n) return false;
  if (!n->up()) return true;
  uint64_t token = n->pause();
  sim_.schedule_after(duration_us, [n, token] { n->resume(token); });
  return true;
}

}  // namespace dtx
