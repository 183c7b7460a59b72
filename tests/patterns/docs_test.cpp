// The user reference (docs/patterns.md) against the registry `dtxsim list` prints: every
// pattern has a section with its summary, each variant's name, description and broken
// invariants, and each parameter; every invariant is defined with its summary.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "app/runner.hpp"
#include "sim/plugin/pattern.hpp"

using namespace dtx;

namespace {

std::string read_doc() {
  std::ifstream in(std::string(DTXSIM_SOURCE_DIR) + "/docs/patterns.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// From "## name" to the next "## " heading.
std::string section(const std::string& doc, const std::string& name) {
  size_t at = doc.find("\n## " + name + "\n");
  if (at == std::string::npos) return "";
  size_t end = doc.find("\n## ", at + 4);
  return doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string ticked(const std::string& s) {
  return "`" + s + "`";
}

}  // namespace

TEST_CASE("docs/patterns.md says what dtxsim list says", "[docs]") {
  std::string doc = read_doc();
  REQUIRE(!doc.empty());
  for (const auto& p : pattern_registry()) {
    INFO("pattern " << p.name);
    std::string sec = section(doc, p.name);
    REQUIRE(!sec.empty());
    CHECK(sec.find(p.summary) != std::string::npos);
    for (const auto& v : p.variants) {
      INFO("variant " << v.name);
      size_t row = sec.find("| " + ticked(v.name) + " | " + v.description + " |");
      CHECK(row != std::string::npos);
      if (row == std::string::npos) continue;
      std::string line = sec.substr(row, sec.find('\n', row) - row);
      for (const auto& inv : v.breaks) CHECK(line.find(ticked(inv)) != std::string::npos);
    }
    Json params;
    Reader r = Reader::schema_mode(params, p.name);
    p.make("correct")->configure(r);
    for (const auto& [name, spec] : params["properties"].items()) {
      INFO("parameter " << name);
      CHECK(sec.find("| " + ticked(name) + " |") != std::string::npos);
    }
  }
  for (const auto& i : invariants()) {
    INFO("invariant " << i.name);
    CHECK(doc.find("| " + ticked(i.name) + " | " + i.summary + " |") != std::string::npos);
  }
}
