// Small helpers shared by the unit tests: querying the recorded history by kind and node.
// Header-only and inline, so every test file can include it without clashing.
#pragma once

#include <string>
#include <vector>

#include "sim/world/world.hpp"

namespace dtx::unit {

// Events of `kind`, optionally only those recorded on `node`.
inline std::vector<Event> events_of(World& w, Kind kind, const std::string& node = "") {
  std::vector<Event> out;
  for (const auto& e : w.history().events()) {
    if (e.kind == kind && (node.empty() || e.node == node)) out.push_back(e);
  }
  return out;
}

inline size_t count_of(World& w, Kind kind, const std::string& node = "") {
  return events_of(w, kind, node).size();
}

// Detail field as a string, or "" when absent.
inline std::string detail_str(const Event& e, const std::string& key) {
  if (!e.detail.is_object() || !e.detail.contains(key) || !e.detail[key].is_string()) return {};
  return e.detail[key].get<std::string>();
}

}  // namespace dtx::unit
