// A JSON reader that validates as it reads and, in schema mode, writes the JSON Schema of
// what it reads instead. The loader is the single source of truth: scenarios/schema.json is
// this reader's output, and a test keeps the shipped file equal to it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/kernel/history.hpp"

namespace dtx {

// Bad input: the message names the file, the JSON path and what was expected.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  // Validating mode.
  Reader(const Json& value, std::string file, std::string path);
  // Schema mode: every accessor describes its field in `schema` and returns the default.
  static Reader schema_mode(Json& schema, std::string description);

  bool has(const char* key) const;
  std::string string(const char* key, const std::string& def, bool required, const char* doc,
                     const std::vector<std::string>& allowed = {});
  int64_t integer(const char* key, int64_t def, int64_t min, int64_t max, const char* doc);
  double number(const char* key, double def, double min, double max, const char* doc);
  bool boolean(const char* key, bool def, const char* doc);
  // Milliseconds (integer or fractional) converted to integer microseconds.
  int64_t millis_us(const char* key, double def_ms, const char* doc);
  Reader object(const char* key, bool required, const char* doc);
  // Array of objects: calls fn(Reader&) per item (once with an empty item in schema mode).
  template <typename Fn>
  void objects(const char* key, const char* doc, Fn fn);
  std::vector<std::string> strings(const char* key, const char* doc,
                                   const std::vector<std::string>& allowed = {});
  std::vector<std::vector<std::string>> string_groups(const char* key, const char* doc);
  // A free-form object (e.g. pattern parameters validated by the pattern itself).
  Json raw_object(const char* key, const char* doc);
  // Rejects keys that no accessor asked for.
  void finish();

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  const std::string& file() const { return file_; }
  std::string path_of(const std::string& key) const;
  bool schema() const { return schema_ != nullptr; }

 private:
  Reader() = default;
  const Json* lookup(const char* key);
  Json& prop(const char* key, const char* doc, bool required);

  const Json* value_ = nullptr;
  Json* schema_ = nullptr;
  std::string file_;
  std::string path_;
  std::vector<std::string> seen_;
};

template <typename Fn>
void Reader::objects(const char* key, const char* doc, Fn fn) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["items"] = Json::object();
    Reader item;
    item.schema_ = &p["items"];
    item.schema_->operator[]("type") = "object";
    fn(item);
    item.finish();
    return;
  }
  const Json* v = lookup(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "an array of objects");
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_object()) fail(std::string(key) + "[" + std::to_string(i) + "]", "an object");
    Reader item((*v)[i], file_, path_of(key) + "[" + std::to_string(i) + "]");
    fn(item);
    item.finish();
  }
}

}  // namespace dtx
