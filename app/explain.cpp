// `dtxsim explain TRACE`: one transaction's story, read from a trace file. The story is the
// transaction's own events plus what they are linked to (the other end of each message it
// sent or received, the ends of its local transactions, the faults on the nodes it touched
// while it ran), numbered in history order, each step told in a line, ending at the
// invariants it broke. Without --gid it tells the example transaction of a finding
// (--finding N, default 1), the findings regrouped from the trace's violation lines.
#include "app/explain.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "sim/check/findings.hpp"
#include "sim/scenario/reader.hpp"

namespace dtx {

namespace {

struct TraceEvent {
  uint64_t id = 0;
  int64_t t_us = 0;
  std::string node, kind, gid, peer;
  uint64_t msg = 0;
  Json detail;
};

struct Trace {
  Json header;
  std::vector<TraceEvent> events;
  std::vector<Violation> violations;
};

Trace read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the trace");
  Trace tr;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object())
      throw InputError(path + ":" + std::to_string(n) + ": expected a JSON object per line");
    if (n == 1) {
      if (j.value("format", "") != "dtxsim-trace")
        throw InputError(path + ": line 1: expected a dtxsim trace header");
      tr.header = std::move(j);
      continue;
    }
    std::string kind = j.value("kind", "");
    if (kind == "end") break;
    if (kind == "violation") {
      Violation v;
      v.invariant = j.value("invariant", "");
      v.gid = j.value("gid", "");
      v.message = j.value("message", "");
      if (j.contains("events") && j["events"].is_array())
        for (const auto& e : j["events"])
          if (e.is_number_unsigned()) v.events.push_back(e.get<uint64_t>());
      tr.violations.push_back(std::move(v));
      continue;
    }
    if (!j.contains("id") || !j["id"].is_number_unsigned() || !j.contains("t")) continue;
    TraceEvent e;
    e.id = j["id"].get<uint64_t>();
    e.t_us = j["t"].is_number_integer() ? j["t"].get<int64_t>() : 0;
    e.node = j.value("node", "");
    e.kind = std::move(kind);
    e.gid = j.value("gid", "");
    e.peer = j.value("peer", "");
    e.msg = j.value("msg", uint64_t{0});
    if (j.contains("detail")) e.detail = std::move(j["detail"]);
    tr.events.push_back(std::move(e));
  }
  return tr;
}

bool is_fault_kind(const std::string& k) {
  static const std::set<std::string> kinds = {"crash", "restart", "pause",  "resume", "partition",
                                              "heal",  "clog",    "unclog", "fault"};
  return kinds.count(k) > 0;
}

// Kinds a story leaves out: a transaction's statements are summed up by its commit, except
// those that fail and those that write the transaction's own key (an outbox or message row,
// a barrier, a decision: where a later step looks for it).
bool is_noise(const TraceEvent& e) {
  if (e.kind == "db_begin") return true;
  if (e.kind != "db_exec" || e.detail.contains("error")) return false;
  const Json& params = e.detail.is_object() ? e.detail.value("params", Json()) : Json();
  if (e.gid.empty() || !params.is_array()) return true;
  for (const auto& p : params)
    if (p.is_string() && p.get<std::string>().find(e.gid) != std::string::npos) return false;
  return true;
}

std::string str(const Json& d, const char* key) {
  if (!d.is_object() || !d.contains(key)) return "";
  const Json& v = d[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string ms(int64_t t_us) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(3);
  o << t_us / 1000.0 << " ms";
  return o.str();
}

// One line telling the step.
std::string tell(const TraceEvent& e, const std::map<uint64_t, std::string>& msg_type) {
  const Json& d = e.detail;
  auto type = [&] {
    auto it = msg_type.find(e.msg);
    return it == msg_type.end() ? std::string("message") : it->second;
  };
  const std::string& k = e.kind;
  if (k == "send") return "sends " + str(d, "type") + " to " + e.peer;
  if (k == "deliver") return "receives " + type() + " from " + e.peer;
  if (k == "drop") return type() + " from " + e.peer + " is lost on its way here";
  if (k == "duplicate") return "the network duplicates " + type();
  if (k == "timeout") return "its call to " + e.peer + " times out";
  if (k == "db_commit") return "local transaction " + str(d, "txn") + " commits";
  if (k == "db_rollback")
    return "local transaction " + str(d, "txn") + " rolls back (" + str(d, "reason") + ")";
  if (k == "db_prepare") return "prepares " + str(d, "xid") + " (in doubt until decided)";
  if (k == "db_lock_wait") return "transaction " + str(d, "txn") + " waits for the write lock";
  if (k == "db_exec" && d.contains("error")) return "statement fails: " + str(d, "error");
  if (k == "db_exec") {
    std::string sql = str(d, "sql");
    if (sql.size() > 72) sql = sql.substr(0, 69) + "...";
    std::string params;
    for (const auto& p : d.value("params", Json::array())) {
      std::string v = p.dump();
      if (v.size() > 24) v = v.substr(0, 21) + "...";
      params += (params.empty() ? "" : ", ") + v;
    }
    return "runs " + sql + " with [" + params + "] -> " + str(d, "rows") + " rows";
  }
  if (k == "crash") return "CRASHES";
  if (k == "restart") return "restarts";
  if (k == "pause") return "is PAUSED";
  if (k == "resume") return "resumes";
  if (k == "partition") return "PARTITION " + str(d, "name") + " cuts " + str(d, "cut");
  if (k == "heal") return "partition " + str(d, "name") + " heals";
  if (k == "clog") return "link to " + e.peer + " CLOGGED";
  if (k == "unclog") return "link to " + e.peer + " flows again";
  if (k == "fault") {
    std::string s = "FAULT " + str(d, "fault");
    if (d.contains("until") && d["until"].is_number_integer())
      s += " until " + ms(d["until"].get<int64_t>());
    return s;
  }
  if (k == "gtx") {
    std::string s = "global transaction: " + str(d, "state");
    if (d.contains("branch")) s += " (" + str(d, "branch") + ")";
    if (d.value("final", false)) s += ", final";
    return s;
  }
  if (k == "effect")
    return "EFFECT " + str(d, "op") + " of " + str(d, "branch") + " on " + str(d, "account") +
           " (money " + str(d, "money") + ")";
  if (k == "checkback")
    return d.contains("answer") ? "check-back answered " + str(d, "answer") : "check-back asked";
  if (k == "retry") return "retries " + str(d, "what");
  if (k.rfind("broker_", 0) == 0) return k.substr(7) + " on " + str(d, "queue");
  return k + (d.is_null() ? "" : " " + d.dump());
}

// After the transaction's commit on a database, what other work read or wrote that database
// next (a relay's poll, a sender's scan, a check-back): the first few statements outside any
// transaction of a gid, within a few seconds.
constexpr size_t kContextStatements = 3;
constexpr int64_t kFaultLookBackUs = 2'000'000;
constexpr int64_t kContextWindowUs = 5'000'000;

// A statement about one transaction (its key among the parameters), not a scan.
bool names_a_key(const TraceEvent& e) {
  for (const auto& p : e.detail.value("params", Json::array()))
    if (p.is_string()) return true;
  return false;
}

// The transaction's events and what they link to, in history order.
std::vector<const TraceEvent*> chain(const Trace& tr, const std::string& gid) {
  std::set<uint64_t> msgs;
  std::set<std::pair<std::string, std::string>> txns;  // (database node, txn)
  std::set<std::string> nodes;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& e : tr.events) {
    if (e.gid != gid) continue;
    if (e.msg) msgs.insert(e.msg);
    if (e.kind.rfind("db_", 0) == 0 && e.detail.contains("txn"))
      txns.insert({e.node, str(e.detail, "txn")});
    nodes.insert(e.node);
    if (!e.peer.empty()) nodes.insert(e.peer);
    first = std::min(first, e.t_us);
    last = std::max(last, e.t_us);
  }
  std::map<std::string, int64_t> committed;  // database node -> the transaction's last commit
  for (const auto& e : tr.events)
    if (e.gid == gid && e.kind == "db_commit") committed[e.node] = e.t_us;
  std::map<std::string, size_t> context;  // statements taken per database node
  std::vector<const TraceEvent*> out;
  for (const auto& e : tr.events) {
    bool linked = e.gid == gid || (e.msg && msgs.count(e.msg));
    if (!linked && e.kind.rfind("db_", 0) == 0 && e.detail.contains("txn"))
      linked = txns.count({e.node, str(e.detail, "txn")}) > 0;
    // Faults on the nodes it touched while it ran, or shortly before (a stall or a crash
    // that was already under way when it began); world-wide ones while it ran.
    bool on_its_nodes = nodes.count(e.node) || nodes.count(e.peer);
    if (!linked && is_fault_kind(e.kind) && e.t_us <= last)
      linked = on_its_nodes ? e.t_us >= first - kFaultLookBackUs
                            : e.t_us >= first && (e.node == "world" || e.node == "network");
    if (!linked && e.kind == "db_exec" && e.gid.empty() && committed.count(e.node) &&
        !names_a_key(e)) {
      int64_t after = committed[e.node];
      if (e.t_us >= after && e.t_us <= after + kContextWindowUs &&
          context[e.node] < kContextStatements) {
        ++context[e.node];
        out.push_back(&e);
        continue;
      }
    }
    if (linked && !is_noise(e)) out.push_back(&e);
  }
  return out;
}

// Each message's type, by id, from its send.
std::map<uint64_t, std::string> message_types(const Trace& tr) {
  std::map<uint64_t, std::string> out;
  for (const auto& e : tr.events)
    if (e.kind == "send" && e.msg) out[e.msg] = str(e.detail, "type");
  return out;
}

// A Mermaid participant id for a node name (letters, digits and underscores).
std::string mermaid_id(const std::string& node) {
  std::string id;
  for (char c : node) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

// Text Mermaid shows verbatim: no line breaks, no ';' or '#' (its statement and entity marks).
std::string mermaid_text(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == ';' || c == '#') c = ' ';
  return s;
}

// The same story as a Mermaid sequence diagram: a message is an arrow from its send to its
// delivery (a cross when it is lost), everything else a note over its node.
void print_mermaid(const Trace& tr, const std::string& gid, std::ostream& out) {
  std::map<uint64_t, std::string> msg_type = message_types(tr);
  std::vector<const TraceEvent*> steps = chain(tr, gid);
  if (steps.empty()) throw InputError("--gid: no event of transaction '" + gid + "' in the trace");
  out << "sequenceDiagram\n";
  std::set<std::string> declared;
  for (const TraceEvent* e : steps) {
    for (const std::string& n : {e->node, e->peer}) {
      if (n.empty() || !declared.insert(n).second) continue;
      out << "  participant " << mermaid_id(n) << " as " << mermaid_text(n) << "\n";
    }
  }
  for (const TraceEvent* e : steps) {
    std::string at = ms(e->t_us) + " ";
    if (e->kind == "send") continue;  // drawn at its delivery or loss
    if (e->kind == "deliver" || e->kind == "drop") {
      const char* arrow = e->kind == "deliver" ? "->>" : "-x";
      out << "  " << mermaid_id(e->peer) << arrow << mermaid_id(e->node) << ": "
          << mermaid_text(at + msg_type[e->msg] + (e->kind == "drop" ? " (lost)" : "")) << "\n";
      continue;
    }
    out << "  Note over " << mermaid_id(e->node) << ": " << mermaid_text(at + tell(*e, msg_type))
        << "\n";
  }
  for (const auto& v : tr.violations)
    if (v.gid == gid && !steps.empty())
      out << "  Note over " << mermaid_id(steps.back()->node) << ": "
          << mermaid_text("VIOLATED " + v.invariant + ": " + v.message) << "\n";
}

void print_story(const Trace& tr, const std::string& gid, size_t max_steps, std::ostream& out) {
  std::map<uint64_t, std::string> msg_type = message_types(tr);
  std::set<uint64_t> evidence;
  std::vector<const Violation*> broke;
  for (const auto& v : tr.violations) {
    if (v.gid != gid) continue;
    broke.push_back(&v);
    evidence.insert(v.events.begin(), v.events.end());
  }
  std::vector<const TraceEvent*> steps = chain(tr, gid);
  if (steps.empty()) throw InputError("--gid: no event of transaction '" + gid + "' in the trace");
  out << "Story of " << gid << " (" << tr.header.value("scenario", "") << ", "
      << tr.header.value("pattern", "") << ":" << tr.header.value("variant", "") << ", seed "
      << tr.header.value("seed", 0) << "): " << steps.size() << " steps\n";
  // A long story keeps its faults, state changes, effects and evidence, then its ends.
  std::vector<bool> keep(steps.size(), steps.size() <= max_steps);
  if (steps.size() > max_steps) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const TraceEvent& e = *steps[i];
      auto it = msg_type.find(e.msg);
      bool check_back = e.kind == "checkback" ||
                        (it != msg_type.end() && (it->second.find("check") != std::string::npos ||
                                                  it->second.find("query") != std::string::npos));
      keep[i] = is_fault_kind(e.kind) || e.kind == "gtx" || e.kind == "effect" ||
                e.kind == "drop" || e.kind == "timeout" || e.kind == "db_commit" ||
                e.kind == "db_rollback" || e.kind == "retry" || check_back ||
                evidence.count(e.id) || i < 3 || i + 3 >= steps.size();
    }
  }
  size_t n = 0, skipped = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!keep[i]) {
      ++skipped;
      continue;
    }
    if (skipped) out << "      ... " << skipped << " more steps\n";
    skipped = 0;
    const TraceEvent& e = *steps[i];
    out << "  " << ++n << ". " << ms(e.t_us) << "  " << e.node << ": " << tell(e, msg_type);
    if (evidence.count(e.id)) out << "   <- evidence";
    out << "  [#" << e.id << "]\n";
  }
  if (skipped) out << "      ... " << skipped << " more steps\n";
  if (broke.empty()) {
    out << "=> no invariant broken by " << gid << "\n";
    return;
  }
  for (const Violation* v : broke) out << "=> " << v->invariant << ": " << v->message << "\n";
}

}  // namespace

namespace {

// The whole trace in the Chrome trace-event format that Perfetto (ui.perfetto.dev) and
// chrome://tracing open: a process per node group, a thread per node, local transactions as
// slices, messages as flows from send to delivery, every other event as an instant, and each
// violation as an instant on the node of its last evidence event.
Json perfetto_json(const Trace& tr) {
  Json events = Json::array();
  std::map<std::string, int> pid_of_group, tid_of_node;
  std::map<std::string, std::string> group_of;
  for (const auto& n : tr.header.value("nodes", Json::array())) {
    std::string name = n.value("name", ""), group = n.value("group", "");
    group_of[name] = group;
    if (!pid_of_group.count(group)) {
      int pid = static_cast<int>(pid_of_group.size()) + 1;
      pid_of_group[group] = pid;
      events.push_back(
          {{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", group}}}});
    }
    int tid = static_cast<int>(tid_of_node.size()) + 1;
    tid_of_node[name] = tid;
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", pid_of_group[group]},
                      {"tid", tid},
                      {"args", {{"name", name + " (" + n.value("role", "") + ")"}}}});
  }
  auto where = [&](const std::string& node) {
    if (!tid_of_node.count(node)) {  // a node the header does not list
      tid_of_node[node] = static_cast<int>(tid_of_node.size()) + 1;
      group_of[node] = "other";
      if (!pid_of_group.count("other"))
        pid_of_group["other"] = static_cast<int>(pid_of_group.size()) + 1;
    }
    return std::pair{pid_of_group[group_of[node]], tid_of_node[node]};
  };
  auto us = [](int64_t t) { return static_cast<double>(t); };
  std::map<std::pair<std::string, std::string>, const TraceEvent*> open_txn;  // (node, txn)
  std::map<uint64_t, std::string> msg_type = message_types(tr);
  std::map<uint64_t, const TraceEvent*> by_id;
  std::set<uint64_t> delivered;  // a flow starts only where it also ends
  for (const auto& e : tr.events)
    if (e.kind == "deliver" && e.msg) delivered.insert(e.msg);
  std::set<uint64_t> flowing;  // one flow per message, from its send to its first delivery
  for (const auto& e : tr.events) {
    by_id[e.id] = &e;
    auto [pid, tid] = where(e.node);
    Json base = {{"pid", pid}, {"tid", tid}, {"ts", us(e.t_us)}};
    std::string txn = str(e.detail, "txn");
    if (e.kind == "db_begin") {
      open_txn[{e.node, txn}] = &e;
      continue;
    }
    if ((e.kind == "db_commit" || e.kind == "db_rollback") && open_txn.count({e.node, txn})) {
      const TraceEvent* b = open_txn[{e.node, txn}];
      open_txn.erase({e.node, txn});
      Json x = base;
      x["ph"] = "X";
      x["ts"] = us(b->t_us);
      x["dur"] = us(e.t_us - b->t_us);
      x["name"] = "txn " + txn + (e.kind == "db_commit" ? " committed" : " rolled back");
      x["args"] = {{"gid", b->gid}};
      events.push_back(std::move(x));
      continue;
    }
    if (e.kind == "db_exec" && !e.detail.contains("error")) continue;  // inside the slice
    Json i = base;
    // A message's ends are zero-length slices, so its flow arrow binds to them.
    bool message_end = e.msg && (e.kind == "send" || e.kind == "deliver");
    i["ph"] = message_end ? "X" : "i";
    if (message_end)
      i["dur"] = 0;
    else
      i["s"] = "t";
    i["name"] = e.kind == "send" ? "send " + str(e.detail, "type") : e.kind;
    i["args"] = {{"id", e.id}, {"gid", e.gid}, {"peer", e.peer}, {"detail", e.detail}};
    events.push_back(std::move(i));
    bool flow_start = e.kind == "send" && delivered.count(e.msg) && flowing.insert(e.msg).second;
    bool flow_end = e.kind == "deliver" && flowing.erase(e.msg) > 0;
    if (e.msg && (flow_start || flow_end)) {
      Json f = base;
      f["ph"] = e.kind == "send" ? "s" : "f";
      if (e.kind == "deliver") f["bp"] = "e";
      f["id"] = e.msg;
      f["cat"] = "message";
      f["name"] = msg_type[e.msg];
      events.push_back(std::move(f));
    }
  }
  for (const auto& v : tr.violations) {
    const TraceEvent* last = nullptr;
    for (uint64_t id : v.events)
      if (by_id.count(id)) last = by_id[id];
    if (!last) continue;
    auto [pid, tid] = where(last->node);
    events.push_back({{"pid", pid},
                      {"tid", tid},
                      {"ts", us(last->t_us)},
                      {"ph", "i"},
                      {"s", "p"},
                      {"name", "VIOLATION " + v.invariant + " " + v.gid},
                      {"args", {{"message", v.message}, {"events", v.events}}}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace

int run_explain(const ExplainOptions& o, std::ostream& out) {
  Trace tr = read_trace(o.trace);
  if (!o.perfetto.empty()) {
    std::ofstream f(o.perfetto);
    if (!f) throw InputError(o.perfetto + ": cannot open for writing (--perfetto)");
    f << perfetto_json(tr).dump() << "\n";
    if (!f) throw InputError(o.perfetto + ": write failed (--perfetto)");
    out << "wrote " << o.perfetto << ": open it in ui.perfetto.dev or chrome://tracing\n";
    return 0;
  }
  std::string gid = o.gid;
  if (gid.empty()) {
    std::vector<Finding> findings = group_findings(tr.violations);
    if (findings.empty())
      throw InputError(o.trace + ": no violations in the trace; name a transaction with --gid");
    if (o.finding < 1 || static_cast<size_t>(o.finding) > findings.size())
      throw InputError("--finding: expected a number in [1, " + std::to_string(findings.size()) +
                       "], got " + std::to_string(o.finding));
    const Finding& f = findings[o.finding - 1];
    if (f.example_gid.empty())
      throw InputError("--finding: finding " + std::to_string(o.finding) + " names no transaction");
    gid = f.example_gid;
    if (!o.mermaid) {  // the diagram stays a diagram
      out << "Finding " << o.finding << " of " << findings.size() << ": " << f.gids.size()
          << " transaction" << (f.gids.size() == 1 ? "" : "s") << " break";
      for (const auto& i : f.invariants) out << " " << i;
      out << "; told for " << gid << ".\n";
    }
  }
  if (o.mermaid)
    print_mermaid(tr, gid, out);
  else
    print_story(tr, gid, o.max_steps, out);
  return 0;
}

}  // namespace dtx
