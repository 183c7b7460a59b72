// A hand-written 27-event trace exercising every pairing the viewer does, plus helpers to
// damage it. Event ids/times are chosen so each test can name the exact expected result.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "trace_line.hpp"

namespace dtxview_test {

inline const std::vector<std::string>& small_trace_lines() {
  static const std::vector<std::string> lines = {
      R"({"build":"test","format":"dtxsim-trace","nodes":[{"group":"infra","name":"coord","role":"coordinator"},{"group":"bank-a","name":"bank-a","role":"service"},{"group":"bank-a","name":"bank-a.db","role":"database"},{"group":"bank-b","name":"bank-b","role":"service"},{"group":"bank-b","name":"bank-b.db","role":"database"}],"pattern":"2pc","scenario":"transfer","seed":7,"variant":"correct","version":1})",
      R"({"id":0,"t":100,"node":"coord","kind":"gtx","gid":"g1","detail":{"state":"started"}})",
      R"({"id":1,"t":110,"node":"coord","kind":"send","gid":"g1","msg":1,"peer":"bank-a","detail":{"type":"prepare"}})",
      R"({"id":2,"t":150,"node":"bank-a","kind":"deliver","gid":"g1","msg":1,"peer":"coord","detail":{"type":"prepare"}})",
      R"({"id":3,"t":160,"node":"bank-a.db","kind":"db_begin","gid":"g1","detail":{"txn":1}})",
      R"({"id":4,"t":170,"node":"bank-a.db","kind":"db_exec","gid":"g1","detail":{"params":[50,"alice"],"rows":1,"sql":"UPDATE accounts SET balance = balance - ? WHERE id = ?","txn":1}})",
      R"({"id":5,"t":180,"node":"bank-a.db","kind":"db_begin","gid":"g2","detail":{"txn":2}})",
      R"({"id":6,"t":190,"node":"bank-a.db","kind":"db_prepare","gid":"g1","detail":{"txn":1}})",
      R"({"id":7,"t":200,"node":"coord","kind":"send","gid":"g1","msg":2,"peer":"bank-b"})",
      R"({"id":8,"t":210,"node":"bank-b","kind":"crash"})",
      R"({"id":9,"t":220,"node":"bank-b","kind":"drop","gid":"g1","msg":2,"peer":"coord","detail":{"reason":"crashed"}})",
      R"({"id":10,"t":230,"node":"bank-a.db","kind":"db_rollback","gid":"g2","detail":{"reason":"deadlock","txn":2}})",
      R"({"id":11,"t":240,"node":"bank-a.db","kind":"db_commit","gid":"g1","detail":{"txn":1}})",
      R"({"id":12,"t":250,"node":"coord","kind":"timeout","gid":"g1","peer":"bank-b","detail":{"request":2}})",
      R"({"id":13,"t":260,"node":"coord","kind":"retry","gid":"g1","peer":"bank-b","detail":{"attempt":2}})",
      R"({"id":14,"t":270,"node":"coord","kind":"send","gid":"g1","msg":3,"peer":"bank-b"})",
      R"({"id":15,"t":280,"node":"coord","kind":"partition","detail":{"cut":[["bank-a","coord"]],"name":"p1"}})",
      R"({"id":16,"t":300,"node":"bank-b","kind":"restart"})",
      R"({"id":17,"t":310,"node":"bank-b","kind":"deliver","gid":"g1","msg":3,"peer":"coord"})",
      R"({"id":18,"t":311,"node":"bank-b","kind":"duplicate","gid":"g1","msg":3,"peer":"coord"})",
      R"({"id":19,"t":320,"node":"bank-b","kind":"deliver","gid":"g1","msg":3,"peer":"coord"})",
      R"({"id":20,"t":330,"node":"bank-b.db","kind":"db_begin","gid":"g1","detail":{"txn":"t-9"}})",
      R"({"id":21,"t":340,"node":"bank-b.db","kind":"db_prepare","gid":"g1","detail":{"txn":"t-9"}})",
      R"({"id":22,"t":350,"node":"coord","kind":"checkback","gid":"g1","peer":"bank-a","detail":{"answer":"commit"}})",
      R"({"id":23,"t":360,"node":"coord","kind":"heal","detail":{"name":"p1"}})",
      R"({"id":24,"t":370,"node":"coord","kind":"send","gid":"g2","msg":4,"peer":"bank-a"})",
      R"({"id":25,"t":380,"node":"coord","kind":"mystery_kind","detail":{"text":"x"}})",
      R"({"id":26,"t":390,"node":"bank-a","kind":"pause"})",
  };
  return lines;
}

// Header and event lines, then a violation, the `findings` lines and the end line with the
// matching hash.
inline std::string assemble(const std::vector<std::string>& lines, bool with_end = true,
                            const std::string& findings = "") {
  std::string text;
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& l : lines) {
    h = dtxview::trace_hash_line(h, l);
    text += l + "\n";
  }
  if (!with_end) return text;
  text +=
      R"({"events":[21,11],"gid":"g1","invariant":"atomicity","kind":"violation","message":"bank-b prepared but never decided"})"
      "\n";
  text += findings;
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, h);
  text += R"({"events":)" + std::to_string(lines.size() - 1) +
          R"(,"kind":"end","t_end":500,"trace_hash":")" + hex + "\"}\n";
  return text;
}

inline std::string small_trace() {
  return assemble(small_trace_lines());
}

// One finding of g1 whose story runs from the prepare sent at 110 us to the checkback at 350 us;
// the lost message (event 9, 220 us) is decisive, the crash a fault.
inline const char* kSmallFinding =
    R"({"kind":"finding","n":1,"invariants":["atomicity"],"count":2,"gid":"g1","gids":["g1","g2"],"cause":"bank-b crashed and the prepare to it was lost","signature":"atomicity|drop","steps":[{"id":1,"t":110,"node":"coord","text":"coord sends prepare to bank-a","mark":""},{"id":8,"t":210,"node":"bank-b","text":"bank-b crashes","mark":"fault"},{"id":9,"t":220,"node":"bank-b","text":"the message to bank-b is lost","mark":"decisive"},{"id":21,"t":340,"node":"bank-b.db","text":"bank-b.db prepares txn t-9","mark":"evidence"},{"id":22,"t":350,"node":"coord","text":"check-back answers commit","mark":""}]})"
    "\n";

inline std::string small_trace_with_finding() {
  return assemble(small_trace_lines(), true, kSmallFinding);
}

}  // namespace dtxview_test
