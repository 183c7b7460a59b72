// dtxview_add_finding SRC DST [--t-end US]: copies a dtxsim trace and adds finding lines built
// from its own violations (TRACE_FORMAT.md, "Trailer lines") before the end line, for the viewer's
// tests while the simulator does not write them yet: per violated gid one finding whose story is
// the gid's first event, commits and messages, the faults before the evidence and the evidence
// (the first one decisive).
// --t-end moves the end line's t_end (not hashed), making a trace that ends long after its events.
// Exit 0 done, 1 the trace has no violation to build from, 2 bad use or unreadable trace.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "trace_model.hpp"

using namespace dtxview;
using Json = nlohmann::json;

namespace {

Json step_of(const TraceModel& m, uint32_t ev, const char* mark) {
  const Event& e = m.event(ev);
  std::string text = std::string(m.kind_name(e)) + " on " + m.nodes()[e.lane].name;
  return {{"id", e.id},
          {"t", e.t_us},
          {"node", m.nodes()[e.lane].name},
          {"text", text},
          {"mark", mark}};
}

Json finding_for(const TraceModel& m, const Violation& v, uint32_t n, size_t count) {
  std::set<uint32_t> evidence(v.events.begin(), v.events.end());
  std::set<uint32_t> steps = evidence;
  int64_t last = m.event(*evidence.rbegin()).t_us;
  for (uint32_t ev : m.gid_events(v.gid).event) {  // its first event, commits and messages
    Kind k = m.event(ev).kind;
    bool told = steps.size() == evidence.size() || k == Kind::db_commit || k == Kind::send ||
                k == Kind::drop || k == Kind::broker;
    if (told && m.event(ev).t_us <= last + 2'000'000 && steps.size() < evidence.size() + 8)
      steps.insert(ev);
  }
  for (uint32_t i = 0; i < m.events().size() && m.event(i).t_us <= last; ++i) {
    Kind k = m.event(i).kind;
    if (k == Kind::crash || k == Kind::pause || k == Kind::partition || k == Kind::clog)
      steps.insert(i);
  }
  Json list = Json::array();
  bool decided = false;
  for (uint32_t ev : steps) {
    const char* mark = "";
    Kind k = m.event(ev).kind;
    if (evidence.count(ev)) {
      mark = decided ? "evidence" : "decisive";
      decided = true;
    } else if (k == Kind::crash || k == Kind::pause || k == Kind::partition || k == Kind::clog) {
      mark = "fault";
    }
    list.push_back(step_of(m, ev, mark));
  }
  return {{"kind", "finding"},
          {"n", n},
          {"invariants", {v.invariant}},
          {"count", count},
          {"gid", v.gid_text},
          {"gids", {v.gid_text}},
          {"cause", "test finding: " + v.message},
          {"signature", v.invariant + "|test"},
          {"steps", list}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--t-end")) {
    std::fprintf(stderr, "usage: dtxview_add_finding SRC DST [--t-end US]\n");
    return 2;
  }
  TraceModel m = TraceModel::load_file(argv[1]);
  if (!m.readable() || !m.complete()) {
    std::fprintf(stderr, "dtxview_add_finding: cannot read a complete trace from %s\n", argv[1]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  size_t end_at = text.rfind("{\"", text.size() > 1 ? text.size() - 2 : 0);
  Json end = Json::parse(text.substr(end_at), nullptr, false);
  if (end.is_discarded() || end.value("kind", "") != "end") {
    std::fprintf(stderr, "dtxview_add_finding: %s does not end with an end line\n", argv[1]);
    return 2;
  }
  if (argc == 5) end["t_end"] = std::strtoll(argv[4], nullptr, 10);
  std::string findings;
  std::set<uint32_t> gids;
  for (const Violation& v : m.violations()) {
    if (v.gid == kNone || v.events.empty() || !gids.insert(v.gid).second) continue;
    findings += finding_for(m, v, static_cast<uint32_t>(gids.size()), 1).dump() + "\n";
    if (gids.size() == 3) break;
  }
  if (findings.empty() && argc == 3) {
    std::fprintf(stderr, "dtxview_add_finding: %s has no violation with evidence\n", argv[1]);
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out << text.substr(0, end_at) << findings << end.dump() << "\n";
  std::printf("dtxview_add_finding: %s with %zu findings\n", argv[2], gids.size());
  return out ? 0 : 2;
}
