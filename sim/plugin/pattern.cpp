// Setup helpers and the registry of every pattern with its variants.
#include "sim/plugin/pattern.hpp"

#include <stdexcept>

#include "sim/world/world.hpp"

namespace dtx {

const VariantInfo* PatternInfo::variant(const std::string& v) const {
  for (const auto& x : variants) {
    if (x.name == v) return &x;
  }
  return nullptr;
}

Context Setup::service(const std::string& name) {
  Node* n = world_.node(name);
  if (!n)
    throw InputError(scenario_.file + ": no service named '" + name + "' in $.topology.services");
  return Context(world_, *n);
}

std::vector<Context> Setup::instances(const std::string& name) {
  std::vector<Context> out{service(name)};
  for (int i = 2;; ++i) {
    Node* n = world_.node(name + "-" + std::to_string(i));
    if (!n) break;
    out.emplace_back(world_, *n);
  }
  return out;
}

std::string Setup::database_of(const std::string& service) const {
  for (const auto& s : scenario_.services) {
    if (s.name == service) return s.database;
  }
  throw InputError(scenario_.file + ": no service named '" + service + "' in $.topology.services");
}

DbResult Setup::exec_now(const std::string& db, const std::string& sql, const SqlArgs& params) {
  auto it = world_.databases().find(db);
  if (it == world_.databases().end())
    throw InputError(scenario_.file + ": no database named '" + db + "' in $.topology");
  return it->second->exec_now(sql, params);
}

Context Setup::add_node(const std::string& name, const std::string& role,
                        const std::string& group) {
  if (world_.node(name))
    throw InputError(scenario_.file + ": node name '" + name +
                     "' clashes with a pattern-owned node");
  return Context(world_, world_.add_node(name, role, group));
}

bool Setup::has_node(const std::string& name) {
  return world_.node(name) != nullptr;
}

}  // namespace dtx
