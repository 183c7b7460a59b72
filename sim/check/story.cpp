// Telling a transaction's story: its causal chain from indexes built once per history, each
// step in a line, the decisive step picked by the kinds of steps violations turn on.
#include "sim/check/story.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

namespace dtx {

namespace {

// After the transaction's commit on a database, what read it next (a relay's poll, a sender's
// scan, a check-back): the first few statements outside any transaction of a gid.
constexpr size_t kContextStatements = 3;
constexpr int64_t kFaultLookBackUs = 2'000'000;
constexpr int64_t kFaultLookAheadUs = 1'000'000;
constexpr int64_t kContextWindowUs = 5'000'000;

std::string str(const Json& d, const char* key) {
  if (!d.is_object() || !d.contains(key)) return "";
  const Json& v = d[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The detail as an object (an event without one reads as {}).
const Json& object_of(const Detail& d) {
  static const Json empty = Json::object();
  return d.is_null() ? empty : d.json();
}

std::string ms(int64_t t_us) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(3);
  o << t_us / 1000.0 << " ms";
  return o.str();
}

bool is_db_kind(Kind k) {
  return k == Kind::db_begin || k == Kind::db_exec || k == Kind::db_lock_wait ||
         k == Kind::db_prepare || k == Kind::db_commit || k == Kind::db_rollback;
}

// A statement that names no key among its parameters: a scan (a poll, a sweep), not work on
// one transaction's rows.
bool is_scan(const Event& e) {
  if (e.kind != Kind::db_exec || !e.gid.empty() || e.detail.contains("error")) return false;
  const Json& d = object_of(e.detail);
  for (const auto& p : d.value("params", Json::array()))
    if (p.is_string()) return false;
  return d.contains("sql");
}

// Kinds a story leaves out: a transaction's statements are summed up by its commit, except
// those that fail and those that write the transaction's own key (an outbox or message row,
// a barrier, a decision: where a later step looks for it).
bool is_noise(const Event& e) {
  if (e.kind == Kind::db_begin) return true;
  if (e.kind != Kind::db_exec || e.detail.contains("error")) return false;
  const Json& params = object_of(e.detail).value("params", Json());
  if (e.gid.empty() || !params.is_array()) return true;
  for (const auto& p : params)
    if (p.is_string() && p.get<std::string>().find(e.gid) != std::string::npos) return false;
  return true;
}

// The part of a message type that names the message ("mq.deliver:events#b" -> "mq.deliver").
std::string type_name(const std::string& type) {
  return type.substr(0, type.find(':'));
}

// The table a statement inserts into or reads from ("" when none is named).
std::string table_after(const std::string& sql, const std::string& word) {
  size_t at = sql.find(word);
  if (at == std::string::npos) return "";
  at += word.size();
  size_t end = at;
  while (end < sql.size() &&
         (std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_'))
    ++end;
  return sql.substr(at, end - at);
}

// The first integer parameter of a statement, or -1.
int64_t first_integer(const Json& d) {
  for (const auto& p : d.value("params", Json::array()))
    if (p.is_number_integer()) return p.get<int64_t>();
  return -1;
}

}  // namespace

// An INSERT of the transaction whose first integer parameter is the row's id.
void note_row(const Event& e, std::vector<RowWritten>& rows) {
  if (e.kind != Kind::db_exec || e.detail.contains("error")) return;
  const Json& d = object_of(e.detail);
  std::string table = table_after(str(d, "sql"), "INSERT INTO ");
  int64_t id = first_integer(d);
  if (!table.empty() && id >= 0) rows.push_back({e.node, table, id, e.t_us});
}

// A scan of a table the transaction inserted into on that database.
bool reads_a_table_of(const Event& e, const std::vector<RowWritten>& rows) {
  std::string table = table_after(str(object_of(e.detail), "sql"), "FROM ");
  for (const auto& r : rows)
    if (r.node == e.node && r.table == table) return true;
  return false;
}

// A keyed range scan ("... FROM t WHERE id > ?") of a table the transaction inserted into,
// on the same database, after the insert, whose lower bound is at or past the row's id.
const RowWritten* scanned_past(const Event& e, const std::vector<RowWritten>& rows) {
  if (rows.empty() || !is_scan(e)) return nullptr;
  const Json& d = object_of(e.detail);
  std::string sql = str(d, "sql");
  if (sql.find("> ?") == std::string::npos) return nullptr;
  std::string table = table_after(sql, "FROM ");
  int64_t bound = first_integer(d);
  for (const auto& r : rows)
    if (r.node == e.node && r.table == table && e.t_us > r.t_us && bound >= r.id) return &r;
  return nullptr;
}

bool is_fault_kind(Kind k) {
  return k == Kind::crash || k == Kind::restart || k == Kind::pause || k == Kind::resume ||
         k == Kind::partition || k == Kind::heal || k == Kind::clog || k == Kind::unclog ||
         k == Kind::fault;
}

std::string_view mark_name(StepMark m) {
  switch (m) {
    case StepMark::decisive:
      return "decisive";
    case StepMark::fault:
      return "fault";
    case StepMark::evidence:
      return "evidence";
    case StepMark::none:
      break;
  }
  return "";
}

std::string Story::signature() const {
  std::set<std::string> inv;
  for (const auto& [i, m] : broke) inv.insert(i);
  std::string s;
  for (const auto& i : inv) s += (s.empty() ? "" : "+") + i;
  // Losses, time-outs and duplicates are one kind whatever the message (the type is detail).
  std::string kind = cause_kind;
  for (const char* general : {"lost:", "timeout:", "duplicate:"})
    if (kind.rfind(general, 0) == 0) kind = std::string(general, std::strlen(general) - 1);
  return s + "|" + kind;
}

Json Story::steps_json() const {
  Json out = Json::array();
  for (const auto& st : steps)
    out.push_back({{"id", st.id},
                   {"t", st.t_us},
                   {"node", st.node},
                   {"text", st.text},
                   {"mark", std::string(mark_name(st.mark))}});
  return out;
}

Storyteller::Storyteller(std::vector<const Event*> events) : ev_(std::move(events)) {
  for (size_t i = 0; i < ev_.size(); ++i) {
    const Event& e = *ev_[i];
    if (!e.gid.empty()) by_gid_[e.gid].push_back(i);
    if (e.msg) by_msg_[e.msg].push_back(i);
    if (e.kind == Kind::send && e.msg)
      msg_type_[e.msg] = std::string(e.detail.string_field("type"));
    if (is_fault_kind(e.kind)) faults_.push_back(i);
    if (is_db_kind(e.kind) && e.detail.contains("txn")) {
      TxnKey key{e.node, std::string(e.detail.raw("txn"))};
      by_txn_[key].push_back(i);
      if (e.kind == Kind::db_begin) owner_[key] = std::string(e.detail.string_field("owner"));
    }
    if (is_scan(e)) scans_[e.node].push_back(i);
  }
}

std::string Storyteller::message_type(uint64_t msg) const {
  auto it = msg_type_.find(msg);
  return it == msg_type_.end() ? std::string("message") : it->second;
}

namespace {
std::string checkback_text(const CheckbackRecord* c) {
  if (!c) return "check-back";
  return c->is_answer() ? "check-back answered " + c->answer : "check-back asked";
}
}  // namespace

// A statement: its SQL and parameters, shortened, and who ran it when it was no transaction's.
std::string Storyteller::tell_statement(const Event& e) const {
  const Json& d = object_of(e.detail);
  if (d.contains("error")) return "statement fails: " + str(d, "error");
  std::string sql = str(d, "sql");
  if (sql.size() > 72) sql = sql.substr(0, 69) + "...";
  std::string params;
  for (const auto& p : d.value("params", Json::array())) {
    std::string v = p.dump();
    if (v.size() > 24) v = v.substr(0, 21) + "...";
    params += (params.empty() ? "" : ", ") + v;
  }
  std::string who;
  auto o = owner_.find({e.node, str(d, "txn")});
  if (e.gid.empty() && o != owner_.end() && !o->second.empty()) who = o->second + " ";
  return who + "runs " + sql + " with [" + params + "] -> " + str(d, "rows") + " rows";
}

std::string Storyteller::tell_step(const Event& e) const {
  const Json& d = object_of(e.detail);
  switch (e.kind) {
    case Kind::send:
      return "sends " + str(d, "type") + " to " + e.peer;
    case Kind::deliver:
      return "receives " + message_type(e.msg) + " from " + e.peer;
    case Kind::drop:
      return message_type(e.msg) + " from " + e.peer + " is LOST on its way here";
    case Kind::duplicate:
      return "the network DUPLICATES " + message_type(e.msg);
    case Kind::timeout:
      return "its call to " + e.peer + " TIMES OUT";
    case Kind::db_commit:
      return "local transaction " + str(d, "txn") + " commits";
    case Kind::db_rollback:
      return "local transaction " + str(d, "txn") + " rolls back (" + str(d, "reason") + ")";
    case Kind::db_prepare:
      return "prepares " + str(d, "xid") + " (in doubt until decided)";
    case Kind::db_lock_wait:
      return "transaction " + str(d, "txn") + " waits for the write lock";
    case Kind::crash:
      return "CRASHES";
    case Kind::restart:
      return "restarts";
    case Kind::pause:
      return "is PAUSED";
    case Kind::resume:
      return "resumes";
    case Kind::partition:
      return "PARTITION " + str(d, "name") + " cuts " + str(d, "cut");
    case Kind::heal:
      return "partition " + str(d, "name") + " heals";
    case Kind::clog:
      return "link to " + e.peer + " CLOGGED";
    case Kind::unclog:
      return "link to " + e.peer + " flows again";
    case Kind::checkback:
      return checkback_text(e.detail.checkback());
    case Kind::retry: {
      std::string what = d.contains("what")    ? str(d, "what")
                         : d.contains("state") ? "the " + str(d, "state") + " phase"
                                               : "its call";
      return "retries " + what +
             (d.contains("attempt") ? " (attempt " + str(d, "attempt") + ")" : "");
    }
    case Kind::effect:
      return "EFFECT " + str(d, "op") + " of " + str(d, "branch") + " on " + str(d, "account") +
             " (money " + str(d, "money") + ")";
    default:
      break;
  }
  if (e.kind == Kind::fault) {
    std::string s = "FAULT " + str(d, "fault");
    if (d.contains("until") && d["until"].is_number_integer())
      s += " until " + ms(d["until"].get<int64_t>());
    return s;
  }
  if (e.kind == Kind::gtx) {
    std::string s = "global transaction: " + str(d, "state");
    if (d.contains("branch")) s += " (" + str(d, "branch") + ")";
    if (d.value("final", false)) s += ", final";
    return s;
  }
  if (e.kind == Kind::db_exec) return tell_statement(e);
  std::string k(kind_name(e.kind));
  if (k.rfind("broker_", 0) == 0) return k.substr(7) + " on " + str(d, "queue");
  return k + (d.is_null() ? "" : " " + d.dump());
}

// Faults on the nodes it touched while it ran, or shortly before (a stall or a crash already
// under way when it began) or just after its last step (why it has no more steps); world-wide
// ones while it ran.
void Storyteller::add_faults(std::set<size_t>& picked, const std::set<std::string>& nodes,
                             TimeUs first, TimeUs last) const {
  for (size_t i : faults_) {
    const Event& e = *ev_[i];
    if (e.t_us > last + kFaultLookAheadUs) break;
    bool on_its_nodes = nodes.count(e.node) || nodes.count(e.peer);
    if (on_its_nodes
            ? e.t_us >= first - kFaultLookBackUs
            : e.t_us >= first && e.t_us <= last && (e.node == "world" || e.node == "network"))
      picked.insert(i);
  }
}

// Scans of its databases: those that ran while one of its local transactions there was open
// (also into `during_txn`: they could not see its rows) and the first few after its commit.
void Storyteller::add_scans(std::set<size_t>& picked,
                            const std::map<TxnKey, std::pair<TimeUs, TimeUs>>& open,
                            const std::map<std::string, TimeUs>& committed,
                            std::set<size_t>& during_txn) const {
  for (const auto& [key, span] : open) {
    auto s = scans_.find(key.first);
    if (s == scans_.end() || !committed.count(key.first)) continue;
    for (size_t i : s->second) {
      const Event& e = *ev_[i];
      if (e.t_us > span.first && e.t_us < span.second &&
          std::string(e.detail.raw("txn")) != key.second) {
        picked.insert(i);
        during_txn.insert(i);
      }
    }
  }
  for (const auto& [node, after] : committed) {
    auto s = scans_.find(node);
    if (s == scans_.end()) continue;
    size_t taken = 0;
    for (size_t i : s->second) {
      const Event& e = *ev_[i];
      if (e.t_us < after) continue;
      if (e.t_us > after + kContextWindowUs || taken == kContextStatements) break;
      ++taken;
      picked.insert(i);
    }
  }
}

// The transaction's events and what they link to, as indices in history order. Scans of a
// database that ran while one of the transaction's local transactions there was open go to
// `during_txn` too: they could not see its rows.
std::vector<size_t> Storyteller::chain(const std::string& gid, std::set<size_t>& during_txn) const {
  auto own = by_gid_.find(gid);
  if (own == by_gid_.end()) return {};
  std::set<size_t> picked;
  std::set<uint64_t> msgs;
  std::set<TxnKey> txns;
  std::set<std::string> nodes;
  std::map<std::string, TimeUs> committed;  // database node -> the transaction's last commit
  std::map<TxnKey, std::pair<TimeUs, TimeUs>> open;  // its local transactions' first..end
  TimeUs first = INT64_MAX, last = INT64_MIN;
  for (size_t i : own->second) {
    const Event& e = *ev_[i];
    picked.insert(i);
    if (e.msg) msgs.insert(e.msg);
    if (is_db_kind(e.kind) && e.detail.contains("txn")) {
      TxnKey key{e.node, std::string(e.detail.raw("txn"))};
      txns.insert(key);
      auto [it, fresh] = open.try_emplace(key, e.t_us, e.t_us);
      if (!fresh) it->second.second = e.t_us;
    }
    if (e.kind == Kind::db_commit) committed[e.node] = e.t_us;
    nodes.insert(e.node);
    if (!e.peer.empty()) nodes.insert(e.peer);
    first = std::min(first, e.t_us);
    last = std::max(last, e.t_us);
  }
  // The services that own its local transactions run them: their faults are its faults.
  for (const auto& t : txns)
    if (auto o = owner_.find(t); o != owner_.end() && !o->second.empty()) nodes.insert(o->second);
  for (uint64_t m : msgs)
    if (auto it = by_msg_.find(m); it != by_msg_.end())
      picked.insert(it->second.begin(), it->second.end());
  for (const auto& t : txns)
    if (auto it = by_txn_.find(t); it != by_txn_.end())
      picked.insert(it->second.begin(), it->second.end());
  add_faults(picked, nodes, first, last);
  add_scans(picked, open, committed, during_txn);
  std::vector<size_t> out;
  for (size_t i : picked)
    if (!is_noise(*ev_[i]) || during_txn.count(i) || is_scan(*ev_[i])) out.push_back(i);
  return out;
}

// How decisive a step is: decisions and losses first, then time-outs, duplicates and retries,
// then faults, then a scan that could not see the transaction's rows.
Candidate Storyteller::candidate(const Event& e, bool during_txn) const {
  switch (e.kind) {
    case Kind::checkback: {
      const CheckbackRecord* c = e.detail.checkback();
      if (!c || !c->is_answer()) return {};
      const std::string& answer = c->answer;
      if (answer.empty() || answer == "ONGOING") return {};
      return {1, "checkback:" + answer, "the global transaction is decided on this answer", ""};
    }
    case Kind::drop:
      return {1, "lost:" + type_name(message_type(e.msg)),
              "the receiver never gets it; what it was to cause does not happen unless someone "
              "sends it again",
              ""};
    case Kind::timeout:
      return {2, "timeout:" + type_name(message_type(e.msg)),
              "the caller stops waiting and acts on its own; the callee may still do the work", ""};
    case Kind::duplicate:
      return {3, "duplicate:" + type_name(message_type(e.msg)),
              "the same message arrives twice: only an idempotent receiver applies it once", ""};
    case Kind::broker_redeliver:
      return {3, "redelivery", "the broker delivers the message again: the consumer must dedupe",
              ""};
    case Kind::retry:
      return {4, "retry", "the same request is sent again: the receiver must recognise it", ""};
    case Kind::crash:
    case Kind::pause:
    case Kind::partition:
    case Kind::clog:
      return {5, "fault:" + std::string(kind_name(e.kind)),
              "the fault interrupts the protocol here", ""};
    case Kind::fault:
      return {5, "fault:" + std::string(e.detail.string_field("fault")),
              "the fault interrupts the protocol here", ""};
    case Kind::db_exec:
      if (during_txn && e.detail.integer_field("rows") > 0)
        return {6, "scan_during_txn",
                "it read past the transaction's rows while they were written but not yet "
                "committed, so it could not see them; a reader that moves past them misses "
                "them for good",
                ""};
      return {};
    default:
      return {};
  }
}

void Storyteller::mark_decisive(Story& s, const std::vector<Candidate>& cands) const {
  size_t best = SIZE_MAX;
  Candidate best_c;
  for (size_t i = 0; i < s.steps.size(); ++i)
    if (cands[i].rank && (best == SIZE_MAX || cands[i].rank < best_c.rank)) {
      best = i;
      best_c = cands[i];
    }
  if (best == SIZE_MAX) {  // no decision found: the first evidence is where it shows
    for (size_t i = 0; i < s.steps.size(); ++i)
      if (s.steps[i].mark == StepMark::evidence) {
        best = i;
        best_c = {9, "effect:" + std::string(kind_name(s.steps[i].kind)),
                  "the first step the checkers point at", ""};
        break;
      }
  }
  if (best == SIZE_MAX) return;
  StoryStep& st = s.steps[best];
  st.mark = StepMark::decisive;
  st.why = best_c.why;
  s.decisive = best;
  s.cause_kind = best_c.kind;
  s.cause = (best_c.label.empty() ? st.node + ": " + st.text : best_c.label) + " at " + ms(st.t_us);
}

// What the story so far says about a step: a message lost at a crashed node is the crash's
// doing, an effect seen before is a repeat, a range read may have passed the transaction's row.
void Storyteller::refine(const Event& e, StoryStep& st, std::vector<Candidate>& cands, Walk& walk,
                         size_t step) const {
  if (e.kind == Kind::crash) walk.down[e.node] = step;
  if (e.kind == Kind::restart) walk.down.erase(e.node);
  if (e.kind == Kind::drop && walk.down.count(e.node)) {
    // Lost because its receiver is down: the crash is the cause, not the loss.
    Candidate& crash = cands[walk.down[e.node]];
    crash.rank = 1;
    crash.why =
        "the node goes down while the protocol still needs it: what it was sent is "
        "lost and what it was to do waits for its restart";
    cands.back() = {};
  }
  if (e.kind == Kind::effect && e.gid == walk.gid && cands.back().rank == 0) {
    std::string what = str(object_of(e.detail), "op") + " of " + str(object_of(e.detail), "branch");
    if (!walk.effects.insert(what).second)
      cands.back() = {7, "repeated_effect",
                      "the same step takes effect a second time: its receiver did not "
                      "recognise the repeat",
                      e.node + ": " + what + " applied again"};
  }
  if (const RowWritten* past = scanned_past(e, walk.rows)) {
    std::string row = "row " + std::to_string(past->id) + " of " + past->table;
    st.text += " (its range starts past " + row + ")";
    auto o = owner_.find({e.node, std::string(e.detail.raw("txn"))});
    std::string who = o == owner_.end() || o->second.empty() ? e.node : o->second;
    cands.back() = {1, "scan_past_row",
                    "the reader's range has moved past this transaction's row, which "
                    "committed after the range moved: no later read will see it",
                    who + " reads " + past->table + " with its range already past " + row};
  }
}

Story Storyteller::tell(const std::string& gid, const std::vector<Violation>& violations) const {
  Story s;
  s.gid = gid;
  std::set<uint64_t> evidence;
  for (const auto& v : violations) {
    if (v.gid != gid) continue;
    s.broke.emplace_back(v.invariant, v.message);
    evidence.insert(v.events.begin(), v.events.end());
  }
  std::set<size_t> during_txn;
  std::vector<Candidate> cands;
  std::set<std::string> fault_kinds;
  Walk walk;
  walk.gid = gid;
  for (size_t i : chain(gid, during_txn)) {
    const Event& e = *ev_[i];
    if (e.gid == gid) note_row(e, walk.rows);
    StoryStep st;
    st.id = e.id;
    st.t_us = e.t_us;
    st.node = e.node;
    st.peer = e.peer;
    st.kind = e.kind;
    st.msg = e.msg;
    st.text = tell_step(e);
    if (is_fault_kind(e.kind)) {
      st.mark = StepMark::fault;
      if (e.kind == Kind::fault)
        fault_kinds.insert(std::string(e.detail.string_field("fault")));
      else if (e.kind != Kind::heal && e.kind != Kind::resume && e.kind != Kind::restart &&
               e.kind != Kind::unclog)
        fault_kinds.insert(std::string(kind_name(e.kind)));
    }
    if (evidence.count(e.id)) st.mark = StepMark::evidence;
    if (during_txn.count(i)) st.text += " (while this transaction's rows were uncommitted)";
    cands.push_back(candidate(e, during_txn.count(i) > 0 && reads_a_table_of(e, walk.rows)));
    refine(e, st, cands, walk, s.steps.size());
    s.steps.push_back(std::move(st));
  }
  s.fault_kinds.assign(fault_kinds.begin(), fault_kinds.end());
  mark_decisive(s, cands);
  return s;
}

std::vector<bool> steps_kept(const Story& s, size_t max_steps) {
  std::vector<bool> keep(s.steps.size(), s.steps.size() <= max_steps);
  if (s.steps.size() > max_steps) {
    for (size_t i = 0; i < s.steps.size(); ++i) {
      const StoryStep& st = s.steps[i];
      keep[i] = st.mark != StepMark::none || st.kind == Kind::gtx || st.kind == Kind::effect ||
                st.kind == Kind::checkback || st.kind == Kind::drop || st.kind == Kind::timeout ||
                st.kind == Kind::retry || i < 2 || i + 2 >= s.steps.size();
    }
  }
  return keep;
}

std::string story_text(const Story& s, size_t max_steps) {
  std::ostringstream out;
  std::vector<bool> keep = steps_kept(s, max_steps);
  size_t n = 0, skipped = 0;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    if (!keep[i]) {
      ++skipped;
      continue;
    }
    if (skipped)
      out << "      ... " << skipped << " more step" << (skipped == 1 ? "" : "s") << "\n";
    skipped = 0;
    const StoryStep& st = s.steps[i];
    out << "  " << ++n << ". " << ms(st.t_us) << "  " << st.node << ": " << st.text;
    if (st.mark == StepMark::evidence) out << "   <- evidence";
    out << "  [#" << st.id << "]\n";
    if (st.mark == StepMark::decisive) out << "     ^ DECISIVE: " << st.why << "\n";
  }
  if (skipped) out << "      ... " << skipped << " more step" << (skipped == 1 ? "" : "s") << "\n";
  if (s.broke.empty()) {
    out << "=> no invariant broken by " << s.gid << "\n";
  } else {
    for (const auto& [inv, message] : s.broke) out << "=> " << inv << ": " << message << "\n";
  }
  return out.str();
}

}  // namespace dtx
