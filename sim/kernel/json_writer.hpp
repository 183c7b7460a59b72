// The one JSON writer of the simulator: objects whose keys come in ascending order (the order
// nlohmann's dump uses, so text written here equals what a parsed-and-dumped value would give,
// and traces stay byte-identical), arrays, strings escaped as nlohmann writes them, integers,
// booleans, and values that are already JSON text. Debug builds assert the key order.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dtx {

void append_dump_string(std::string& out, std::string_view s);
void append_integer(std::string& out, int64_t v);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{', true); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('[', false); }
  JsonWriter& end_array() { return close(']'); }
  // The next value's key: keys of one object must ascend.
  JsonWriter& key(std::string_view k) {
    assert(!levels_.empty() && levels_.back().object);
    assert(levels_.back().first || levels_.back().last_key < k);
#ifndef NDEBUG
    levels_.back().last_key.assign(k);
#endif
    separate();
    out_ += '"';
    out_ += k;  // keys are identifiers written in the code: nothing to escape
    out_ += "\":";
    after_key_ = true;
    return *this;
  }
  JsonWriter& string(std::string_view s) {
    value();
    append_dump_string(out_, s);
    return *this;
  }
  JsonWriter& integer(int64_t v) {
    value();
    append_integer(out_, v);
    return *this;
  }
  JsonWriter& boolean(bool b) {
    value();
    out_ += b ? "true" : "false";
    return *this;
  }
  // A value that is already JSON text (a stored payload).
  JsonWriter& raw(std::string_view json) {
    value();
    out_ += json;
    return *this;
  }
  // Convenience: key and value together.
  JsonWriter& field(std::string_view k, std::string_view s) {
    return key(k).string(s);
  }
  JsonWriter& field(std::string_view k, const char* s) {
    return key(k).string(s);
  }
  JsonWriter& field(std::string_view k, int64_t v) {
    return key(k).integer(v);
  }
  JsonWriter& field(std::string_view k, bool b) {
    return key(k).boolean(b);
  }

 private:
  struct Level {
    bool object;
    bool first = true;
#ifndef NDEBUG
    std::string last_key;
#endif
  };
  void separate() {
    if (levels_.empty()) return;
    if (!levels_.back().first) out_ += ',';
    levels_.back().first = false;
  }
  // Before a value: a comma in an array, nothing after a key.
  void value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    separate();
  }
  JsonWriter& open(char c, bool object) {
    value();
    out_ += c;
    levels_.push_back(Level{object});
    return *this;
  }
  JsonWriter& close(char c) {
    assert(!levels_.empty() && !after_key_);
    levels_.pop_back();
    out_ += c;
    return *this;
  }

  std::string& out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace dtx
