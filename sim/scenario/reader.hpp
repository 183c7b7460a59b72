// A JSON reader that validates as it reads and, in schema mode, writes the JSON Schema of
// what it reads instead. The loader is the single source of truth: scenarios/schema.json is
// this reader's output, and a test keeps the shipped file equal to it. A validating reader
// records every error and reads on, so one pass reports every mistake in a file.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/kernel/history.hpp"

namespace dtx {

// Bad input: the message names the file, the JSON path and what was expected (one line per
// error when an input has several).
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The errors found in one input. Readers add to it and read on; raise() then throws them
// all as one InputError, so the user fixes a file in one round instead of one per error.
class InputErrors {
 public:
  // Adds "file: path: what".
  void add(const std::string& file, const std::string& path, const std::string& what);
  // Adds a message already naming its file and path (an InputError thrown further down).
  void add_message(const std::string& message);
  // True when an error was recorded at `path`, inside it or at an object holding it: checks
  // of such a value skip it, since they would only echo that error with a default in its
  // place.
  bool touches(const std::string& path) const;
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  // Every error, one per line, in the order found.
  std::string text() const;
  // Throws InputError(text()) unless empty.
  void raise() const;

 private:
  struct Entry {
    std::string path;  // empty when the message came whole
    std::string message;
  };
  std::vector<Entry> errors_;
};

// Input limits, written into the schema and enforced by the reader: a name (node, service,
// database, broker, partition, pattern, queue) is at most kMaxNameChars long, any other text
// at most kMaxTextChars, an array holds at most kMaxArrayItems items. Without them a
// megabyte-long node name makes every trace line a megabyte.
constexpr size_t kMaxNameChars = 64;
constexpr size_t kMaxTextChars = 4096;
constexpr size_t kMaxArrayItems = 10000;

class Reader {
 public:
  // Validating mode: errors go to `errors`, which must outlive the reader and its children.
  Reader(const Json& value, std::string file, std::string path, InputErrors& errors);
  // Schema mode: every accessor describes its field in `schema` and returns the default.
  static Reader schema_mode(Json& schema, std::string description);

  bool has(const char* key) const;
  // Text of at most kMaxTextChars characters.
  std::string string(const char* key, const std::string& def, bool required, const char* doc,
                     const std::vector<std::string>& allowed = {});
  // A name: a string of at most kMaxNameChars characters.
  std::string name(const char* key, const std::string& def, bool required, const char* doc);
  int64_t integer(const char* key, int64_t def, int64_t min, int64_t max, const char* doc);
  double number(const char* key, double def, double min, double max, const char* doc);
  bool boolean(const char* key, bool def, const char* doc);
  // Milliseconds (integer or fractional, in [0, 1e9]) converted to integer microseconds.
  int64_t millis_us(const char* key, double def_ms, const char* doc);
  // An interval, period, timeout or back-off: milliseconds in [1, 1e9]. Zero (also -0.0 or
  // a denormal, which round to zero) would re-arm a timer at the same instant forever.
  int64_t interval_us(const char* key, double def_ms, const char* doc);
  Reader object(const char* key, bool required, const char* doc);
  // Array of objects: calls fn(Reader&) per item (once with an empty item in schema mode).
  template <typename Fn>
  void objects(const char* key, const char* doc, Fn fn);
  std::vector<std::string> strings(const char* key, const char* doc,
                                   const std::vector<std::string>& allowed = {});
  std::vector<std::vector<std::string>> string_groups(const char* key, const char* doc);
  // A free-form object (e.g. pattern parameters validated by the pattern itself).
  Json raw_object(const char* key, const char* doc);
  // Rejects keys that no accessor asked for (each one an error).
  void finish();

  // Records "file: path.key: expected ..., got ..."; the accessor then returns its default.
  void fail(const std::string& key, const std::string& expected) const;
  // True when reading `key` recorded an error (cross-field checks skip such fields).
  bool failed(const std::string& key) const { return errors_ && errors_->touches(path_of(key)); }
  // True when nothing read from this object so far recorded an error.
  bool clean() const { return !errors_ || !errors_->touches(path_); }
  const std::string& file() const { return file_; }
  std::string path_of(const std::string& key) const;
  bool schema() const { return schema_ != nullptr; }

 private:
  Reader() = default;
  // A reader of a value that is missing or of the wrong type: the error is already recorded
  // at its path, so reads under it return defaults and record nothing more.
  Reader unreadable(const std::string& key) const;
  const Json* lookup(const char* key);
  Json& prop(const char* key, const char* doc, bool required);
  std::string text(const char* key, const std::string& def, bool required, const char* doc,
                   const std::vector<std::string>& allowed, size_t max_chars);
  int64_t millis_in(const char* key, double def_ms, double min_ms, const char* doc);

  const Json* value_ = nullptr;  // null: nothing to read (schema mode or unreadable)
  Json* schema_ = nullptr;
  InputErrors* errors_ = nullptr;
  std::string file_;
  std::string path_;
  std::vector<std::string> seen_;
};

template <typename Fn>
void Reader::objects(const char* key, const char* doc, Fn fn) {
  if (schema_) {
    Json& p = prop(key, doc, false);
    p["type"] = "array";
    p["maxItems"] = kMaxArrayItems;
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
  if (!v->is_array()) return fail(key, "an array of objects");
  if (v->size() > kMaxArrayItems)
    return fail(key, "an array of at most " + std::to_string(kMaxArrayItems) + " objects");
  for (size_t i = 0; i < v->size(); ++i) {
    std::string at = std::string(key) + "[" + std::to_string(i) + "]";
    if (!(*v)[i].is_object()) {
      fail(at, "an object");
      continue;  // the other items are still read
    }
    Reader item((*v)[i], file_, path_of(at), *errors_);
    fn(item);
    item.finish();
  }
}

}  // namespace dtx
