// Trace loading: splits the file into lines, parses event lines with a SAX handler (no DOM, so a
// million lines load in about a second) and the rare header and trailer lines with a DOM.
// Guarantees: never throws on bad input; every skipped or suspicious line becomes a LoadIssue.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "trace_loader.hpp"

namespace dtxview {

using Json = nlohmann::json;

namespace {
constexpr size_t kMaxIssues = 200;  // beyond this only a count, so a garbage file stays usable
}  // namespace

namespace load_detail {

// The fields of one line the indexer needs; detail fields are kept only where pairing uses them.
struct RawLine {
  bool has_id = false, has_t = false, has_node = false, has_kind = false;
  uint64_t id = 0;
  int64_t t_us = 0;
  uint64_t msg = kNoMsg;
  std::string node, kind, gid, peer;
  std::string txn, name;  // detail.txn (number or string), detail.name
  std::vector<std::pair<std::string, std::string>> cut;
  bool is_object = false;
  std::string type_error;

  void reset() {
    has_id = has_t = has_node = has_kind = is_object = false;
    msg = kNoMsg;
    node.clear(), kind.clear(), gid.clear(), peer.clear(), txn.clear(), name.clear();
    cut.clear();
    type_error.clear();
  }
};

enum class Key : uint8_t { none, id, t, node, kind, gid, msg, peer, detail, txn, name, cut };

Key top_key(const std::string& k) {
  static const std::unordered_map<std::string, Key> keys = {
      {"id", Key::id},     {"t", Key::t},     {"node", Key::node}, {"kind", Key::kind},
      {"gid", Key::gid},   {"msg", Key::msg}, {"peer", Key::peer}, {"detail", Key::detail}};
  auto it = keys.find(k);
  return it == keys.end() ? Key::none : it->second;
}

Key detail_key(const std::string& k) {
  if (k == "txn") return Key::txn;
  if (k == "name") return Key::name;
  if (k == "cut") return Key::cut;
  return Key::none;
}

// Tracks the container path only as deep as the fields we keep: top, detail, cut, cut pair.
class LineSax : public nlohmann::json_sax<Json> {
 public:
  RawLine raw;
  std::string error;

  void reset() {
    raw.reset();
    error.clear();
    stack_.clear();
    key_ = Key::none;
  }
  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t v) override { return integer(v, v >= 0); }
  bool number_unsigned(number_unsigned_t v) override {
    return integer(static_cast<int64_t>(v), true);
  }
  bool number_float(number_float_t, const string_t&) override {
    if (at_top() && (key_ == Key::id || key_ == Key::t || key_ == Key::msg))
      raw.type_error = "field is not an integer";
    return scalar();
  }
  bool string(string_t& s) override {
    if (at_top()) {
      switch (key_) {
        case Key::node: raw.node = std::move(s), raw.has_node = true; break;
        case Key::kind: raw.kind = std::move(s), raw.has_kind = true; break;
        case Key::gid: raw.gid = std::move(s); break;
        case Key::peer: raw.peer = std::move(s); break;
        case Key::id: case Key::t: case Key::msg: raw.type_error = "field is a string"; break;
        default: break;
      }
    } else if (in_detail()) {
      if (key_ == Key::txn) raw.txn = std::move(s);
      if (key_ == Key::name) raw.name = std::move(s);
    } else if (in_cut_pair()) {
      auto& pair = raw.cut.back();
      (pair.first.empty() ? pair.first : pair.second) = std::move(s);
    }
    return scalar();
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override {
    if (stack_.empty()) raw.is_object = true;
    stack_.push_back(key_);
    key_ = Key::none;
    return true;
  }
  bool key(string_t& k) override {
    key_ = at_top() ? top_key(k) : (in_detail() ? detail_key(k) : Key::none);
    return true;
  }
  bool end_object() override { return pop(); }
  bool start_array(std::size_t) override {
    if (in_cut()) raw.cut.emplace_back();
    stack_.push_back(key_);
    key_ = Key::none;
    return true;
  }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& e) override {
    error = "column " + std::to_string(pos) + ": " + strip_prefix(e.what());
    return false;
  }

 private:
  bool at_top() const { return stack_.size() == 1; }
  bool in_detail() const { return stack_.size() == 2 && stack_[1] == Key::detail; }
  bool in_cut() const { return stack_.size() == 3 && stack_[1] == Key::detail && stack_[2] == Key::cut; }
  bool in_cut_pair() const { return stack_.size() == 4 && stack_[2] == Key::cut; }
  bool scalar() {
    if (stack_.size() <= 2) key_ = Key::none;
    return true;
  }
  bool pop() {
    key_ = Key::none;
    stack_.pop_back();
    return true;
  }
  bool integer(int64_t v, bool non_negative) {
    if (at_top()) {
      if (key_ == Key::id && non_negative) raw.id = static_cast<uint64_t>(v), raw.has_id = true;
      if (key_ == Key::id && !non_negative) raw.type_error = "'id' is negative";
      if (key_ == Key::t) raw.t_us = v, raw.has_t = true;
      if (key_ == Key::msg) raw.msg = static_cast<uint64_t>(v);
    } else if (in_detail() && key_ == Key::txn) {
      raw.txn = std::to_string(v);
    }
    return scalar();
  }
  static std::string strip_prefix(const char* what) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> tail
    std::string s = what;
    auto colon = s.find(": ");
    return colon == std::string::npos ? s : s.substr(colon + 2);
  }

  std::vector<Key> stack_;
  Key key_ = Key::none;
};

}  // namespace load_detail

namespace {

// Byte range of the top-level "detail" object inside a parsed line. The writer emits detail
// last, and `"detail"` followed by ':' can only be a key (quotes inside strings are escaped).
std::pair<uint32_t, uint32_t> find_detail(std::string_view line) {
  size_t at = 0;
  while ((at = line.find("\"detail\"", at)) != std::string_view::npos) {
    size_t p = at + 8;
    while (p < line.size() && line[p] == ' ') ++p;
    if (p < line.size() && line[p] == ':') {
      ++p;
      while (p < line.size() && line[p] == ' ') ++p;
      if (p >= line.size() || line[p] != '{') return {0, 0};
      int depth = 0;
      bool in_string = false;
      for (size_t q = p; q < line.size(); ++q) {
        char c = line[q];
        if (in_string) {
          if (c == '\\') ++q;
          else if (c == '"') in_string = false;
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{') {
          ++depth;
        } else if (c == '}' && --depth == 0) {
          return {static_cast<uint32_t>(p), static_cast<uint32_t>(q + 1 - p)};
        }
      }
      return {0, 0};
    }
    at = p;
  }
  return {0, 0};
}

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) h = (h ^ c) * kFnvPrime;
  return h;
}

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
  uint64_t hash = kFnvOffset;
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
    if (hashed && !seen_end_) hash = fnv1a(all.substr(pos, end - pos + (has_newline ? 1 : 0)), hash);
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
    if (first) issue(line_no, "missing header: first line must be {\"format\":\"dtxsim-trace\",...}");
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
    for (auto [has, name] : {std::pair{raw.has_id, "id"}, {raw.has_t, "t"}, {raw.has_node, "node"},
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
  auto str = [&](const char* k) { return h.contains(k) && h[k].is_string() ? h[k].get<std::string>() : ""; };
  m_.header_.present = true;
  m_.header_.scenario = str("scenario");
  m_.header_.pattern = str("pattern");
  m_.header_.variant = str("variant");
  m_.header_.build = str("build");
  if (h.contains("seed") && h["seed"].is_number_unsigned()) m_.header_.seed = h["seed"].get<uint64_t>();
  if (!h.contains("nodes") || !h["nodes"].is_array()) {
    issue(line_no, "header has no \"nodes\" list; lanes come from events");
    return;
  }
  for (const Json& n : h["nodes"]) {
    if (!n.is_object() || !n.contains("name") || !n["name"].is_string()) {
      issue(line_no, "header node without a name skipped: " + n.dump());
      continue;
    }
    std::string role = n.contains("role") && n["role"].is_string() ? n["role"].get<std::string>() : "";
    std::string group = n.contains("group") && n["group"].is_string() ? n["group"].get<std::string>() : "";
    add_node(n["name"].get<std::string>(), role, group.empty() ? "(ungrouped)" : group, true);
  }
}

void TraceLoader::parse_trailer(std::string_view line, uint32_t line_no, bool is_end) {
  Json j = Json::parse(line, nullptr, false);
  if (is_end) {
    seen_end_ = true;
    m_.has_end_ = true;
    if (j.contains("events") && j["events"].is_number_unsigned()) end_events_ = j["events"].get<uint64_t>();
    if (j.contains("trace_hash") && j["trace_hash"].is_string()) end_hash_ = j["trace_hash"].get<std::string>();
    if (j.contains("t_end") && j["t_end"].is_number_integer()) end_t_us_ = j["t_end"].get<int64_t>();
    end_line_ = line_no;
    return;
  }
  PendingViolation v;
  v.line = line_no;
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
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

void TraceLoader::add_event(const RawLine& raw, std::string_view line, size_t offset, uint32_t line_no) {
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
  auto [k, fresh_kind] = kind_of_.try_emplace(raw.kind, static_cast<uint16_t>(m_.kind_names_.size()));
  if (fresh_kind) m_.kind_names_.push_back(raw.kind);
  e.kind_name = k->second;
  e.kind = kind_from_name(raw.kind);
  if (!raw.gid.empty()) {
    auto [g, fresh_gid] = gid_of_.try_emplace(raw.gid, static_cast<uint32_t>(m_.gid_names_.size()));
    if (fresh_gid) m_.gid_names_.push_back(raw.gid);
    e.gid = g->second;
  }
  if (events_read_ > 0) {
    const Event& prev = m_.events_.back();
    if (e.t_us < prev.t_us && !unsorted_) {
      unsorted_ = true;
      issue(line_no, "time goes backwards (" + std::to_string(e.t_us) + " < " +
                         std::to_string(prev.t_us) + "); events re-sorted by time");
    }
    if (e.id != prev.id + 1 && !ids_gapped_) {
      ids_gapped_ = true;
      issue(line_no, "event ids not dense (" + std::to_string(prev.id) + " then " + std::to_string(e.id) + ")");
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
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return unreadable(std::strerror(errno));
  std::streamoff size = in.tellg();
  if (size < 0) return unreadable("cannot tell its size");
  std::string text(static_cast<size_t>(size), '\0');
  in.seekg(0);
  in.read(text.data(), size);
  if (!in) return unreadable("read failed");
  return load_text(std::move(text), path);
}

}  // namespace dtxview
