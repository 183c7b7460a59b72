// Event serialisation by hand (fixed key order, no locale) so the trace is byte-stable.
#include "sim/kernel/history.hpp"

#include <cinttypes>

#include "sim/kernel/random.hpp"

#ifndef DTXSIM_BUILD_ID
#define DTXSIM_BUILD_ID "dev"
#endif

namespace dtx {

namespace {
constexpr std::string_view kKindNames[] = {
#define DTX_X(name) #name,
    DTX_EVENT_KINDS(DTX_X)
#undef DTX_X
};
}  // namespace

std::string_view kind_name(Kind k) {
  return kKindNames[static_cast<size_t>(k)];
}

bool kind_from_name(std::string_view name, Kind& out) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == name) {
      out = static_cast<Kind>(i);
      return true;
    }
  }
  return false;
}

std::string build_id() {
  return DTXSIM_BUILD_ID;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

namespace {

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

// Appends `j` exactly as nlohmann's compact dump would (keys in map order), without the
// serializer's temporary strings. Non-ASCII strings and floats go through nlohmann itself.
void append_json(std::string& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, it.key());
        out.push_back(':');
        append_json(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array: {
      out.push_back('[');
      for (size_t i = 0; i < j.size(); ++i) {
        if (i) out.push_back(',');
        append_json(out, j[i]);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (ascii(s)) {
        append_json_string(out, s);
      } else {
        out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      }
      return;
    }
    case Json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      return;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::null:
      out += "null";
      return;
    default:
      out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
  }
}

std::string event_to_line(const Event& e, std::string_view detail_text) {
  std::string line;
  line.reserve(160);
  line += "{\"id\":";
  line += std::to_string(e.id);
  line += ",\"t\":";
  line += std::to_string(e.t_us);
  line += ",\"node\":";
  append_json_string(line, e.node);
  line += ",\"kind\":\"";
  line += kind_name(e.kind);
  line += '"';
  if (!e.gid.empty()) {
    line += ",\"gid\":";
    append_json_string(line, e.gid);
  }
  if (e.msg != 0) {
    line += ",\"msg\":";
    line += std::to_string(e.msg);
  }
  if (!e.peer.empty()) {
    line += ",\"peer\":";
    append_json_string(line, e.peer);
  }
  if (!detail_text.empty()) {
    line += ",\"detail\":";
    line += detail_text;
  } else if (!e.detail.is_null()) {
    line += ",\"detail\":";
    append_json(line, e.detail);
  }
  line += '}';
  return line;
}

History::~History() {
  if (file_) std::fclose(file_);
}

bool History::open_trace(const std::string& path, std::string& error) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) {
    error = "cannot open trace file '" + path + "' for writing";
    return false;
  }
  return true;
}

void History::emit_line(const std::string& line) {
  hash_ = fnv1a64(line, hash_);
  hash_ = fnv1a64("\n", hash_);
  if (file_) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
}

void History::write_header(const TraceHeader& h) {
  // ordered_json keeps the documented key order (format first) in the header line.
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (const auto& n : h.nodes) {
    nlohmann::ordered_json node;
    node["name"] = n.name;
    node["role"] = n.role;
    node["group"] = n.group;
    nodes.push_back(std::move(node));
  }
  nlohmann::ordered_json header;
  header["format"] = "dtxsim-trace";
  header["version"] = 1;
  header["scenario"] = h.scenario;
  header["pattern"] = h.pattern;
  header["variant"] = h.variant;
  header["seed"] = h.seed;
  header["build"] = h.build;
  header["nodes"] = std::move(nodes);
  emit_line(header.dump());
}

const Event& History::record(Event e) {
  e.id = next_id_++;
  emit_line(event_to_line(e));
  if (!keep_) {
    events_.clear();
  }
  events_.push_back(std::move(e));
  return events_.back();
}

const Event& History::record(TimeUs t_us, std::string_view node, Kind kind, std::string_view gid,
                             Json detail, uint64_t msg, std::string_view peer) {
  Event e;
  e.t_us = t_us;
  e.node = node;
  e.kind = kind;
  e.gid = gid;
  e.msg = msg;
  e.peer = peer;
  e.detail = std::move(detail);
  return record(std::move(e));
}

void History::record_traced_detail(TimeUs t_us, std::string_view node, Kind kind,
                                   std::string_view gid, std::string_view detail_text) {
  Event e;
  e.id = next_id_++;
  e.t_us = t_us;
  e.node = node;
  e.kind = kind;
  e.gid = gid;
  emit_line(event_to_line(e, detail_text));
  if (!keep_) events_.clear();
  events_.push_back(std::move(e));
}

std::string History::trace_hash_hex() const {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, hash_);
  return buf;
}

void History::finish(const std::vector<Json>& violations, TimeUs t_end_us) {
  if (!file_) return;
  for (const auto& v : violations) {
    Json line = {{"kind", "violation"}};
    for (auto it = v.begin(); it != v.end(); ++it) line[it.key()] = it.value();
    std::string s = line.dump();
    std::fwrite(s.data(), 1, s.size(), file_);
    std::fputc('\n', file_);
  }
  Json end = {
      {"kind", "end"}, {"events", next_id_}, {"trace_hash", trace_hash_hex()}, {"t_end", t_end_us}};
  std::string s = end.dump();
  std::fwrite(s.data(), 1, s.size(), file_);
  std::fputc('\n', file_);
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace dtx
