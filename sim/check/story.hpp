// Stories: why a transaction broke an invariant, told from the history. A story is the
// transaction's causal chain (its own events, the other end of every message it sent or
// received, the statements of its local transactions, the faults on the nodes it touched,
// the scans of its databases that ran while its rows were uncommitted or just after), cut to
// the steps that matter, numbered in history order, with the decisive step named: the
// protocol decision or fault the violation turns on (a check-back answer, a lost message, a
// poll that ran before a row committed, a time-out, a duplicate). Stories are values: they
// outlive the history they were told from.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/check/checkers.hpp"

namespace dtx {

enum class StepMark { none, decisive, fault, evidence };
std::string_view mark_name(StepMark m);

struct StoryStep {
  uint64_t id = 0;
  TimeUs t_us = 0;
  std::string node, peer;
  Kind kind = Kind::note;
  uint64_t msg = 0;
  std::string text;  // what happened, in a line
  std::string why;   // why it matters (decisive and fault steps)
  StepMark mark = StepMark::none;
};

struct Story {
  std::string gid;
  std::vector<StoryStep> steps;  // history order
  size_t decisive = SIZE_MAX;    // index into steps; SIZE_MAX when none was found
  std::string cause;             // one sentence naming the decisive step
  std::string cause_kind;        // the decisive step's kind ("lost:mq.publish"), for grouping
  std::vector<std::string> fault_kinds;  // kinds of the faults in the chain, sorted
  std::vector<std::pair<std::string, std::string>> broke;  // (invariant, message)

  bool empty() const { return steps.empty(); }
  // "invariants|cause kind": transactions with one signature are one finding.
  std::string signature() const;
  Json steps_json() const;
};

// A step that may be the decisive one: rank (lower wins, 0: not a candidate), the kind a
// finding is grouped by, and why such a step matters.
struct Candidate {
  int rank = 0;
  std::string kind, why;
  std::string label;  // the cause in a few words (default: the step's node and text)
};

// A row a transaction inserted: where, which table, its id, when.
struct RowWritten {
  std::string node, table;
  int64_t id = 0;
  TimeUs t_us = 0;
};
void note_row(const Event& e, std::vector<RowWritten>& rows);
bool reads_a_table_of(const Event& e, const std::vector<RowWritten>& rows);
const RowWritten* scanned_past(const Event& e, const std::vector<RowWritten>& rows);

// Indexes a history once (events in history order; the caller keeps them alive while the
// teller is used) and tells any transaction's story from it.
class Storyteller {
 public:
  explicit Storyteller(std::vector<const Event*> events);
  Story tell(const std::string& gid, const std::vector<Violation>& violations) const;
  // A message's type, from its send ("message" when the send is not in the history).
  std::string message_type(uint64_t msg) const;

 private:
  using TxnKey = std::pair<std::string, std::string>;  // (database node, txn)
  std::vector<size_t> chain(const std::string& gid, std::set<size_t>& during_txn) const;
  void add_faults(std::set<size_t>& picked, const std::set<std::string>& nodes, TimeUs first,
                  TimeUs last) const;
  void add_scans(std::set<size_t>& picked, const std::map<TxnKey, std::pair<TimeUs, TimeUs>>& open,
                 const std::map<std::string, TimeUs>& committed,
                 std::set<size_t>& during_txn) const;
  Candidate candidate(const Event& e, bool during_txn) const;
  void mark_decisive(Story& s, const std::vector<Candidate>& cands) const;
  std::string tell_step(const Event& e) const;
  std::string tell_statement(const Event& e) const;
  // What the steps told so far know while the next one is told.
  struct Walk {
    std::string gid;
    std::vector<RowWritten> rows;        // rows it inserted, by table and id
    std::set<std::string> effects;       // "op branch" of the effects seen so far
    std::map<std::string, size_t> down;  // crashed node -> its crash step, until it restarts
  };
  void refine(const Event& e, StoryStep& st, std::vector<Candidate>& cands, Walk& walk,
              size_t step) const;

  std::vector<const Event*> ev_;
  std::map<std::string, std::vector<size_t>> by_gid_;
  std::map<uint64_t, std::vector<size_t>> by_msg_;
  std::map<TxnKey, std::vector<size_t>> by_txn_;
  std::map<TxnKey, std::string> owner_;               // who began each local transaction
  std::map<std::string, std::vector<size_t>> scans_;  // per database: keyless gid-less reads
  std::vector<size_t> faults_;
  std::map<uint64_t, std::string> msg_type_;
};

// The story as numbered lines, ending at the invariants it broke. A story longer than
// `max_steps` keeps its marked steps, its decisions and effects, and its first and last steps.
std::string story_text(const Story& s, size_t max_steps);
// Which steps a story cut to `max_steps` keeps (all when it is that short).
std::vector<bool> steps_kept(const Story& s, size_t max_steps);

bool is_fault_kind(Kind k);

}  // namespace dtx
