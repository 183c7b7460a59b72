// Reader accessors: each either checks the value at the current JSON path or, in schema
// mode, records the field's JSON Schema. A check that fails records its error and returns
// the field's default, so reading goes on and finds the file's other errors.
#include "sim/scenario/reader.hpp"

#include <algorithm>
#include <cmath>

namespace dtx {

namespace {
std::string show(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string one_of(const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return "one of " + list;
}

bool in(const std::vector<std::string>& allowed, const std::string& s) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

// `inner` is `outer` or a value inside it.
bool within(const std::string& inner, const std::string& outer) {
  if (outer.empty() || inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
}
}  // namespace

void InputErrors::add(const std::string& file, const std::string& path, const std::string& what) {
  errors_.push_back({path, file + ": " + path + ": " + what});
}

void InputErrors::add_message(const std::string& message) {
  errors_.push_back({"", message});
}

bool InputErrors::touches(const std::string& path) const {
  for (const auto& e : errors_)
    if (within(e.path, path) || within(path, e.path)) return true;
  return false;
}

std::string InputErrors::text() const {
  std::string out;
  for (const auto& e : errors_) out += (out.empty() ? "" : "\n") + e.message;
  return out;
}

void InputErrors::raise() const {
  if (!errors_.empty()) throw InputError(text());
}

Reader::Reader(const Json& value, std::string file, std::string path, InputErrors& errors)
    : value_(&value), errors_(&errors), file_(std::move(file)), path_(std::move(path)) {}

Reader Reader::unreadable(const std::string& key) const {
  Reader r;
  r.file_ = file_;
  r.path_ = path_of(key);
  r.errors_ = errors_;
  return r;
}

Reader Reader::schema_mode(Json& schema, std::string description) {
  Reader r;
  r.schema_ = &schema;
  schema["type"] = "object";
  schema["description"] = std::move(description);
  return r;
}

std::string Reader::path_of(const std::string& key) const {
  if (!key.empty() && key[0] == '[') return path_ + key;
  return path_ + "." + key;
}

void Reader::fail(const std::string& key, const std::string& expected) const {
  if (!value_) return;  // unreadable: the reason is already recorded
  // Schema mode never validates; a reader built without a sink has nowhere to report.
  if (!errors_) throw InputError(file_ + ": " + path_of(key) + ": expected " + expected);
  std::string got;
  if (value_->is_object()) {
    auto it = value_->find(key);
    if (it != value_->end()) got = ", got " + show(*it);
  }
  errors_->add(file_, path_of(key), "expected " + expected + got);
}

bool Reader::has(const char* key) const {
  return value_ && value_->is_object() && value_->contains(key);
}

const Json* Reader::lookup(const char* key) {
  seen_.push_back(key);
  if (!value_ || !value_->is_object()) return nullptr;
  auto it = value_->find(key);
  // A null is a value of the wrong type, not an absent key: taking the default in its place
  // would run something other than what the file says.
  if (it == value_->end()) return nullptr;
  return &*it;
}

Json& Reader::prop(const char* key, const char* doc, bool required) {
  seen_.push_back(key);
  Json& p = (*schema_)["properties"][key];
  p["description"] = doc;
  if (required) (*schema_)["required"].push_back(key);
  return p;
}

std::string Reader::string(const char* key, const std::string& def, bool required, const char* doc,
                           const std::vector<std::string>& allowed) {
  return text(key, def, required, doc, allowed, kMaxTextChars);
}

std::string Reader::name(const char* key, const std::string& def, bool required, const char* doc) {
  return text(key, def, required, doc, {}, kMaxNameChars);
}

std::string Reader::text(const char* key, const std::string& def, bool required, const char* doc,
                         const std::vector<std::string>& allowed, size_t max_chars) {
  if (schema_) {
    Json& p = prop(key, doc, required);
    p["type"] = "string";
    if (!allowed.empty()) p["enum"] = allowed;
    if (allowed.empty()) p["maxLength"] = max_chars;
    if (!required && !def.empty()) p["default"] = def;
    return def;
  }
  const Json* v = lookup(key);
  if (!v) {
    if (required) fail(key, "a string (required)");
    return def;
  }
  if (!v->is_string()) return fail(key, "a string"), def;
  std::string s = v->get<std::string>();
  if (s.size() > max_chars)
    return fail(key, "a string of at most " + std::to_string(max_chars) + " characters"), def;
  if (!in(allowed, s)) return fail(key, one_of(allowed)), def;
  if (required && s.empty()) return fail(key, "a non-empty string"), def;
  return s;
}

int64_t Reader::integer(const char* key, int64_t def, int64_t min, int64_t max, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "integer";
    p["minimum"] = min;
    p["maximum"] = max;
    p["default"] = def;
    return def;
  }
  const Json* v = lookup(key);
  if (!v) return def;
  std::string range = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  // Past INT64_MAX nlohmann keeps the value unsigned: out of every range we read.
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX))
    return fail(key, range), def;
  int64_t x = v->get<int64_t>();
  if (x < min || x > max) return fail(key, range), def;
  return x;
}

double Reader::number(const char* key, double def, double min, double max, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "number";
    p["minimum"] = min;
    p["maximum"] = max;
    p["default"] = def;
    return def;
  }
  const Json* v = lookup(key);
  if (!v) return def;
  auto range = "a number in [" + Json(min).dump() + ", " + Json(max).dump() + "]";
  if (!v->is_number()) return fail(key, range), def;
  double x = v->get<double>();
  if (!(x >= min && x <= max)) return fail(key, range), def;
  return x;
}

bool Reader::boolean(const char* key, bool def, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "boolean";
    p["default"] = def;
    return def;
  }
  const Json* v = lookup(key);
  if (!v) return def;
  if (!v->is_boolean()) return fail(key, "true or false"), def;
  return v->get<bool>();
}

int64_t Reader::millis_us(const char* key, double def_ms, const char* doc) {
  return millis_in(key, def_ms, 0, doc);
}

int64_t Reader::interval_us(const char* key, double def_ms, const char* doc) {
  return millis_in(key, def_ms, 1, doc);
}

int64_t Reader::millis_in(const char* key, double def_ms, double min_ms, const char* doc) {
  double ms = number(key, def_ms, min_ms, 1e9, doc);
  return static_cast<int64_t>(std::llround(ms * 1000.0));
}

Reader Reader::object(const char* key, bool required, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, required);
    Reader r;
    r.schema_ = &p;
    p["type"] = "object";
    return r;
  }
  const Json* v = lookup(key);
  static const Json kEmpty = Json::object();
  if (!v && required) return fail(key, "an object (required)"), unreadable(key);
  if (!v) return value_ ? Reader(kEmpty, file_, path_of(key), *errors_) : unreadable(key);
  if (!v->is_object()) return fail(key, "an object"), unreadable(key);
  return Reader(*v, file_, path_of(key), *errors_);
}

std::vector<std::string> Reader::strings(const char* key, const char* doc,
                                         const std::vector<std::string>& allowed) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["maxItems"] = kMaxArrayItems;
    p["items"] = {{"type", "string"}};
    if (!allowed.empty()) p["items"]["enum"] = allowed;
    if (allowed.empty()) p["items"]["maxLength"] = kMaxNameChars;
    return {};
  }
  const Json* v = lookup(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array() || v->size() > kMaxArrayItems)
    return fail(key, "an array of at most " + std::to_string(kMaxArrayItems) + " strings"), out;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& s = (*v)[i];
    std::string k = std::string(key) + "[" + std::to_string(i) + "]";
    if (!s.is_string() || s.get_ref<const std::string&>().size() > kMaxNameChars) {
      fail(k,
           "a string of at most " + std::to_string(kMaxNameChars) + " characters, got " + show(s));
    } else if (!in(allowed, s.get<std::string>())) {
      fail(k, one_of(allowed) + ", got " + show(s));
    } else {
      out.push_back(s);
    }
  }
  return out;
}

std::vector<std::vector<std::string>> Reader::string_groups(const char* key, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["maxItems"] = kMaxArrayItems;
    p["items"] = {{"type", "array"},
                  {"maxItems", kMaxArrayItems},
                  {"items", {{"type", "string"}, {"maxLength", kMaxNameChars}}}};
    return {};
  }
  const Json* v = lookup(key);
  std::vector<std::vector<std::string>> out;
  if (!v) return out;
  if (!v->is_array() || v->size() > kMaxArrayItems)
    return fail(key,
                "an array of at most " + std::to_string(kMaxArrayItems) + " arrays of node names"),
           out;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& g = (*v)[i];
    std::string k = std::string(key) + "[" + std::to_string(i) + "]";
    if (!g.is_array() || g.size() > kMaxArrayItems) {
      fail(k,
           "an array of at most " + std::to_string(kMaxArrayItems) + " node names, got " + show(g));
      continue;
    }
    auto& group = out.emplace_back();
    for (size_t j = 0; j < g.size(); ++j) {
      if (g[j].is_string() && g[j].get_ref<const std::string&>().size() <= kMaxNameChars)
        group.push_back(g[j]);
      else
        fail(k + "[" + std::to_string(j) + "]", "a node name (at most " +
                                                    std::to_string(kMaxNameChars) +
                                                    " characters), got " + show(g[j]));
    }
  }
  return out;
}

Json Reader::raw_object(const char* key, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "object";
    return Json::object();
  }
  const Json* v = lookup(key);
  if (!v) return Json::object();
  if (!v->is_object()) return fail(key, "an object"), Json::object();
  return *v;
}

void Reader::finish() {
  if (schema_) {
    (*schema_)["additionalProperties"] = false;
    if (!schema_->contains("properties")) (*schema_)["properties"] = Json::object();
    return;
  }
  if (!value_ || !value_->is_object()) return;
  std::string known;
  for (const auto& s : seen_) known += (known.empty() ? "" : ", ") + s;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (std::find(seen_.begin(), seen_.end(), it.key()) != seen_.end()) continue;
    std::string what = "unknown key (expected one of: " + known + ")";
    if (!errors_) throw InputError(file_ + ": " + path_of(it.key()) + ": " + what);
    errors_->add(file_, path_of(it.key()), what);
  }
}

}  // namespace dtx
