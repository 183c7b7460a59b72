// The layering check: every `#include "dir/..."` edge between the project's folders must run
// downward. sim/kernel is the bottom; sim/world builds on it; sim/check judges histories;
// sim/scenario reads files; sim/plugin is the contract patterns implement; patterns/ plug in
// through it (never sim/check, never the app); app/ links everything; viz/ reads traces on its
// own. A failure lists file:line of every edge against the layers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Layer of a source path or an include target ("sim/world/x.hpp" -> "sim/world").
std::string layer_of(const std::string& rel) {
  static const char* const kLayers[] = {"sim/kernel", "sim/world", "sim/check", "sim/scenario",
                                        "sim/plugin", "patterns",  "app",       "viz",
                                        "tests",      "bench",     "examples"};
  for (const char* l : kLayers) {
    std::string prefix = std::string(l) + "/";
    if (rel.rfind(prefix, 0) == 0) return l;
  }
  return "";
}

// What each layer may include besides itself.
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> rules = {
      {"sim/kernel", {}},
      {"sim/world", {"sim/kernel"}},
      {"sim/check", {"sim/kernel"}},
      {"sim/scenario", {"sim/kernel", "sim/world", "sim/check"}},
      {"sim/plugin", {"sim/kernel", "sim/world", "sim/scenario"}},
      {"patterns", {"sim/kernel", "sim/world", "sim/scenario", "sim/plugin"}},
      {"app", {"sim/kernel", "sim/world", "sim/check", "sim/scenario", "sim/plugin", "patterns"}},
      {"viz", {}},
  };
  return rules;
}

// "file:line: includes X (layer A may not include layer B)" for every edge against the rules.
std::vector<std::string> violations(const fs::path& root, size_t* files_seen) {
  static const std::regex include(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<fs::path> files;
  for (const char* dir : {"sim", "patterns", "app", "viz"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  *files_seen = files.size();
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root).generic_string();
    std::string from = layer_of(rel);
    auto rule = allowed().find(from);
    std::ifstream in(f);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      std::string to = layer_of(m[1].str());
      if (to.empty() || to == from) continue;  // a file of its own folder or a system header
      if (rule == allowed().end() || !rule->second.count(to))
        out.push_back(rel + ":" + std::to_string(n) + ": includes " + m[1].str() + " (" +
                      (from.empty() ? "?" : from) + " may not include " + to + ")");
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the layer map names every folder with sources", "[layering]") {
  CHECK(layer_of("sim/world/broker.cpp") == "sim/world");
  CHECK(layer_of("patterns/outbox/outbox.cpp") == "patterns");
  CHECK(layer_of("app/main.cpp") == "app");
  CHECK(layer_of("simulator.hpp") == "");
  CHECK(allowed().at("patterns").count("sim/check") == 0);
  CHECK(allowed().at("sim/world").count("patterns") == 0);
}

TEST_CASE("includes run downward: sim/ never includes patterns/ or app/, patterns/ never sim/check",
          "[layering]") {
  fs::path root(DTXSIM_SOURCE_DIR);
  size_t files = 0;
  std::vector<std::string> bad = violations(root, &files);
  REQUIRE(files > 50);  // the scan really found the sources
  std::string report;
  for (const auto& b : bad) report += b + "\n";
  INFO("include edges against the layers:\n" << report);
  REQUIRE(bad.empty());
}
