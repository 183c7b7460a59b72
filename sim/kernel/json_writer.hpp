// The one JSON writer of the simulator: objects whose keys come in ascending order (the order
// nlohmann's dump uses, so text written here equals what a parsed-and-dumped value would give,
// and traces stay byte-identical), arrays, strings escaped as nlohmann writes them, integers,
// booleans, and values that are already JSON text. Debug builds assert the key order.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

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
    assert(depth_ > 0 && top().object);
    assert(top().first || top().last_key < k);
#ifndef NDEBUG
    top().last_key.assign(k);
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
    bool object = false;
    bool first = true;
#ifndef NDEBUG
    std::string last_key;
#endif
  };
  Level& top() {
    return levels_[depth_ - 1];
  }
  void separate() {
    if (depth_ == 0) return;
    if (!top().first) out_ += ',';
    top().first = false;
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
    assert(depth_ < kMaxDepth);
    Level level;  // not Level{object}: in debug builds it has a field more to initialise
    level.object = object;
    levels_[depth_++] = std::move(level);
    return *this;
  }
  JsonWriter& close(char c) {
    assert(depth_ > 0 && !after_key_);
    --depth_;
    out_ += c;
    return *this;
  }

  // Nesting the simulator writes stays shallow (a payload's branches: three levels).
  static constexpr size_t kMaxDepth = 8;
  std::string& out_;
  std::array<Level, kMaxDepth> levels_{};
  size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace dtx
