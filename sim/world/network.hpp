// The simulated network: a Boost.Graph of nodes and links. Each link has a latency
// distribution, drop/duplicate/reorder probabilities, and can be cut (partition) or clogged.
// Reachability comes from the connected components of the uncut graph. Messages between
// one ordered pair stay FIFO unless the link reorders them.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/kernel/simulator.hpp"
#include "sim/world/message.hpp"

namespace dtx {

struct LinkModel {
  TimeUs latency_us_min = 500;
  double latency_us_jitter_mean = 200;  // exponential jitter added to the minimum
  double drop = 0;
  double duplicate = 0;
  double reorder = 0;  // probability a message skips the FIFO clamp and is delayed further
};

struct LinkState {
  LinkModel model;
  bool cut = false;
  bool clogged = false;
  TimeUs fifo_us[2] = {0, 0};  // last scheduled arrival per direction (low->high, high->low)
};

using NetGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                       boost::no_property, LinkState>;

class Network {
 public:
  explicit Network(uint64_t seed) : rng_(seed, "network") {}

  // Adds a node with links of the default model to every existing node.
  int add_node(const std::string& name);
  int node_index(const std::string& name) const;  // -1 when unknown
  const std::string& node_name(int index) const { return names_[index]; }
  size_t node_count() const { return names_.size(); }

  void set_default_model(const LinkModel& m) { default_model_ = m; }
  // Returns false when either node is unknown.
  bool set_link_model(const std::string& a, const std::string& b, const LinkModel& m);
  LinkState* link(int a, int b);

  void cut(int a, int b, bool is_cut);
  bool reachable(int a, int b);

  // Extra loss/duplication applied to every link (fault windows).
  double extra_drop = 0;
  double extra_duplicate = 0;

  struct Plan {
    bool dropped = false;
    int copies = 1;
    TimeUs arrival_us[2] = {0, 0};
  };
  // Draws the fate of one message sent now from a to b.
  Plan plan(int a, int b, TimeUs now_us);

 private:
  void refresh_components();

  NetGraph graph_;
  std::vector<std::string> names_;
  std::map<std::string, int> index_;
  LinkModel default_model_;
  std::vector<LinkState*> matrix_;  // dense n x n; undirected edge properties have stable addresses
  std::vector<int> component_;
  bool components_dirty_ = true;
  Random rng_;
};

}  // namespace dtx
