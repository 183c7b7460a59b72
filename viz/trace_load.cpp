// Trace loading: splits the file into lines, parses event lines with a SAX handler (no DOM, so a
// million lines load in about a second) and the rare header and trailer lines with a DOM.
// Guarantees: never throws on bad input; every skipped or suspicious line becomes a LoadIssue.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include <zlib.h>

#include "trace_line.hpp"
#include "trace_loader.hpp"

namespace dtxview {

using Json = nlohmann::json;

namespace {
constexpr size_t kMaxIssues = 200;  // beyond this only a count, so a garbage file stays usable
}  // namespace
void TraceLoader::issue(uint32_t line, std::string what) {
  if (m_.issues_.size() < kMaxIssues) {
    m_.issues_.push_back({line, std::move(what)});
  } else {
    ++dropped_issues_;
  }
}

void TraceLoader::load(std::string text) {
  m_.text_ = std::move(text);
  std::string_view all = m_.text_;
  LineSax sax;
  uint64_t hash = kTraceHashSeed;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    bool has_newline = nl != std::string_view::npos;
    size_t end = has_newline ? nl : all.size();
    std::string_view line = all.substr(pos, end - pos);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool hashed = parse_line(sax, line, pos, line_no, has_newline);
    if (hashed && !seen_end_) hash = trace_hash_line(hash, all.substr(pos, end - pos));
    pos = end + 1;
  }
  finish(hash, line_no);
}

// Returns true when the line counts toward trace_hash (header and events).
bool TraceLoader::parse_line(LineSax& sax, std::string_view line, size_t offset, uint32_t line_no,
                             bool has_newline) {
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    if (has_newline) issue(line_no, "empty line skipped");
    return false;
  }
  if (seen_end_) {
    issue(line_no, "content after the end line ignored");
    return false;
  }
  bool first = !seen_content_;
  seen_content_ = true;
  sax.reset();
  bool ok = Json::sax_parse(line.begin(), line.end(), &sax);
  if (!ok || !sax.raw.is_object) {
    std::string why = !ok ? sax.error : "line is not a JSON object";
    if (!has_newline) why = "truncated last line (" + why + ")";
    issue(line_no, "bad JSON, line skipped: " + why);
    if (first)
      issue(line_no, "missing header: first line must be {\"format\":\"dtxsim-trace\",...}");
    return false;
  }
  const RawLine& raw = sax.raw;
  if (first) {
    if (!raw.has_kind) {
      parse_header(line, line_no);
      return true;
    }
    issue(line_no, "missing header: first line is an event; lanes come from events");
  }
  if (raw.kind == "violation" && !raw.has_id) {
    parse_trailer(line, line_no, false);
    return false;
  }
  if (raw.kind == "finding" && !raw.has_id) {
    parse_finding(line, line_no);
    return false;
  }
  if (raw.kind == "end" && !raw.has_id) {
    parse_trailer(line, line_no, true);
    return false;
  }
  if (!raw.type_error.empty()) {
    issue(line_no, "event skipped: " + raw.type_error);
    return false;
  }
  if (!raw.has_id || !raw.has_t || !raw.has_node || !raw.has_kind) {
    std::string missing;
    for (auto [has, name] : {std::pair{raw.has_id, "id"},
                             {raw.has_t, "t"},
                             {raw.has_node, "node"},
                             {raw.has_kind, "kind"}})
      if (!has) missing += std::string(missing.empty() ? "'" : ", '") + name + "'";
    issue(line_no, "event skipped: missing " + missing);
    return false;
  }
  add_event(raw, line, offset, line_no);
  return true;
}

void TraceLoader::parse_header(std::string_view line, uint32_t line_no) {
  Json h = Json::parse(line, nullptr, false);
  if (h.value("format", "") != "dtxsim-trace") {
    issue(line_no, "header lacks \"format\":\"dtxsim-trace\"; reading it anyway");
  }
  if (h.contains("version") && h["version"] != 1) {
    issue(line_no, "header version " + h["version"].dump() + " is not 1; reading it anyway");
  }
  auto str = [&](const char* k) {
    return h.contains(k) && h[k].is_string() ? h[k].get<std::string>() : "";
  };
  m_.header_.present = true;
  m_.header_.scenario = str("scenario");
  m_.header_.pattern = str("pattern");
  m_.header_.variant = str("variant");
  m_.header_.build = str("build");
  if (h.contains("seed") && h["seed"].is_number_unsigned())
    m_.header_.seed = h["seed"].get<uint64_t>();
  if (!h.contains("nodes") || !h["nodes"].is_array()) {
    issue(line_no, "header has no \"nodes\" list; lanes come from events");
    return;
  }
  for (const Json& n : h["nodes"]) {
    if (!n.is_object() || !n.contains("name") || !n["name"].is_string()) {
      issue(line_no, "header node without a name skipped: " + n.dump());
      continue;
    }
    std::string role =
        n.contains("role") && n["role"].is_string() ? n["role"].get<std::string>() : "";
    std::string group =
        n.contains("group") && n["group"].is_string() ? n["group"].get<std::string>() : "";
    add_node(n["name"].get<std::string>(), role, group.empty() ? "(ungrouped)" : group, true);
  }
}

void TraceLoader::parse_trailer(std::string_view line, uint32_t line_no, bool is_end) {
  Json j = Json::parse(line, nullptr, false);
  if (is_end) {
    seen_end_ = true;
    m_.has_end_ = true;
    if (j.contains("events") && j["events"].is_number_unsigned())
      end_events_ = j["events"].get<uint64_t>();
    if (j.contains("trace_hash") && j["trace_hash"].is_string())
      end_hash_ = j["trace_hash"].get<std::string>();
    if (j.contains("t_end") && j["t_end"].is_number_integer())
      end_t_us_ = j["t_end"].get<int64_t>();
    end_filtered_ = j.contains("filter");
    end_line_ = line_no;
    return;
  }
  PendingViolation v;
  v.line = line_no;
  auto str = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
  };
  v.v.invariant = str("invariant");
  v.v.gid_text = str("gid");
  v.v.message = str("message");
  if (j.contains("events") && j["events"].is_array()) {
    for (const Json& id : j["events"])
      if (id.is_number_unsigned()) v.ids.push_back(id.get<uint64_t>());
  }
  v.v.line = line_no;
  violations_.push_back(std::move(v));
}

namespace {

std::string str_field(const Json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

std::vector<std::string> str_list(const Json& j, const char* k) {
  std::vector<std::string> out;
  if (j.contains(k) && j[k].is_array())
    for (const Json& v : j[k])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

StepMark step_mark(const std::string& s) {
  if (s == "decisive") return StepMark::decisive;
  if (s == "fault") return StepMark::fault;
  if (s == "evidence") return StepMark::evidence;
  return StepMark::none;
}

}  // namespace

// A finding line (TRACE_FORMAT.md, "Trailer lines"); fields of the wrong type read as absent,
// steps without an integer id are skipped with an issue.
void TraceLoader::parse_finding(std::string_view line, uint32_t line_no) {
  Json j = Json::parse(line, nullptr, false);
  PendingFinding pf;
  pf.line = line_no;
  Finding& f = pf.f;
  f.line = line_no;
  f.n = j.contains("n") && j["n"].is_number_unsigned()
            ? static_cast<uint32_t>(j["n"].get<uint64_t>())
            : static_cast<uint32_t>(findings_.size() + 1);
  f.invariants = str_list(j, "invariants");
  f.count = j.contains("count") && j["count"].is_number_unsigned() ? j["count"].get<uint64_t>() : 0;
  f.gid_text = str_field(j, "gid");
  f.gids = str_list(j, "gids");
  f.cause = str_field(j, "cause");
  f.signature = str_field(j, "signature");
  size_t skipped = 0;
  if (j.contains("steps") && j["steps"].is_array()) {
    for (const Json& st : j["steps"]) {
      if (!st.is_object() || !st.contains("id") || !st["id"].is_number_unsigned()) {
        ++skipped;
        continue;
      }
      FindingStep step;
      step.id = st["id"].get<uint64_t>();
      step.t_us = st.contains("t") && st["t"].is_number_integer() ? st["t"].get<int64_t>() : -1;
      step.node = str_field(st, "node");
      step.text = str_field(st, "text");
      step.mark = step_mark(str_field(st, "mark"));
      f.steps.push_back(std::move(step));
    }
  } else {
    issue(line_no, "finding " + std::to_string(f.n) + " has no \"steps\" list");
  }
  if (skipped > 0)
    issue(line_no, "finding " + std::to_string(f.n) + ": " + std::to_string(skipped) +
                       " steps without an integer id skipped");
  findings_.push_back(std::move(pf));
}

// A send and its deliver name the same type, so the last one answers most lookups.
uint16_t TraceLoader::msg_type_of(const std::string& type) {
  if (last_type_ != kNoType && m_.msg_types_[last_type_] == type) return last_type_;
  auto [it, fresh] = type_of_.try_emplace(type, static_cast<uint16_t>(m_.msg_types_.size()));
  if (fresh && m_.msg_types_.size() < kNoType) m_.msg_types_.push_back(type);
  last_type_ = it->second < m_.msg_types_.size() ? it->second : kNoType;
  return last_type_;
}

uint16_t TraceLoader::add_node(const std::string& name, const std::string& role,
                               const std::string& group, bool declared) {
  auto [it, fresh] = lane_of_.try_emplace(name, static_cast<uint16_t>(m_.nodes_.size()));
  if (!fresh) return it->second;
  auto [g, new_group] = group_of_.try_emplace(group, static_cast<uint32_t>(m_.groups_.size()));
  if (new_group) m_.groups_.push_back(Group{group, {}, {}});
  m_.groups_[g->second].lanes.push_back(it->second);
  m_.nodes_.push_back(Node{name, role, group, g->second, declared});
  return it->second;
}

uint16_t TraceLoader::lane_for(const std::string& name, uint32_t line_no) {
  auto it = lane_of_.find(name);
  if (it != lane_of_.end()) return it->second;
  issue(line_no, "node '" + name + "' is not in the header; given its own lane");
  return add_node(name, "unknown", "(undeclared)", false);
}

void TraceLoader::add_event(const RawLine& raw, std::string_view line, size_t offset,
                            uint32_t line_no) {
  Event e;
  e.id = raw.id;
  e.t_us = raw.t_us;
  e.msg = raw.msg;
  e.text_offset = offset;
  e.text_len = static_cast<uint32_t>(line.size());
  e.line = line_no;
  auto [d_off, d_len] = find_detail(line);
  e.detail_offset = d_off, e.detail_len = d_len;
  e.lane = lane_for(raw.node, line_no);
  if (!raw.peer.empty()) e.peer = lane_for(raw.peer, line_no);
  auto [k, fresh_kind] =
      kind_of_.try_emplace(raw.kind, static_cast<uint16_t>(m_.kind_names_.size()));
  if (fresh_kind) m_.kind_names_.push_back(raw.kind);
  e.kind_name = k->second;
  e.kind = kind_from_name(raw.kind);
  if (!raw.gid.empty()) {
    auto [g, fresh_gid] = gid_of_.try_emplace(raw.gid, static_cast<uint32_t>(m_.gid_names_.size()));
    if (fresh_gid) m_.gid_names_.push_back(raw.gid);
    e.gid = g->second;
  }
  if (!raw.type.empty()) e.msg_type = msg_type_of(raw.type);
  if (events_read_ > 0) {
    const Event& prev = m_.events_.back();
    if (e.t_us < prev.t_us && !unsorted_) {
      unsorted_ = true;
      issue(line_no, "time goes backwards (" + std::to_string(e.t_us) + " < " +
                         std::to_string(prev.t_us) + "); events re-sorted by time");
    }
    if (e.id != prev.id + 1 && !ids_gapped_) {
      ids_gapped_ = true;
      issue(line_no, "event ids not dense (" + std::to_string(prev.id) + " then " +
                         std::to_string(e.id) + ")");
    }
  } else if (e.id != 0) {
    ids_gapped_ = true;
  }
  if (!raw.txn.empty() || !raw.name.empty() || !raw.cut.empty()) {
    aux_of_.push_back(static_cast<uint32_t>(aux_.size()));
    aux_.push_back(EventAux{raw.txn, raw.name, raw.cut});
  } else {
    aux_of_.push_back(kNone);
  }
  m_.events_.push_back(e);
  ++events_read_;
}

void TraceLoader::finish(uint64_t hash, uint32_t last_line) {
  if (!m_.has_end_) {
    issue(last_line + 1, "missing end line: the trace is truncated; showing the " +
                             std::to_string(events_read_) + " events read");
  } else if (end_filtered_) {  // a filtered file holds some events: gaps are expected
    std::erase_if(m_.issues_,
                  [](const LoadIssue& i) { return i.what.rfind("event ids not dense", 0) == 0; });
  } else {
    if (end_events_ && *end_events_ != events_read_)
      issue(end_line_, "end line says " + std::to_string(*end_events_) + " events, read " +
                           std::to_string(events_read_));
    // Only worth saying when nothing else explains it: skipped lines change the hash too.
    if (m_.issues_.empty() && !end_hash_.empty() &&
        std::strtoull(end_hash_.c_str(), nullptr, 16) != hash)
      issue(end_line_, "trace_hash mismatch: the file was edited or damaged");
  }
  if (dropped_issues_ > 0)
    m_.issues_.push_back({0, "... and " + std::to_string(dropped_issues_) + " more problems"});
  m_.readable_ = m_.header_.present || events_read_ > 0;
}

TraceModel TraceModel::load_text(std::string text, std::string source_name) {
  TraceModel m;
  m.source_ = std::move(source_name);
  TraceLoader loader(m);
  loader.load(std::move(text));
  TraceIndexer(m, loader).build();
  return m;
}

TraceModel TraceModel::load_file(const std::string& path) {
  auto unreadable = [&](std::string why) {
    TraceModel m;
    m.source_ = path;
    m.issues_.push_back({0, "cannot read '" + path + "': " + std::move(why)});
    return m;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unreadable("it is a directory");
  // gzread reads a plain file unchanged and a gzip-compressed one (dtxsim run --trace X.gz)
  // decompressed.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return unreadable(std::strerror(errno ? errno : ENOENT));
  gzbuffer(f, 1 << 17);
  std::string text;
  std::vector<char> buf(1 << 16);
  int n;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
    text.append(buf.data(), static_cast<size_t>(n));
  int code = Z_OK;
  std::string why = n < 0 ? gzerror(f, &code) : "";
  gzclose(f);
  // A cut-off compressed file shows what it holds (the missing end line is reported).
  if (n < 0 && !(code == Z_BUF_ERROR && !text.empty())) return unreadable("read failed: " + why);
  return load_text(std::move(text), path);
}

}  // namespace dtxview
