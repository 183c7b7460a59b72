// The pattern interface and registry. A pattern is the protocol that makes a workload's
// branches atomic; it is built once per run (setup: tables, pattern-owned nodes, handlers,
// recovery hooks) and then asked to begin each business transaction on its origin service.
// Variants are named in the registry and differ from `correct` by a few guarded lines.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "patterns/workloads/workload.hpp"
#include "sim/scenario/reader.hpp"
#include "sim/world/context.hpp"

namespace dtx {

class World;

// What a pattern may touch while it is being built. It hands out Contexts, never the World.
class Setup {
 public:
  Setup(World& world, const Scenario& scenario, const Workload& workload)
      : world_(world), scenario_(scenario), workload_(workload) {}

  const Workload& workload() const { return workload_; }
  const std::string& variant() const { return scenario_.pattern.variant; }
  // First broker / coordinator of the topology; empty when none.
  std::string broker() const {
    return scenario_.brokers.empty() ? "" : scenario_.brokers.front().name;
  }
  const std::string& coordinator() const { return scenario_.coordinator; }
  bool dlq_drained() const { return scenario_.dlq_drained; }

  Context service(const std::string& name);                 // instance 0
  std::vector<Context> instances(const std::string& name);  // every instance of a service
  std::string database_of(const std::string& service) const;
  Database& database(const std::string& name);
  // Adds a node the pattern owns (relay, coordinator worker...).
  Context add_node(const std::string& name, const std::string& role, const std::string& group);
  bool has_node(const std::string& name);
  TimeUs heal_us() const { return scenario_.heal_us; }

 private:
  World& world_;
  const Scenario& scenario_;
  const Workload& workload_;
};

class Pattern {
 public:
  virtual ~Pattern() = default;
  // Reads the pattern's parameters (validating or, in schema mode, describing them).
  virtual void configure(Reader& params) = 0;
  virtual void setup(Setup& s) = 0;
  // Runs on the origin service when the business transaction arrives.
  virtual Task<void> begin(Context origin, BusinessTxn t) = 0;
};

struct VariantInfo {
  std::string name;
  std::string description;
  std::vector<std::string> breaks;  // invariants this variant is known to break
};

struct PatternInfo {
  std::string name;
  std::string summary;
  std::vector<VariantInfo> variants;  // first is "correct"
  std::vector<std::string> workloads;
  std::vector<std::string> invariants;  // invariants that apply (checked by default)
  bool needs_broker = false;
  bool needs_coordinator = false;
  std::function<std::unique_ptr<Pattern>(const std::string& variant)> make;

  const VariantInfo* variant(const std::string& v) const;
};

const std::vector<PatternInfo>& pattern_registry();
const PatternInfo* find_pattern(const std::string& name);

}  // namespace dtx
