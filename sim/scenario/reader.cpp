// Reader accessors: each either checks the value at the current JSON path or, in schema
// mode, records the field's JSON Schema.
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
}  // namespace

Reader::Reader(const Json& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

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
  std::string got;
  if (value_ && value_->is_object()) {
    std::string base = key.substr(0, key.find('['));
    auto it = value_->find(base);
    if (it != value_->end() && base == key) got = ", got " + show(*it);
  }
  throw InputError(file_ + ": " + path_of(key) + ": expected " + expected + got);
}

bool Reader::has(const char* key) const {
  return value_ && value_->is_object() && value_->contains(key);
}

const Json* Reader::lookup(const char* key) {
  seen_.push_back(key);
  if (!value_ || !value_->is_object()) return nullptr;
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return nullptr;
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
  if (schema_) {
    Json& p = prop(key, doc, required);
    p["type"] = "string";
    if (!allowed.empty()) p["enum"] = allowed;
    if (!required && !def.empty()) p["default"] = def;
    return def;
  }
  const Json* v = lookup(key);
  if (!v) {
    if (required) fail(key, "a string (required)");
    return def;
  }
  if (!v->is_string()) fail(key, "a string");
  std::string s = v->get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(key, "one of " + list);
  }
  if (required && s.empty()) fail(key, "a non-empty string");
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
  if (!v->is_number_integer())
    fail(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  int64_t x =
      v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX ? INT64_MAX : v->get<int64_t>();
  if (x < min || x > max)
    fail(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
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
  if (!v->is_number()) fail(key, range);
  double x = v->get<double>();
  if (!(x >= min && x <= max)) fail(key, range);
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
  if (!v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

int64_t Reader::millis_us(const char* key, double def_ms, const char* doc) {
  double ms = number(key, def_ms, 0, 1e9, doc);
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
  if (!v) {
    if (required) fail(key, "an object (required)");
    return Reader(kEmpty, file_, path_of(key));
  }
  if (!v->is_object()) fail(key, "an object");
  return Reader(*v, file_, path_of(key));
}

std::vector<std::string> Reader::strings(const char* key, const char* doc,
                                         const std::vector<std::string>& allowed) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["items"] = {{"type", "string"}};
    if (!allowed.empty()) p["items"]["enum"] = allowed;
    return {};
  }
  const Json* v = lookup(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) fail(key, "an array of strings");
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& s = (*v)[i];
    std::string k = std::string(key) + "[" + std::to_string(i) + "]";
    if (!s.is_string()) fail(k, "a string");
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), s.get<std::string>()) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(k, "one of " + list + ", got " + s.dump());
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::vector<std::string>> Reader::string_groups(const char* key, const char* doc) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["items"] = {{"type", "array"}, {"items", {{"type", "string"}}}};
    return {};
  }
  const Json* v = lookup(key);
  std::vector<std::vector<std::string>> out;
  if (!v) return out;
  if (!v->is_array()) fail(key, "an array of arrays of node names");
  for (const auto& g : *v) {
    if (!g.is_array()) fail(key, "an array of arrays of node names");
    auto& group = out.emplace_back();
    for (const auto& s : g) {
      if (!s.is_string()) fail(key, "an array of arrays of node names");
      group.push_back(s);
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
  if (!v->is_object()) fail(key, "an object");
  return *v;
}

void Reader::finish() {
  if (schema_) {
    (*schema_)["additionalProperties"] = false;
    if (!schema_->contains("properties")) (*schema_)["properties"] = Json::object();
    return;
  }
  if (!value_ || !value_->is_object()) return;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end()) {
      std::string known;
      for (const auto& s : seen_) known += (known.empty() ? "" : ", ") + s;
      throw InputError(file_ + ": " + path_of(it.key()) +
                       ": unknown key (expected one of: " + known + ")");
    }
  }
}

}  // namespace dtx
