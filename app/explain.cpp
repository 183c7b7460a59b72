// `dtxsim explain TRACE` and `dtxsim export TRACE`: a transaction's story read from a trace
// file, told by the same storyteller the run uses (sim/check/story.hpp), as numbered lines, as
// a Mermaid sequence diagram, or the whole trace in the trace-event format Perfetto opens.
// Without --gid the example transaction of a finding (--finding N, default 1) is told, the
// findings regrouped from the trace's violation lines and events.
#include "app/explain.hpp"

#include "app/output.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "sim/check/findings.hpp"
#include "sim/check/story.hpp"
#include "sim/kernel/trace_file.hpp"
#include "sim/scenario/json_text.hpp"
#include "sim/scenario/reader.hpp"

namespace dtx {

namespace {

struct Trace {
  Json header;
  std::vector<Event> events;
  std::vector<Violation> violations;
  std::vector<const Event*> pointers() const {
    std::vector<const Event*> out;
    for (const auto& e : events) out.push_back(&e);
    return out;
  }
};

// A string field of trace line `n`, "" when absent.
std::string text_field(const Json& j, const char* key, const std::string& path, size_t n) {
  if (!j.contains(key)) return "";
  if (!j[key].is_string())
    throw InputError(path + ":" + std::to_string(n) + ": $." + key + ": expected a string");
  return j[key].get<std::string>();
}

// The header fields the stories and exports read, with the types they read them as.
void check_header(const Json& h, const std::string& path) {
  auto bad = [&](const std::string& at, const char* want) {
    throw InputError(path + ": line 1: $." + at + ": expected " + want);
  };
  for (const char* key : {"scenario", "pattern", "variant"})
    if (h.contains(key) && !h[key].is_string()) bad(key, "a string");
  if (h.contains("seed") && !h["seed"].is_number_unsigned()) bad("seed", "an unsigned integer");
  if (!h.contains("nodes")) return;
  if (!h["nodes"].is_array()) bad("nodes", "an array of nodes");
  for (size_t i = 0; i < h["nodes"].size(); ++i) {
    const Json& n = h["nodes"][i];
    std::string at = "nodes[" + std::to_string(i) + "]";
    if (!n.is_object()) bad(at, "an object {name, role, group}");
    for (const char* key : {"name", "role", "group"})
      if (n.contains(key) && !n[key].is_string()) bad(at + "." + key, "a string");
  }
}

Trace read_trace(const std::string& path) {
  std::string text, why;  // plain or gzip-compressed
  if (!read_trace_file(path, text, why))
    throw InputError(path + ": cannot open the trace (" + why + ")");
  std::istringstream in(std::move(text));
  Trace tr;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::string at = path + ":" + std::to_string(n);
    if (json_too_deep_at(line) != std::string::npos)
      throw InputError(at + ": expected arrays and objects nested at most " +
                       std::to_string(kMaxJsonDepth) + " levels deep");
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object())
      throw InputError(path + ":" + std::to_string(n) + ": expected a JSON object per line");
    if (n == 1) {
      if (text_field(j, "format", path, n) != "dtxsim-trace")
        throw InputError(path + ": line 1: expected a dtxsim trace header");
      check_header(j, path);
      tr.header = std::move(j);
      continue;
    }
    std::string kind = text_field(j, "kind", path, n);
    if (kind == "end") break;
    if (kind == "violation") {
      Violation v;
      v.invariant = text_field(j, "invariant", path, n);
      v.gid = text_field(j, "gid", path, n);
      v.message = text_field(j, "message", path, n);
      if (j.contains("events") && j["events"].is_array())
        for (const auto& e : j["events"])
          if (e.is_number_unsigned()) v.events.push_back(e.get<uint64_t>());
      tr.violations.push_back(std::move(v));
      continue;
    }
    if (!j.contains("id") || !j["id"].is_number_unsigned() || !j.contains("t")) continue;
    Event e;
    if (!kind_from_name(kind, e.kind)) continue;  // a kind of a newer build: not part of stories
    e.id = j["id"].get<uint64_t>();
    // Past 2^63-1 nlohmann keeps the number unsigned; read as int64_t it would turn negative.
    if (!j["t"].is_number_integer() ||
        (j["t"].is_number_unsigned() && j["t"].get<uint64_t>() > INT64_MAX) ||
        j["t"].get<int64_t>() < 0)
      throw InputError(at + ": $.t: expected a time in microseconds in [0, " +
                       std::to_string(INT64_MAX) + "], got " + j["t"].dump());
    e.t_us = j["t"].get<int64_t>();
    e.node = text_field(j, "node", path, n);
    e.gid = text_field(j, "gid", path, n);
    e.peer = text_field(j, "peer", path, n);
    e.msg = j.contains("msg") && j["msg"].is_number_unsigned() ? j["msg"].get<uint64_t>() : 0;
    if (j.contains("detail") && j["detail"].is_object())
      e.detail = Detail::read(e.kind, std::move(j["detail"]));
    tr.events.push_back(std::move(e));
  }
  if (!tr.header.is_object()) throw InputError(path + ": line 1: expected a dtxsim trace header");
  return tr;
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

// The story as a Mermaid sequence diagram: a message is an arrow from its sender to its
// receiver at its delivery (a cross when it is lost), everything else a note over its node;
// the decisive step and the faults are highlighted notes, the violations end it.
void print_mermaid(const Story& story, const Storyteller& teller, size_t max_steps,
                   std::ostream& out) {
  std::vector<bool> keep = steps_kept(story, max_steps);
  out << "sequenceDiagram\n";
  std::set<std::string> declared;
  for (size_t i = 0; i < story.steps.size(); ++i) {
    const StoryStep& st = story.steps[i];
    if (!keep[i]) continue;
    for (const std::string& n : {st.node, st.peer}) {
      if (n.empty() || !declared.insert(n).second) continue;
      out << "  participant " << mermaid_id(n) << " as " << mermaid_text(n) << "\n";
    }
  }
  size_t n = 0;
  for (size_t i = 0; i < story.steps.size(); ++i) {
    const StoryStep& st = story.steps[i];
    if (!keep[i]) continue;
    ++n;
    std::string at = std::to_string(n) + ". " + ms(st.t_us) + " ";
    if (st.kind == Kind::send) continue;  // drawn at its delivery or loss
    const char* rect = st.mark == StepMark::decisive ? "rgb(255, 221, 153)"
                       : st.mark == StepMark::fault  ? "rgb(255, 200, 200)"
                                                     : nullptr;
    if (rect) out << "  rect " << rect << "\n";
    if ((st.kind == Kind::deliver || st.kind == Kind::drop) && !st.peer.empty()) {
      const char* arrow = st.kind == Kind::deliver ? "->>" : "-x";
      out << "  " << mermaid_id(st.peer) << arrow << mermaid_id(st.node) << ": "
          << mermaid_text(at + teller.message_type(st.msg) +
                          (st.kind == Kind::drop ? " (LOST)" : ""))
          << "\n";
    } else {
      out << "  Note over " << mermaid_id(st.node) << ": " << mermaid_text(at + st.text) << "\n";
    }
    if (st.mark == StepMark::decisive)
      out << "  Note over " << mermaid_id(st.node) << ": " << mermaid_text("DECISIVE: " + st.why)
          << "\n";
    if (rect) out << "  end\n";
  }
  if (story.steps.empty()) return;
  for (const auto& [inv, message] : story.broke)
    out << "  Note over " << mermaid_id(story.steps.back().node) << ": "
        << mermaid_text("VIOLATED " + inv + ": " + message) << "\n";
}

}  // namespace

namespace {

// The whole trace in the Chrome trace-event format that Perfetto (ui.perfetto.dev) and
// chrome://tracing open: a process per node group, a thread per node, local transactions as
// slices, messages as flows from send to delivery, every other event as an instant, and each
// violation as an instant on the node of its last evidence event.
Json perfetto_json(const Trace& tr, const Storyteller& teller) {
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
  std::map<std::pair<std::string, std::string>, const Event*> open_txn;  // (node, txn)
  std::map<uint64_t, const Event*> by_id;
  std::set<uint64_t> delivered;  // a flow starts only where it also ends
  for (const auto& e : tr.events)
    if (e.kind == Kind::deliver && e.msg) delivered.insert(e.msg);
  std::set<uint64_t> flowing;  // one flow per message, from its send to its first delivery
  for (const auto& e : tr.events) {
    by_id[e.id] = &e;
    auto [pid, tid] = where(e.node);
    Json base = {{"pid", pid}, {"tid", tid}, {"ts", us(e.t_us)}};
    std::string txn = str(e.detail.json(), "txn");
    if (e.kind == Kind::db_begin) {
      open_txn[{e.node, txn}] = &e;
      continue;
    }
    if ((e.kind == Kind::db_commit || e.kind == Kind::db_rollback) &&
        open_txn.count({e.node, txn})) {
      const Event* b = open_txn[{e.node, txn}];
      open_txn.erase({e.node, txn});
      Json x = base;
      x["ph"] = "X";
      x["ts"] = us(b->t_us);
      x["dur"] = us(e.t_us - b->t_us);
      x["name"] = "txn " + txn + (e.kind == Kind::db_commit ? " committed" : " rolled back");
      x["args"] = {{"gid", b->gid}};
      events.push_back(std::move(x));
      continue;
    }
    if (e.kind == Kind::db_exec && !e.detail.contains("error")) continue;  // inside the slice
    Json i = base;
    // A message's ends are zero-length slices, so its flow arrow binds to them.
    bool message_end = e.msg && (e.kind == Kind::send || e.kind == Kind::deliver);
    i["ph"] = message_end ? "X" : "i";
    if (message_end)
      i["dur"] = 0;
    else
      i["s"] = "t";
    i["name"] = e.kind == Kind::send ? "send " + str(e.detail.json(), "type")
                                     : std::string(kind_name(e.kind));
    i["args"] = {{"id", e.id},
                 {"gid", e.gid},
                 {"peer", e.peer},
                 {"detail", e.detail.is_null() ? Json() : e.detail.json()}};
    events.push_back(std::move(i));
    bool flow_start =
        e.kind == Kind::send && delivered.count(e.msg) && flowing.insert(e.msg).second;
    bool flow_end = e.kind == Kind::deliver && flowing.erase(e.msg) > 0;
    if (e.msg && (flow_start || flow_end)) {
      Json f = base;
      f["ph"] = e.kind == Kind::send ? "s" : "f";
      if (e.kind == Kind::deliver) f["bp"] = "e";
      f["id"] = e.msg;
      f["cat"] = "message";
      f["name"] = teller.message_type(e.msg);
      events.push_back(std::move(f));
    }
  }
  for (const auto& v : tr.violations) {
    const Event* last = nullptr;
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

namespace {

// The transaction to tell: --gid, or the example of finding --finding (announced on `out`
// when `announce`).
Story pick_story(const ExplainOptions& o, const Trace& tr, const Storyteller& teller, bool announce,
                 std::ostream& out) {
  if (!o.gid.empty()) {
    Story s = teller.tell(o.gid, tr.violations);
    if (s.empty()) throw InputError("--gid: no event of transaction '" + o.gid + "' in " + o.trace);
    return s;
  }
  std::vector<Finding> findings = group_findings(tr.violations, &teller);
  if (findings.empty())
    throw InputError(o.trace + ": no violations in the trace; name a transaction with --gid");
  if (o.finding < 1 || static_cast<size_t>(o.finding) > findings.size())
    throw InputError("--finding: expected a number in [1, " + std::to_string(findings.size()) +
                     "], got " + std::to_string(o.finding));
  Finding& f = findings[o.finding - 1];
  if (f.example_gid.empty() || f.story.empty())
    throw InputError("--finding: finding " + std::to_string(o.finding) + " names no transaction");
  if (announce) {
    out << "Finding " << o.finding << " of " << findings.size() << ": " << f.gids.size()
        << " transaction" << (f.gids.size() == 1 ? "" : "s") << " break";
    for (const auto& i : f.invariants) out << " " << i;
    out << "; told for " << f.example_gid << ".\n";
    if (!f.story.cause.empty()) out << "Cause: " << f.story.cause << "\n";
  }
  return std::move(f.story);
}

// Writes to --out, or to `out` when none was given.
void emit(const ExplainOptions& o, const std::string& text, std::ostream& out) {
  if (o.out.empty()) {
    out << text;
    return;
  }
  write_file_checked(o.out, text, "--out");
}

}  // namespace

int run_explain(const ExplainOptions& o, std::ostream& out) {
  Trace tr = read_trace(o.trace);
  Storyteller teller(tr.pointers());
  if (o.format == "perfetto") {
    emit(o, perfetto_json(tr, teller).dump() + "\n", out);
    if (!o.out.empty())
      out << "wrote " << o.out << ": open it in ui.perfetto.dev or chrome://tracing\n";
    return 0;
  }
  if (o.format == "mermaid") {
    Story s = pick_story(o, tr, teller, false, out);
    std::ostringstream text;
    print_mermaid(s, teller, o.max_steps, text);
    emit(o, text.str(), out);
    return 0;
  }
  if (o.format != "story")
    throw InputError("--format: expected story, mermaid or perfetto, got '" + o.format + "'");
  std::ostringstream text;
  Story s = pick_story(o, tr, teller, true, text);
  text << "Story of " << s.gid << " (" << tr.header.value("scenario", "") << ", "
       << tr.header.value("pattern", "") << ":" << tr.header.value("variant", "") << ", seed "
       << tr.header.value("seed", 0) << "): " << s.steps.size() << " steps\n";
  text << story_text(s, o.max_steps);
  emit(o, text.str(), out);
  return 0;
}

}  // namespace dtx
