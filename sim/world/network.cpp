// Link lookup, partitions via connected_components over the uncut edges, message fate draws.
#include "sim/world/network.hpp"

#include <boost/graph/connected_components.hpp>
#include <boost/graph/filtered_graph.hpp>

namespace dtx {

int Network::add_node(const std::string& name) {
  int v = static_cast<int>(boost::add_vertex(graph_));
  for (int u = 0; u < v; ++u) {
    LinkState s;
    s.model = default_model_;
    boost::add_edge(u, v, s, graph_);
  }
  names_.push_back(name);
  index_[name] = v;
  size_t n = names_.size();
  matrix_.assign(n * n, nullptr);
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    int s = static_cast<int>(boost::source(*it, graph_)),
        t = static_cast<int>(boost::target(*it, graph_));
    matrix_[s * n + t] = matrix_[t * n + s] = &graph_[*it];
  }
  components_dirty_ = true;
  return v;
}

int Network::node_index(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

LinkState* Network::link(int a, int b) {
  size_t n = names_.size();
  if (a < 0 || b < 0 || static_cast<size_t>(a) >= n || static_cast<size_t>(b) >= n) return nullptr;
  return matrix_[a * n + b];
}

bool Network::set_link_model(const std::string& a, const std::string& b, const LinkModel& m) {
  int ia = node_index(a), ib = node_index(b);
  if (ia < 0 || ib < 0 || ia == ib) return false;
  link(ia, ib)->model = m;
  return true;
}

void Network::cut(int a, int b, bool is_cut) {
  if (auto* l = link(a, b)) {
    l->cut = is_cut;
    components_dirty_ = true;
  }
}

namespace {
struct Uncut {
  const NetGraph* g = nullptr;
  bool operator()(const NetGraph::edge_descriptor& e) const { return !(*g)[e].cut; }
};
}  // namespace

void Network::refresh_components() {
  boost::filtered_graph<NetGraph, Uncut> live(graph_, Uncut{&graph_});
  component_.assign(boost::num_vertices(graph_), 0);
  boost::connected_components(live, component_.data());
  components_dirty_ = false;
}

// Nodes are endpoints, not routers: a message needs its direct link uncut, and both ends in
// one connected component of the uncut graph.
bool Network::reachable(int a, int b) {
  if (a == b) return true;
  if (link(a, b)->cut) return false;
  if (components_dirty_) refresh_components();
  return component_[a] == component_[b];
}

Network::Plan Network::plan(int a, int b, TimeUs now_us) {
  Plan p;
  if (a == b) {
    p.arrival_us[0] = now_us;
    return p;
  }
  LinkState* l = link(a, b);
  const LinkModel& m = l->model;
  if (rng_.chance(m.drop + extra_drop)) {
    p.dropped = true;
    return p;
  }
  if (rng_.chance(m.duplicate + extra_duplicate)) p.copies = 2;
  TimeUs& fifo = l->fifo_us[a < b ? 0 : 1];
  for (int i = 0; i < p.copies; ++i) {
    TimeUs t = now_us + m.latency_us_min + rng_.exponential(m.latency_us_jitter_mean);
    if (rng_.chance(m.reorder)) {
      t += rng_.exponential(m.latency_us_jitter_mean * 4 + 1);
    } else {
      if (t < fifo) t = fifo;
      fifo = t;
    }
    p.arrival_us[i] = t;
  }
  return p;
}

}  // namespace dtx
