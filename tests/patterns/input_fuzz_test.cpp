// Bad input never crashes: every shipped scenario, mutated in many deterministic ways
// (keys removed, values replaced by other JSON types, numbers pushed out of range), either
// loads and runs or is rejected with an InputError that names the file and a JSON path.
#include <catch2/catch.hpp>
#include <filesystem>

#include "app/runner.hpp"
#include "sim/kernel/random.hpp"

using namespace dtx;

namespace {

// Paths to every value in a document, as JSON pointers.
void collect(const Json& j, const std::string& at, std::vector<std::string>& out) {
  out.push_back(at);
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) collect(it.value(), at + "/" + it.key(), out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) collect(j[i], at + "/" + std::to_string(i), out);
  }
}

const Json kReplacements[] = {
    Json(nullptr), Json(true),    Json(-1),       Json(1e300),
    Json("??"),    Json::array(), Json::object(), Json(int64_t{9223372036854775807}),
    Json(0.5)};

}  // namespace

TEST_CASE("mutated scenarios load and run, or fail with a located InputError", "[input][fuzz]") {
  std::string dir = std::string(DTXSIM_SOURCE_DIR) + "/scenarios";
  Random rng(42, "fuzz");
  size_t rejected = 0, ran = 0;
  for (const char* name : {"/transfer-outbox.json", "/order-tcc.json",
                           "/broken/mq_half_message-heuristic_discard.json"}) {
    Scenario base = load_scenario(dir + name);
    std::vector<std::string> paths;
    collect(base.raw, "", paths);
    for (int trial = 0; trial < 200; ++trial) {
      Json doc = base.raw;
      std::string at = paths[rng.below(paths.size())];
      if (at.empty()) continue;
      Json::json_pointer ptr(at);
      if (rng.chance(0.3)) {
        Json& parent = doc[ptr.parent_pointer()];
        if (parent.is_array()) {
          parent.erase(std::stoul(ptr.back()));
        } else {
          parent.erase(ptr.back());
        }
      } else {
        doc[ptr] = kReplacements[rng.below(std::size(kReplacements))];
      }
      if (doc.contains("workload") && doc["workload"].is_object()) doc["workload"]["count"] = 5;
      INFO(name << " mutated at " << at);
      try {
        Scenario s = parse_scenario(doc, "fuzz.json");
        RunOptions o;
        o.keep_history = false;
        run_scenario(s, o);
        ++ran;
      } catch (const InputError& e) {
        std::string msg = e.what();
        CHECK(msg.find("fuzz.json") != std::string::npos);
        ++rejected;
      }
      // Any other exception escapes and fails the test: that would be a crash in the CLI.
    }
  }
  CHECK(rejected > 0);
  CHECK(ran > 0);
}
