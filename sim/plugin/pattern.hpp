// The pattern interface and registry. A pattern is the protocol that makes a workload's
// branches atomic; it is built once per run (setup: tables, pattern-owned nodes, handlers,
// recovery hooks) and then asked to begin each business transaction on its origin service.
// Variants are data: each pattern has a Knobs struct and a table of variants (name,
// description, invariants it breaks, knob settings); its code reads knobs, never names.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/plugin/workload.hpp"
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
  // Runs a statement on a database before the run starts (schema, initial rows).
  DbResult exec_now(const std::string& db, const std::string& sql, const SqlArgs& params = {});
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

// What adopting a pattern asks of a system, as the comparison report shows it.
struct PatternRequirements {
  std::string infrastructure;  // what must run beside the services (broker, coordinator...)
  std::string tables;          // extra tables in the services' databases
  std::string producer;        // what the originating service changes
  std::string consumer;        // what the downstream services change (handlers, idempotence)
  std::string intrusiveness;   // low / medium / high, and why
};

struct PatternInfo {
  std::string name;
  std::string summary;
  std::vector<VariantInfo> variants;  // first is "correct"
  std::vector<std::string> workloads;
  std::vector<std::string> invariants;  // invariants that apply (checked by default)
  bool needs_broker = false;
  bool needs_coordinator = false;
  PatternRequirements requirements;  // empty fields: not stated
  // Invariants the correct variant is known to break under some faults: a limitation of the
  // protocol, not a bug (three-phase commit splits under a partition). Sweeps count such runs
  // apart from violating ones; a scenario that shows the limitation expects it.
  std::vector<std::string> limitations;
  std::function<std::unique_ptr<Pattern>(const std::string& variant)> make;

  const VariantInfo* variant(const std::string& v) const;
};

// One row of a pattern's variant table: what `list` shows and the knobs the code reads.
template <class Knobs>
struct Variant {
  VariantInfo info;
  Knobs knobs;
};

// Fills p.variants from the table and p.make with a factory that builds P from the chosen
// row's knobs. The table is the only place a variant's name appears, so a misspelt name
// cannot silently mean `correct`: names the table lacks are rejected by the registry.
template <class P, class Knobs>
void define_variants(PatternInfo& p, std::vector<Variant<Knobs>> table) {
  auto rows = std::make_shared<const std::vector<Variant<Knobs>>>(std::move(table));
  p.variants.clear();
  for (const auto& row : *rows) p.variants.push_back(row.info);
  p.make = [rows, name = p.name](const std::string& v) -> std::unique_ptr<Pattern> {
    for (const auto& row : *rows) {
      if (row.info.name == v) return std::make_unique<P>(row.knobs);
    }
    throw std::invalid_argument("pattern " + name + " has no variant '" + v + "'");
  };
}

// The registry, declared here and defined with the patterns that ship with dtxsim
// (patterns/registry.cpp); a pattern kept in another repository adds itself with
// register_pattern() before the command line runs (see docs/adding-a-pattern.md).
// Adds a pattern after the built-in ones; throws std::invalid_argument when its name is
// taken, it has no variant table, or its first variant is not "correct".
void register_pattern(PatternInfo p);
const std::vector<PatternInfo>& pattern_registry();  // built-in, then registered, in order
const PatternInfo* find_pattern(const std::string& name);

}  // namespace dtx
